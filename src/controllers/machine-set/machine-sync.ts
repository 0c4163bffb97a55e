// In-place propagation from a MachineSet to its existing Machines and their provider objects: labels,
// annotations, readinessGates, minReadySeconds, taints and the deletion timeouts change without a rollout;
// and each Machine's UpToDate condition (machine-up-to-date.ts).
// Labels and annotations this controller set earlier and the template no longer has are removed; which ones it
// set is read from the Machine's managedFields (the entry of this controller's field manager), so labels and
// annotations added by users or other controllers are left alone. Machines being deleted get only the fields
// that affect their teardown. Writes are merge patches conditional on the cached resourceVersion.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import { MachineConditionType } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { templateClonedFromGroupKindAnnotation, templateClonedFromNameAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { isConflict, isNotFound } from '../../client/rest-client.ts';
import { conditionsOf, findCondition, setCondition, type ConditionState } from '../provider-contract/conditions.ts';
import { machineUpToDateCondition } from './machine-up-to-date.ts';
import { resolveReference, type ProviderReference } from '../provider-contract/external.ts';
import type { CacheExpectations } from './cache-expectations.ts';
import { machinesResource } from '../cluster/resources.ts';
import { MACHINE_SET_MANAGER, inPlaceSpecFields, machineAnnotations, machineLabels } from './desired-machine.ts';

/** Keys of metadata.labels or metadata.annotations that `manager` owns according to managedFields. */
export function ownedMetadataKeys(obj: KubeObject, manager: string, field: 'labels' | 'annotations'): string[] {
  const keys = new Set<string>();
  for (const entry of obj.metadata.managedFields ?? []) {
    if (entry.manager !== manager || entry.subresource) continue;
    const fields = ((entry.fieldsV1['f:metadata'] as Record<string, unknown> | undefined)?.[`f:${field}`] ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(fields)) if (name.startsWith('f:')) keys.add(name.slice(2));
  }
  return [...keys];
}

/** A merge patch turning `current` into `desired` for the keys `desired` has, removing `removable` keys it lacks. */
export function mapPatch(current: Record<string, string> | undefined, desired: Record<string, string>, removable: readonly string[]): Record<string, string | null> | undefined {
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(desired)) if (current?.[key] !== value) patch[key] = value;
  for (const key of removable) if (!(key in desired) && current && key in current) patch[key] = null;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function specPatch(machine: Machine, ms: MachineSet): Record<string, unknown> | undefined {
  const desired = inPlaceSpecFields(ms);
  const patch: Record<string, unknown> = {};
  if (!sameJson(machine.spec.readinessGates, desired.readinessGates)) patch.readinessGates = desired.readinessGates ?? null;
  if (!sameJson(machine.spec.minReadySeconds, desired.minReadySeconds)) patch.minReadySeconds = desired.minReadySeconds ?? null;
  if (!sameJson(machine.spec.taints, desired.taints)) patch.taints = desired.taints ?? null;
  const deletion: Record<string, number | null> = {};
  for (const [field, value] of Object.entries(desired.deletion) as [keyof typeof desired.deletion, number | undefined][]) {
    if (machine.spec.deletion?.[field] !== value) deletion[field] = value ?? null;
  }
  // An empty deletion object is invalid: with no timeout left, the whole object goes.
  if (Object.keys(deletion).length > 0) patch.deletion = Object.values(desired.deletion).every((value) => value === undefined) ? null : deletion;
  return Object.keys(patch).length > 0 ? patch : undefined;
}

