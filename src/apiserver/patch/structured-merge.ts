// Schema-driven walks over objects for server-side apply, with the semantics of Kubernetes'
// structured-merge-diff: which fields an object sets, what changed between two objects, how an
// applied configuration merges into a live object, and how fields an applier dropped are removed.
// Maps (and objects) are granular unless x-kubernetes-map-type is atomic; lists are atomic unless
// their list type is set (items are their values) or map (items are identified by their keys).

import type { Schema } from '../../api/resource.ts';
import { PatchError } from './errors.ts';
import { FieldSet, describePath, fieldElement, keyElement, valueElement } from './field-set.ts';
import { isJsonObject, jsonEqual, type JsonObject } from './json-values.ts';
import { declaresProperty, isAtomicMap, itemSchema, listSemantics, propertySchema, type ListSemantics } from './schema-lookup.ts';

type Kind = 'map' | 'list' | 'scalar';

function kindOf(value: unknown): Kind | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? 'list' : isJsonObject(value) ? 'map' : 'scalar';
}

/** The path element naming `item` in a set or associative list at `path`. */
function itemElement(item: unknown, semantics: ListSemantics, path: readonly string[]): string {
  if (semantics.type !== 'map') return valueElement(item);
  const where = describePath(path) || 'the object';
  if (!isJsonObject(item)) throw new PatchError(422, `${where}: associative list items must be objects`, [{ reason: 'FieldValueInvalid', message: 'associative list items must be objects', field: where }]);
  const keys: Record<string, unknown> = {};
  for (const key of semantics.keys) {
    if (item[key] === undefined) {
      const message = `associative list with keys has an element that omits key field ${JSON.stringify(key)}`;
      throw new PatchError(422, `${where}: ${message}`, [{ reason: 'FieldValueRequired', message, field: where }]);
    }
    keys[key] = item[key];
  }
  return keyElement(keys);
}

/** Path elements of a list's items, with how often each occurs. */
function indexItems(list: unknown[], semantics: ListSemantics, path: readonly string[]) {
  const elements = list.map((item) => itemElement(item, semantics, path));
  const counts = new Map<string, number>();
  for (const element of elements) counts.set(element, (counts.get(element) ?? 0) + 1);
  return { elements, counts, first: (element: string) => list[elements.indexOf(element)] };
}

function isLeafList(semantics: ListSemantics, a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  return semantics.type === 'atomic' || (empty(a) && empty(b));
}

function isLeafMap(schema: Schema | undefined, a: unknown, b: unknown): boolean {
  const empty = (v: unknown) => v === undefined || (isJsonObject(v) && Object.keys(v).length === 0);
  return isAtomicMap(schema) || (empty(a) && empty(b));
}

/**
 * Every field an applied configuration sets: the set its applier owns. Throws PatchError 422 when
 * a set or associative list holds the same item twice, which a configuration may not.
 */
export function fieldSetOf(value: unknown, schema: Schema | undefined): FieldSet {
  const set = new FieldSet();
  collectFields(value, schema, [], set);
  return set;
}

function rejectDuplicates(counts: Map<string, number>, path: readonly string[]): void {
  for (const [element, count] of counts) {
    if (count > 1) {
      const where = describePath(path);
      const message = `duplicate entries for key ${describePath([element])}`;
      throw new PatchError(422, `${where}: ${message}`, [{ reason: 'FieldValueDuplicate', message, field: where }]);
    }
  }
}

function collectFields(value: unknown, schema: Schema | undefined, path: string[], out: FieldSet): void {
  if (Array.isArray(value)) {
    const semantics = listSemantics(schema);
    if (semantics.type === 'atomic') return out.insert(path);
    const { elements, counts } = indexItems(value, semantics, path);
    rejectDuplicates(counts, path);
    value.forEach((item, index) => {
      const itemPath = [...path, elements[index]];
      collectFields(item, itemSchema(schema), itemPath, out);
      out.insert(itemPath);
    });
    return;
  }
  if (isJsonObject(value)) {
    if (isAtomicMap(schema)) return out.insert(path);
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, fieldElement(key)];
      collectFields(child, propertySchema(schema, key), childPath, out);
      const emptyMap = isJsonObject(child) && Object.keys(child).length === 0;
      if (child === null || emptyMap || !declaresProperty(schema, key)) out.insert(childPath);
    }
    return;
  }
  out.insert(path);
}

