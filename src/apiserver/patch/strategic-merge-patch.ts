// Kubernetes strategic merge patch (application/strategic-merge-patch+json), built-in kinds only.
// The schema's x-kubernetes-patch-strategy / x-kubernetes-patch-merge-key say how each list merges:
// "merge" lists of objects merge item by item on the merge key, "merge" lists of scalars merge as
// sets, every other list is replaced. Directives: `$patch: replace|delete` on maps and list items,
// `$retainKeys`, `$deleteFromPrimitiveList/<field>`, `$setElementOrder/<field>`; null deletes a key.
// Status codes follow kube-apiserver: malformed directives 400, lists of lists and retainKeys
// mismatches 422 (and the other semantic failures, which Kubernetes leaves as 500s, 422 too).

import type { Schema } from '../../api/resource.ts';
import { PatchError } from './errors.ts';
import { isJsonObject, type JsonObject } from './json-values.ts';
import { itemSchema, patchStrategies, propertySchema, withObjectMeta } from './schema-lookup.ts';

const directiveMarker = '$patch';
const retainKeysDirective = '$retainKeys';
const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList/';
const setElementOrderPrefix = '$setElementOrder/';

/** Applies a strategic merge patch to a copy of `original`; `schema` is the kind's schema. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, schema: Schema): unknown {
  if (!isJsonObject(patch)) throw new PatchError(400, 'error decoding patch: a strategic merge patch must be a JSON object');
  const base = isJsonObject(original) ? structuredClone(original) : {};
  return mergeMap(base, structuredClone(patch), withObjectMeta(schema));
}

function isDirectiveKey(key: string): boolean {
  return key === directiveMarker || key === retainKeysDirective || key.startsWith(deleteFromPrimitiveListPrefix) || key.startsWith(setElementOrderPrefix);
}

/** A patch value as it lands where the original had nothing: nulls and directives dropped. */
function plainValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((item) => !(isJsonObject(item) && directiveMarker in item)).map(plainValue);
  }
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null || isDirectiveKey(key)) continue;
    if (isJsonObject(child) && directiveMarker in child) continue;
    result[key] = plainValue(child);
  }
  return result;
}

type Kind = 'map' | 'list' | 'scalar';
function kindOf(value: unknown): Kind {
  return Array.isArray(value) ? 'list' : isJsonObject(value) ? 'map' : 'scalar';
}