export async function syncMachines(ctx: ManagerContext, ms: MachineSet, owner: MachineDeployment | undefined, machines: readonly Machine[], informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<void> {
  const labels = machineLabels(ms);
  const annotations = machineAnnotations(ms);
  const now = new Date();
  for (let machine of machines) {
    const spec = specPatch(machine, ms);
    const metadata = machine.metadata.deletionTimestamp ? {} : {
      labels: mapPatch(machine.metadata.labels, labels, ownedMetadataKeys(machine, MACHINE_SET_MANAGER, 'labels')),
      annotations: mapPatch(machine.metadata.annotations, annotations, ownedMetadataKeys(machine, MACHINE_SET_MANAGER, 'annotations')),
    };
    if (spec || metadata.labels || metadata.annotations) {
      try {
        const updated = await ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
          metadata: { resourceVersion: machine.metadata.resourceVersion, ...(metadata.labels ? { labels: metadata.labels } : {}), ...(metadata.annotations ? { annotations: metadata.annotations } : {}) },
          ...(spec ? { spec } : {}),
        }, { type: 'merge', namespace: machine.metadata.namespace, fieldManager: MACHINE_SET_MANAGER });
        expectations.expectObserved(key, informer, updated);
        machine = updated;
      } catch (error) {
        if (isNotFound(error)) continue;
        throw error;
      }
    }
    if (machine.metadata.deletionTimestamp) continue;
    const upToDate = machineUpToDateCondition(ms, owner, machine, now);
    if (upToDate) await writeUpToDate(ctx, machine, upToDate, informer, expectations, key);
    await syncProviderObject(ctx, machine.spec.infrastructureRef, machine.metadata.namespace!, labels, annotations);
    if (machine.spec.bootstrap.configRef) await syncProviderObject(ctx, machine.spec.bootstrap.configRef, machine.metadata.namespace!, labels, annotations);
  }
}

/** The Machine's UpToDate condition, when it changed; conditional on the version read (the Machine controller writes status too). */
async function writeUpToDate(ctx: ManagerContext, machine: Machine, state: ConditionState, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<void> {
  const current = findCondition(machine, MachineConditionType.UpToDate);
  if (current && current.status === state.status && current.reason === state.reason && (current.message ?? '') === (state.message ?? '')) return;
  try {
    const updated = await ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
      metadata: { resourceVersion: machine.metadata.resourceVersion },
      status: { conditions: setCondition(conditionsOf(machine), state, machine.metadata.generation) },
    }, { type: 'merge', namespace: machine.metadata.namespace, subresource: 'status', fieldManager: MACHINE_SET_MANAGER });
    expectations.expectObserved(key, informer, updated);
  } catch (error) {
    // Conflict: the Machine changed since it was cached; its update event brings the MachineSet back here.
    if (!isNotFound(error) && !isConflict(error)) throw error;
  }
}

/** Labels and annotations of the MachineSet's template onto an infrastructure machine or bootstrap config. */
async function syncProviderObject(ctx: ManagerContext, ref: ProviderReference, namespace: string, labels: Record<string, string>, annotations: Record<string, string>): Promise<void> {
  const resource = await resolveReference(ctx, ref);
  // Read from the shared cache of the provider kind only: a GET per Machine per reconcile would not scale.
  const informer = ctx.informer(resource);
  if (!informer.hasSynced()) return;
  const obj = informer.getByName(namespace, ref.name);
  if (!obj || obj.metadata.deletionTimestamp) return;
  const keep = new Set([templateClonedFromNameAnnotation, templateClonedFromGroupKindAnnotation]);
  const patch = {
    labels: mapPatch(obj.metadata.labels, labels, ownedMetadataKeys(obj, MACHINE_SET_MANAGER, 'labels')),
    annotations: mapPatch(obj.metadata.annotations, annotations, ownedMetadataKeys(obj, MACHINE_SET_MANAGER, 'annotations').filter((k) => !keep.has(k))),
  };
  if (!patch.labels && !patch.annotations) return;
  try {
    await ctx.client.patch(resource, ref.name, {
      metadata: { resourceVersion: obj.metadata.resourceVersion, ...(patch.labels ? { labels: patch.labels } : {}), ...(patch.annotations ? { annotations: patch.annotations } : {}) },
    }, { type: 'merge', namespace, fieldManager: MACHINE_SET_MANAGER });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