export interface Changes {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `before` to `after`, field by field (containers appearing or vanishing count too). */
export function compareValues(before: unknown, after: unknown, schema: Schema | undefined): Changes {
  const changes: Changes = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(before, after, schema, [], changes);
  return changes;
}

function compareLeaf(before: unknown, after: unknown, path: string[], changes: Changes): void {
  if (before === undefined) changes.added.insert(path);
  else if (after === undefined) changes.removed.insert(path);
  else if (!jsonEqual(before, after)) changes.modified.insert(path);
}

function compareAt(before: unknown, after: unknown, schema: Schema | undefined, path: string[], changes: Changes): void {
  const beforeKind = kindOf(before);
  const afterKind = kindOf(after);
  const kind = beforeKind ?? afterKind;
  if (kind === undefined) return;
  if ((beforeKind && afterKind && beforeKind !== afterKind) || kind === 'scalar') return compareLeaf(before, after, path, changes);

  if (kind === 'list') {
    const semantics = listSemantics(schema);
    if (isLeafList(semantics, before, after)) return compareLeaf(before, after, path, changes);
    const left = indexItems((before as unknown[] | undefined) ?? [], semantics, path);
    const right = indexItems((after as unknown[] | undefined) ?? [], semantics, path);
    for (const element of new Set([...left.elements, ...right.elements])) {
      const itemPath = [...path, element];
      const leftCount = left.counts.get(element) ?? 0;
      const rightCount = right.counts.get(element) ?? 0;
      if (leftCount <= 1 && rightCount <= 1) {
        compareAt(leftCount ? left.first(element) : undefined, rightCount ? right.first(element) : undefined, itemSchema(schema), itemPath, changes);
      } else if (leftCount >= 2 && rightCount >= 2) {
        const pick = (list: unknown[], index: { elements: string[] }) => list.filter((_, i) => index.elements[i] === element);
        if (!jsonEqual(pick(before as unknown[], left), pick(after as unknown[], right))) changes.modified.insert(itemPath);
      } else if (leftCount >= 2) {
        if (rightCount === 1) compareAt(undefined, right.first(element), itemSchema(schema), itemPath, changes);
        changes.removed.insert(itemPath);
      } else {
        if (leftCount === 1) compareAt(left.first(element), undefined, itemSchema(schema), itemPath, changes);
        changes.added.insert(itemPath);
      }
    }
  } else {
    if (isLeafMap(schema, before, after)) return compareLeaf(before, after, path, changes);
    const left = (before as JsonObject | undefined) ?? {};
    const right = (after as JsonObject | undefined) ?? {};
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      compareAt(left[key], right[key], propertySchema(schema, key), [...path, fieldElement(key)], changes);
    }
  }
  if (before === undefined) changes.added.insert(path);
  else if (after === undefined) changes.removed.insert(path);
}

/** Merges an applied configuration into a live value (neither is modified). */
export function mergeValues(live: unknown, applied: unknown, schema: Schema | undefined, path: string[] = []): unknown {
  if (applied === undefined) return structuredClone(live);
  if (live === undefined) return structuredClone(applied);
  const kind = kindOf(applied);
  if (kind !== kindOf(live) || kind === 'scalar') return structuredClone(applied);
  if (kind === 'list') {
    const semantics = listSemantics(schema);
    if (isLeafList(semantics, live, applied)) return structuredClone(applied);
    return mergeLists(live as unknown[], applied as unknown[], semantics, itemSchema(schema), path);
  }
  if (isLeafMap(schema, live, applied)) return structuredClone(applied);
  const left = live as JsonObject;
  const right = applied as JsonObject;
  const out: JsonObject = {};
  for (const key of Object.keys(left)) out[key] = mergeValues(left[key], right[key], propertySchema(schema, key), [...path, fieldElement(key)]);
  for (const key of Object.keys(right)) {
    if (!Object.hasOwn(left, key)) out[key] = mergeValues(undefined, right[key], propertySchema(schema, key), [...path, fieldElement(key)]);
  }
  return out;
}

