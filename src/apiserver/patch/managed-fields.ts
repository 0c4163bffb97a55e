// metadata.managedFields: which manager owns which fields, and how ordinary writes (create,
// update, patch) move ownership, as kube-apiserver's field manager does. A manager is identified by
// (manager, operation, subresource) plus, for Update only, the apiVersion it wrote with.

import type { Schema } from '../../api/resource.ts';
import type { KubeObject, ManagedFieldsEntry } from '../../api/meta.ts';
import { FieldSet, fieldElement } from './field-set.ts';
import { isJsonObject, jsonEqual } from './json-values.ts';
import { withObjectMeta } from './schema-lookup.ts';
import { compareValues, type Changes } from './structured-merge.ts';

/** One manager's entry: everything but the field set, which is kept decoded. */
export interface ManagerRecord {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

export type Managers = Map<string, ManagerRecord>;

export function managerIdentity(record: Pick<ManagerRecord, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  // Appliers keep one entry whatever version they apply with.
  const apiVersion = record.operation === 'Apply' ? '' : record.apiVersion;
  return JSON.stringify([record.manager, record.operation, apiVersion, record.subresource ?? '']);
}

/** Fields the server sets or that identify the object: never owned by anyone. */
const untrackedFields = FieldSet.fromPaths([
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']
    .map((field) => ['f:metadata', fieldElement(field)]),
]);

export function withoutUntrackedFields(set: FieldSet): FieldSet {
  return set.difference(untrackedFields);
}

/** Decodes managedFields; throws a plain Error when they are malformed. */
export function decodeManagedFields(entries: unknown): Managers {
  const managers: Managers = new Map();
  if (entries === undefined || entries === null) return managers;
  if (!Array.isArray(entries)) throw new Error('metadata.managedFields must be a list');
  for (const entry of entries) {
    if (!isJsonObject(entry)) throw new Error('metadata.managedFields entries must be objects');
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = entry;
    if (typeof manager !== 'string') throw new Error('metadata.managedFields[].manager must be a string');
    if (operation !== 'Apply' && operation !== 'Update') throw new Error(`metadata.managedFields[].operation must be Apply or Update, not ${JSON.stringify(operation)}`);
    if (fieldsType !== undefined && fieldsType !== 'FieldsV1') throw new Error(`metadata.managedFields[].fieldsType must be FieldsV1, not ${JSON.stringify(fieldsType)}`);
    const record: ManagerRecord = {
      manager,
      operation,
      apiVersion: typeof apiVersion === 'string' ? apiVersion : '',
      fields: FieldSet.fromFieldsV1(fieldsV1 ?? {}),
    };
    if (typeof time === 'string') record.time = time;
    if (typeof subresource === 'string' && subresource !== '') record.subresource = subresource;
    const identity = managerIdentity(record);
    const previous = managers.get(identity);
    managers.set(identity, previous ? { ...record, fields: previous.fields.union(record.fields) } : record);
  }
  return managers;
}

function seconds(time: string | undefined): number {
  const ms = time === undefined ? NaN : Date.parse(time);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Encodes managers in kube-apiserver's order (operation, time, manager, apiVersion, subresource), dropping empty ones. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] {
  const records = [...managers.values()].filter((record) => !record.fields.isEmpty());
  records.sort((a, b) =>
    byText(a.operation, b.operation) || seconds(a.time) - seconds(b.time) || byText(a.manager, b.manager) ||
    byText(a.apiVersion, b.apiVersion) || byText(a.subresource ?? '', b.subresource ?? ''));
  return records.map((record) => ({
    manager: record.manager,
    operation: record.operation,
    apiVersion: record.apiVersion,
    ...(record.time !== undefined ? { time: record.time } : {}),
    fieldsType: 'FieldsV1' as const,
    fieldsV1: record.fields.toFieldsV1(),
    ...(record.subresource !== undefined ? { subresource: record.subresource } : {}),
  }));
}

/** The tracked changes between two objects (managedFields and server-set metadata ignored). */
export function trackedChanges(before: unknown, after: unknown, schema: Schema): Changes {
  const changes = compareValues(withoutManagedFields(before), withoutManagedFields(after), withObjectMeta(schema));
  return {
    added: withoutUntrackedFields(changes.added),
    modified: withoutUntrackedFields(changes.modified),
    removed: withoutUntrackedFields(changes.removed),
  };
}

export function withoutManagedFields<T>(object: T): T {
  if (!isJsonObject(object) || !isJsonObject(object.metadata) || !('managedFields' in object.metadata)) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** Fields other managers own that `changes` modified or added, by manager identity. */
export function fieldsTakenFromOthers(managers: Managers, self: string, changes: Changes): Map<string, FieldSet> {
  const changed = changes.modified.union(changes.added);
  const taken = new Map<string, FieldSet>();
  for (const [identity, record] of managers) {
    if (identity === self) continue;
    const overlap = record.fields.intersection(changed);
    if (!overlap.isEmpty()) taken.set(identity, overlap);
  }
  return taken;
}

/** Other managers lose the fields taken from them and the fields that no longer exist. */
export function releaseFields(managers: Managers, self: string, taken: Map<string, FieldSet>, removed: FieldSet): void {
  for (const [identity, record] of managers) {
    if (identity === self) continue;
    let fields = record.fields.difference(removed);
    const lost = taken.get(identity);
    if (lost) fields = fields.difference(lost);
    record.fields = fields;
  }
}

function isReset(entries: unknown): boolean {
  return Array.isArray(entries) && (entries.length === 0 || (entries.length === 1 && jsonEqual(entries[0], {})));
}

/**
 * The managedFields after a create, update or patch by `manager`: it gains every field it added or
 * changed, other managers lose those and any removed field. As in Kubernetes, managedFields sent
 * in `after` replace the live ones when they decode (an empty list or `[{}]` clears them), and
 * objects whose fields cannot be tracked (a list item missing its key) lose their managedFields.
 */
export function recordUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  options: { manager: string; schema: Schema; now: string; operation: 'Update'; subresource?: string },
): ManagedFieldsEntry[] {
  const managers = startingManagers(before, after);
  let changes: Changes;
  try {
    changes = trackedChanges(before ?? {}, after, options.schema);
  } catch {
    return [];
  }
  const self = managerIdentity({ manager: options.manager, operation: options.operation, apiVersion: after.apiVersion, subresource: options.subresource });
  releaseFields(managers, self, fieldsTakenFromOthers(managers, self, changes), changes.removed);
  const gained = changes.modified.union(changes.added);
  const previous = managers.get(self);
  if (previous) previous.fields = previous.fields.difference(changes.removed);
  if (!gained.isEmpty()) {
    const record: ManagerRecord = {
      manager: options.manager,
      operation: options.operation,
      apiVersion: after.apiVersion,
      time: options.now,
      fields: previous ? previous.fields.union(gained) : gained,
    };
    if (options.subresource) record.subresource = options.subresource;
    managers.set(self, record);
  }
  return encodeManagedFields(managers);
}

function startingManagers(before: KubeObject | undefined, after: KubeObject): Managers {
  const sent = after.metadata?.managedFields;
  if (isReset(sent)) return new Map();
  try {
    const managers = decodeManagedFields(sent);
    if (managers.size > 0) return managers;
  } catch {
    // Like Kubernetes: undecodable managedFields in the request fall back to the live ones.
  }
  try {
    return decodeManagedFields(before?.metadata?.managedFields);
  } catch {
    return new Map();
  }
}