function mergeMap(original: JsonObject, patch: JsonObject, schema: Schema | undefined): JsonObject {
  if (directiveMarker in patch) {
    const directive = patch[directiveMarker];
    if (directive === 'replace') return plainValue(patch) as JsonObject;
    if (directive === 'delete') return {};
    throw new PatchError(422, `unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  }
  applyRetainKeys(original, patch);

  for (const key of Object.keys(patch)) {
    if (key.startsWith(setElementOrderPrefix)) applySetElementOrder(original, patch, key.slice(setElementOrderPrefix.length), schema);
  }
  // Deletions from primitive lists first, so that the same patch may also add to that list.
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(deleteFromPrimitiveListPrefix)) deleteFromPrimitiveList(original, key.slice(deleteFromPrimitiveListPrefix.length), value);
  }
  for (const [key, patchValue] of Object.entries(patch)) {
    if (isDirectiveKey(key)) continue;
    if (patchValue === null) {
      delete original[key];
      continue;
    }
    const originalValue = original[key];
    const fieldSchema = propertySchema(schema, key);
    if (originalValue === undefined || kindOf(originalValue) !== kindOf(patchValue)) {
      if (isJsonObject(patchValue) && patchValue[directiveMarker] === 'delete') delete original[key];
      else original[key] = plainValue(patchValue);
      continue;
    }
    original[key] = mergeValue(originalValue, patchValue, fieldSchema, key);
  }
  return original;
}

/** Merges two values of the same kind found under `key`. */
function mergeValue(originalValue: unknown, patchValue: unknown, fieldSchema: Schema | undefined, key: string): unknown {
  const strategies = patchStrategies(fieldSchema);
  if (isJsonObject(originalValue) && isJsonObject(patchValue)) {
    return strategies.includes('replace') ? plainValue(patchValue) : mergeMap(originalValue, patchValue, fieldSchema);
  }
  if (Array.isArray(originalValue) && Array.isArray(patchValue)) {
    if (!strategies.includes('merge')) return plainValue(patchValue);
    return mergeList(originalValue, patchValue, fieldSchema, key);
  }
  return patchValue;
}

function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!(retainKeysDirective in patch)) return;
  const retain = patch[retainKeysDirective];
  if (!Array.isArray(retain)) throw new PatchError(400, 'invalid patch format of retainKeys');
  const retained = new Set(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || isDirectiveKey(key)) continue;
    if (!retained.has(key)) throw new PatchError(422, "patch content doesn't match retainKeys list", [{ reason: 'FieldValueInvalid', message: `${key} is not in $retainKeys`, field: key }]);
  }
  for (const key of Object.keys(original)) {
    if (!retained.has(key)) delete original[key];
  }
}

function deleteFromPrimitiveList(original: JsonObject, key: string, toDelete: unknown): void {
  if (key === '' || !Array.isArray(toDelete)) throw new PatchError(400, 'invalid patch format of primitive list');
  const list = original[key];
  if (!Array.isArray(list)) return;
  original[key] = list.filter((item) => !toDelete.includes(item));
}

/** The identity of a list item for ordering and matching: its merge key value, or itself for scalars. */
function identityOf(item: unknown, mergeKey: string | undefined): unknown {
  return mergeKey !== undefined && isJsonObject(item) ? item[mergeKey] : item;
}

function mergeKeyOf(schema: Schema | undefined): string | undefined {
  return schema?.['x-kubernetes-patch-merge-key'];
}

function mergeList(original: unknown[], patch: unknown[], schema: Schema | undefined, key: string): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const all = [...original, ...patch];
  if (all.some(Array.isArray)) throw new PatchError(422, 'lists of lists are not supported');
  const ofMaps = all.some(isJsonObject);
  if (ofMaps && !all.every(isJsonObject)) throw new PatchError(422, `list element types are not identical in ${key}`);
  if (!ofMaps) {
    const merged = [...new Set(all)];
    return orderAfterPatch(merged, patch, original, undefined);
  }
  const mergeKey = mergeKeyOf(schema);
  if (mergeKey === undefined) throw new PatchError(422, `cannot merge lists without merge key for ${key}`);

  let server = original as JsonObject[];
  const patchItems: JsonObject[] = [];
  let replace = false;
  for (const item of patch as JsonObject[]) {
    const directive = item[directiveMarker];
    if (directive === undefined) {
      patchItems.push(item);
    } else if (directive === 'delete') {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      server = server.filter((candidate) => candidate[mergeKey] !== item[mergeKey]);
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw new PatchError(422, 'merging lists cannot yet be specified in the patch');
    } else {
      throw new PatchError(422, `unknown patch type: ${String(directive)} in map: ${JSON.stringify(item)}`);
    }
  }
  if (replace) return patchItems.map(plainValue);

  const itemsSchema = itemSchema(schema);
  const merged = [...server];
  for (const item of patchItems) {
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    const at = merged.findIndex((candidate) => candidate[mergeKey] === item[mergeKey]);
    if (at >= 0) merged[at] = mergeMap(merged[at], item, itemsSchema);
    else merged.push(plainValue(item) as JsonObject);
  }
  return orderAfterPatch(merged, patchItems, server, mergeKey);
}

function noMergeKey(item: JsonObject, mergeKey: string): PatchError {
  return new PatchError(422, `map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
}

/**
 * Orders a merged list: items named by `order` (the patch list or a $setElementOrder list) follow that
 * order, items only the server had keep theirs, and the two interleave by their positions in `server`.
 */
function orderAfterPatch(merged: unknown[], order: unknown[], server: unknown[], mergeKey: string | undefined): unknown[] {
  const positionIn = (list: unknown[], item: unknown) => {
    const identity = identityOf(item, mergeKey);
    return list.findIndex((candidate) => identityOf(candidate, mergeKey) === identity);
  };
  const fromOrder = merged.filter((item) => positionIn(order, item) >= 0);
  const serverOnly = merged.filter((item) => positionIn(order, item) < 0);
  fromOrder.sort((a, b) => positionIn(order, a) - positionIn(order, b));

  const result: unknown[] = [];
  let s = 0;
  let p = 0;
  while (s < serverOnly.length || p < fromOrder.length) {
    if (p >= fromOrder.length) result.push(serverOnly[s++]);
    else if (s >= serverOnly.length) result.push(fromOrder[p++]);
    else {
      const serverPosition = positionIn(server, serverOnly[s]);
      const patchPosition = positionIn(server, fromOrder[p]);
      if (serverPosition >= 0 && patchPosition >= 0 && serverPosition < patchPosition) result.push(serverOnly[s++]);
      else result.push(fromOrder[p++]);
    }
  }
  return result;
}

/** `$setElementOrder/<key>`: merges the list named by the directive (if patched) and orders it as the directive says. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, key: string, schema: Schema | undefined): void {
  const order = patch[setElementOrderPrefix + key];
  if (key === '' || !Array.isArray(order)) throw new PatchError(400, 'invalid patch format of setElementOrder list');
  const fieldSchema = propertySchema(schema, key);
  const mergeKey = order.some(isJsonObject) ? mergeKeyOf(fieldSchema) : undefined;
  const originalList = original[key];
  const patchList = patch[key];
  if (patchList !== undefined && !Array.isArray(patchList)) throw new PatchError(400, 'invalid patch format of setElementOrder list');
  if (originalList !== undefined && !Array.isArray(originalList)) return;
  if (Array.isArray(patchList)) checkOrderConsistency(patchList, order, mergeKey);

  let merged: unknown[];
  if (originalList === undefined && patchList === undefined) return;
  if (originalList === undefined) merged = plainValue(patchList) as unknown[];
  else if (patchList === undefined) merged = originalList;
  else merged = mergeValue(originalList, patchList, fieldSchema, key) as unknown[];
  original[key] = orderAfterPatch(merged, order, originalList ?? [], mergeKey);
  delete patch[key];
}

/** The patch list's items must appear in the $setElementOrder list, in the same relative order. */
function checkOrderConsistency(patchList: unknown[], order: unknown[], mergeKey: string | undefined): void {
  let position = 0;
  for (const item of patchList) {
    if (isJsonObject(item) && directiveMarker in item) continue;
    const identity = identityOf(item, mergeKey);
    while (position < order.length && identityOf(order[position], mergeKey) !== identity) position++;
    if (position >= order.length) {
      throw new PatchError(400, `invalid patch format of setElementOrder list: the order in the patch list doesn't match the $setElementOrder list`);
    }
    position++;
  }
}