/**
 * Merges set or associative lists. Items live has but the configuration lacks stay where they are;
 * the configuration's items come in the configuration's order, each placed no later than the
 * position of its live counterpart.
 */
function mergeLists(live: unknown[], applied: unknown[], semantics: ListSemantics, schema: Schema | undefined, path: string[]): unknown[] {
  const left = indexItems(live, semantics, path);
  const right = indexItems(applied, semantics, path);
  rejectDuplicates(right.counts, path);
  const appliedPosition = new Map(right.elements.map((element, index) => [element, index]));
  const out: unknown[] = [];
  let next = 0;
  const emitAppliedThrough = (last: number) => {
    for (; next <= last; next++) {
      const element = right.elements[next];
      const counterpart = left.counts.get(element) === 1 ? left.first(element) : undefined;
      out.push(mergeValues(counterpart, applied[next], schema, [...path, element]));
    }
  };
  live.forEach((item, index) => {
    const position = appliedPosition.get(left.elements[index]);
    if (position === undefined) out.push(structuredClone(item));
    else emitAppliedThrough(position);
  });
  emitAppliedThrough(applied.length - 1);
  return out;
}

/**
 * Removes the fields in `remove` from `value`, except those that still have an owner in `keep`
 * (kept fields keep their parents, and associative list items keep their key fields).
 * Maps and lists emptied by the removal are removed too unless someone owns them.
 */
export function removeFields(value: unknown, remove: FieldSet, keep: FieldSet, schema: Schema | undefined): unknown {
  return removeAt(value, remove, keep, schema, []).value;
}

function owned(node: FieldSet | undefined): boolean {
  return node !== undefined && !node.isEmpty();
}

function removeAt(value: unknown, remove: FieldSet, keep: FieldSet | undefined, schema: Schema | undefined, keyFields: readonly string[]): { value: unknown; emptied: boolean } {
  if (isJsonObject(value) && !isAtomicMap(schema)) {
    const out: JsonObject = { ...value };
    for (const [key, child] of Object.entries(value)) {
      const element = fieldElement(key);
      const removeChild = remove.children.get(element);
      if (removeChild === undefined || keyFields.includes(key)) continue;
      const keepChild = keep?.children.get(element);
      if (removeChild.member && !owned(keepChild)) {
        delete out[key];
      } else if (removeChild.children.size > 0) {
        const result = removeAt(child, removeChild, keepChild, propertySchema(schema, key), []);
        if (result.emptied && keepChild?.member !== true) delete out[key];
        else out[key] = result.value;
      }
    }
    return { value: out, emptied: Object.keys(value).length > 0 && Object.keys(out).length === 0 };
  }
  if (Array.isArray(value)) {
    const semantics = listSemantics(schema);
    if (semantics.type === 'atomic') return { value, emptied: false };
    const out: unknown[] = [];
    for (const item of value) {
      const element = itemElement(item, semantics, []);
      const removeItem = remove.children.get(element);
      const keepItem = keep?.children.get(element);
      if (removeItem === undefined) out.push(item);
      else if (removeItem.member && !owned(keepItem)) continue;
      else out.push(removeAt(item, removeItem, keepItem, itemSchema(schema), semantics.type === 'map' ? semantics.keys : []).value);
    }
    return { value: out, emptied: value.length > 0 && out.length === 0 };
  }
  return { value, emptied: false };
}
