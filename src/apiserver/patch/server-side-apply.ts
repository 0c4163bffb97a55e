// Server-side apply (application/apply-patch+yaml): merges an applier's configuration into the
// live object, removes what the applier stopped applying, and records ownership, as
// kube-apiserver's field manager (sigs.k8s.io/structured-merge-diff) does.

import type { Schema } from '../../api/resource.ts';
import type { KubeObject } from '../../api/meta.ts';
import { PatchError } from './errors.ts';
import { describePath, type FieldSet } from './field-set.ts';
import { jsonEqual } from './json-values.ts';
import {
  decodeManagedFields, encodeManagedFields, fieldsTakenFromOthers, managerIdentity, releaseFields, trackedChanges,
  withoutManagedFields, withoutUntrackedFields, type ManagerRecord, type Managers,
} from './managed-fields.ts';
import { withObjectMeta } from './schema-lookup.ts';
import { fieldSetOf, mergeValues, removeFields } from './structured-merge.ts';

/** A field the applier would change that another manager owns. */
export interface ApplyConflict {
  manager: string;
  /** The field as kube-apiserver prints it, e.g. `.spec.replicas`. */
  field: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
}

export interface ApplyOptions {
  manager: string;
  force: boolean;
  schema: Schema;
  now: string;
  subresource?: string;
}

/**
 * Applies `applied` for `options.manager`. With conflicts (and no force) the object is returned
 * unchanged together with the conflicts; turn them into the 409 with applyConflictError.
 * Throws PatchError 400 when the configuration carries managedFields, 422 when a list item lacks
 * its keys or is duplicated.
 */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, options: ApplyOptions): { object: KubeObject; conflicts: ApplyConflict[] } {
  if (applied.metadata?.managedFields != null) throw new PatchError(400, 'metadata.managedFields must be nil');
  const schema = withObjectMeta(options.schema);
  const liveObject = live === undefined ? undefined : withoutManagedFields(live);
  const managers = liveManagers(live);
  const self = managerIdentity({ manager: options.manager, operation: 'Apply', apiVersion: applied.apiVersion, subresource: options.subresource });
  const previous = managers.get(self);

  const appliedFields = withoutUntrackedFields(fieldSetOf(applied, schema));
  let merged = mergeValues(liveObject, applied, schema) as KubeObject;
  const record: ManagerRecord = { manager: options.manager, operation: 'Apply', apiVersion: applied.apiVersion, fields: appliedFields };
  if (options.subresource) record.subresource = options.subresource;
  managers.set(self, record);

  if (previous) {
    const ownedByAnyone = allFields(managers);
    const dropped = previous.fields.difference(ownedByAnyone);
    if (!dropped.isEmpty()) merged = removeFields(merged, dropped, ownedByAnyone, schema) as KubeObject;
  }

  const changes = trackedChanges(liveObject ?? {}, merged, options.schema);
  const taken = fieldsTakenFromOthers(managers, self, changes);
  if (taken.size > 0 && !options.force) {
    return { object: live ?? merged, conflicts: describeConflicts(managers, taken) };
  }
  releaseFields(managers, self, taken, changes.removed);

  const changed = !jsonEqual(liveObject, merged);
  record.time = changed || previous?.time === undefined ? options.now : previous.time;
  merged.metadata = { ...merged.metadata, managedFields: encodeManagedFields(managers) };
  return { object: merged, conflicts: [] };
}

function liveManagers(live: KubeObject | undefined): Managers {
  try {
    return decodeManagedFields(live?.metadata?.managedFields);
  } catch {
    // Unreadable ownership records cannot protect anything; start over rather than refuse every apply.
    return new Map();
  }
}

function allFields(managers: Managers): FieldSet {
  let all: FieldSet | undefined;
  for (const record of managers.values()) all = all ? all.union(record.fields) : record.fields;
  return all!;
}

function describeConflicts(managers: Managers, taken: Map<string, FieldSet>): ApplyConflict[] {
  const conflicts: ApplyConflict[] = [];
  for (const identity of [...taken.keys()].sort()) {
    const { manager, operation, apiVersion, time, subresource } = managers.get(identity)!;
    for (const path of taken.get(identity)!.paths()) {
      conflicts.push({
        manager, field: describePath(path), operation, apiVersion,
        ...(time !== undefined ? { time } : {}),
        ...(subresource !== undefined ? { subresource } : {}),
      });
    }
  }
  return conflicts;
}

/** How kube-apiserver names a manager in conflict messages. */
function describeManager(conflict: ApplyConflict): string {
  let text = JSON.stringify(conflict.manager);
  if (conflict.subresource) text += ` with subresource ${JSON.stringify(conflict.subresource)}`;
  if (conflict.operation === 'Update') {
    text += ` using ${conflict.apiVersion}`;
    if (conflict.time !== undefined && !Number.isNaN(Date.parse(conflict.time))) {
      text += ` at ${new Date(conflict.time).toISOString().replace(/\.\d+Z$/, 'Z')}`;
    }
  }
  return text;
}

/** The 409 kube-apiserver answers for apply conflicts, with one FieldManagerConflict cause per field. */
export function applyConflictError(conflicts: ApplyConflict[]): PatchError {
  const causes = conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with ${describeManager(conflict)}`, field: conflict.field }));
  if (conflicts.length === 1) {
    return new PatchError(409, `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0])}: ${conflicts[0].field}`, causes);
  }
  const byManager = new Map<string, string[]>();
  for (const conflict of conflicts) {
    const name = describeManager(conflict);
    byManager.set(name, [...(byManager.get(name) ?? []), conflict.field]);
  }
  const lines: string[] = [];
  for (const [name, fields] of byManager) lines.push(`conflicts with ${name}:`, ...fields.map((field) => `- ${field}`));
  return new PatchError(409, `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`, causes);
}
