// In-place propagation from a MachineSet to its existing Machines and their provider objects: labels,
// annotations, readinessGates, minReadySeconds, taints and the deletion timeouts change without a rollout;
// and each Machine's UpToDate condition (machine-up-to-date.ts).
// Labels and annotations this controller set earlier and the template no longer has are removed; which ones it
// set is read from the Machine's managedFields (the entry of this controller's field manager), so labels and
// annotations added by users or other controllers are left alone. Machines being deleted get only the fields
// that affect their teardown. Writes are merge patches conditional on the cached resourceVersion, several
// Machines at a time; Machine versions already found in sync are not compared again (inSync below).
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import { MachineConditionType } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { templateClonedFromGroupKindAnnotation, templateClonedFromNameAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { isConflict, isNotFound, type ResourceRef } from '../../client/rest-client.ts';
import { conditionsOf, findCondition, setCondition, type ConditionState } from '../provider-contract/conditions.ts';
import { machineUpToDateConditions, type UpToDateConditions } from './machine-up-to-date.ts';
import { forEachInParallel } from './in-parallel.ts';
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

function specPatch(machine: Machine, desired: ReturnType<typeof inPlaceSpecFields>): Record<string, unknown> | undefined {
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

/**
 * Versions of Machines and provider objects found in sync with a MachineSet's desired state, by a fingerprint of
 * that state. Cached objects are never modified (a change is a new object), so an unchanged object checked
 * against an unchanged state needs no second look: a MachineSet is reconciled on every change of any of its
 * Machines, and comparing a thousand unchanged Machines each time would make a rollout quadratic.
 */
const inSync = new WeakMap<KubeObject, string>();

export async function syncMachines(ctx: ManagerContext, ms: MachineSet, owner: MachineDeployment | undefined, machines: readonly Machine[], informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<void> {
  const labels = machineLabels(ms);
  const annotations = machineAnnotations(ms);
  const inPlace = inPlaceSpecFields(ms);
  const upToDate = machineUpToDateConditions(ms, owner, new Date());
  const desired = JSON.stringify([labels, annotations, inPlace, upToDate.fingerprint]);
  const providerObject = await providerObjectCache(ctx, machines);
  const providerInSync = (machine: Machine) => providerRefs(machine).every((ref) => {
    const { obj } = providerObject(ref, machine.metadata.namespace!);
    return !obj || obj.metadata.deletionTimestamp || inSync.get(obj) === desired;
  });
  const settled = (machine: Machine) => inSync.get(machine) === desired && (Boolean(machine.metadata.deletionTimestamp) || providerInSync(machine));
  await forEachInParallel(machines.filter((machine) => !settled(machine)), async (cached) => {
    let machine: Machine | undefined = cached;
    if (inSync.get(cached) !== desired) {
      machine = await syncMachine(ctx, cached, { labels, annotations, inPlace, upToDate }, informer, expectations, key);
      if (machine === cached) inSync.set(cached, desired);
    }
    if (!machine || machine.metadata.deletionTimestamp) return;
    for (const ref of providerRefs(machine)) await syncProviderObject(ctx, providerObject(ref, machine.metadata.namespace!), labels, annotations, desired);
  });
}

const providerRefs = (machine: Machine): ProviderReference[] => [machine.spec.infrastructureRef, ...(machine.spec.bootstrap.configRef ? [machine.spec.bootstrap.configRef] : [])];

interface ProviderObject {
  resource: ResourceRef;
  ref: ProviderReference;
  /** From the shared cache of the kind (none until it has synced): a GET per Machine per reconcile would not scale. */
  obj?: KubeObject;
}

/** Looks up the provider objects the Machines reference, with each kind resolved once. */
async function providerObjectCache(ctx: ManagerContext, machines: readonly Machine[]): Promise<(ref: ProviderReference, namespace: string) => ProviderObject> {
  const resources = new Map<string, ResourceRef>();
  const kindKey = (ref: ProviderReference) => `${ref.kind}.${ref.apiGroup}`;
  for (const machine of machines) {
    for (const ref of providerRefs(machine)) if (!resources.has(kindKey(ref))) resources.set(kindKey(ref), await resolveReference(ctx, ref));
  }
  return (ref, namespace) => {
    const resource = resources.get(kindKey(ref))!;
    const informer = ctx.informer(resource);
    return { resource, ref, obj: informer.hasSynced() ? informer.getByName(namespace, ref.name) : undefined };
  };
}

interface DesiredMachine {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  inPlace: ReturnType<typeof inPlaceSpecFields>;
  upToDate: UpToDateConditions;
}

/**
 * Brings one Machine in line; returns it as it now is: the same object when it needed nothing, another after a
 * write, undefined when it is gone or a write lost a race (its newer version comes back through the cache).
 */
async function syncMachine(ctx: ManagerContext, cached: Machine, desired: DesiredMachine, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<Machine | undefined> {
  let machine = cached;
  const spec = specPatch(machine, desired.inPlace);
  const metadata = machine.metadata.deletionTimestamp ? {} : {
    labels: mapPatch(machine.metadata.labels, desired.labels, ownedMetadataKeys(machine, MACHINE_SET_MANAGER, 'labels')),
    annotations: mapPatch(machine.metadata.annotations, desired.annotations, ownedMetadataKeys(machine, MACHINE_SET_MANAGER, 'annotations')),
  };
  if (spec || metadata.labels || metadata.annotations) {
    try {
      machine = await ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
        metadata: { resourceVersion: machine.metadata.resourceVersion, ...(metadata.labels ? { labels: metadata.labels } : {}), ...(metadata.annotations ? { annotations: metadata.annotations } : {}) },
        ...(spec ? { spec } : {}),
      }, { type: 'merge', namespace: machine.metadata.namespace, fieldManager: MACHINE_SET_MANAGER });
      expectations.expectObserved(key, informer, machine);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
  if (machine.metadata.deletionTimestamp) return machine;
  const upToDate = desired.upToDate.of(machine);
  return upToDate ? writeUpToDate(ctx, machine, upToDate, informer, expectations, key) : machine;
}

/** The Machine's UpToDate condition, when it changed; conditional on the version read (the Machine controller writes status too). */
async function writeUpToDate(ctx: ManagerContext, machine: Machine, state: ConditionState, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<Machine | undefined> {
  const current = findCondition(machine, MachineConditionType.UpToDate);
  if (current && current.status === state.status && current.reason === state.reason && (current.message ?? '') === (state.message ?? '')) return machine;
  try {
    const updated = await ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
      metadata: { resourceVersion: machine.metadata.resourceVersion },
      status: { conditions: setCondition(conditionsOf(machine), state, machine.metadata.generation) },
    }, { type: 'merge', namespace: machine.metadata.namespace, subresource: 'status', fieldManager: MACHINE_SET_MANAGER });
    expectations.expectObserved(key, informer, updated);
    return updated;
  } catch (error) {
    // Conflict: the Machine changed since it was cached; its update event brings the MachineSet back here.
    if (!isNotFound(error) && !isConflict(error)) throw error;
    return undefined;
  }
}

/** Labels and annotations of the MachineSet's template onto an infrastructure machine or bootstrap config. */
async function syncProviderObject(ctx: ManagerContext, { resource, ref, obj }: ProviderObject, labels: Record<string, string>, annotations: Record<string, string>, desired: string): Promise<void> {
  if (!obj || obj.metadata.deletionTimestamp || inSync.get(obj) === desired) return;
  const keep = new Set([templateClonedFromNameAnnotation, templateClonedFromGroupKindAnnotation]);
  const patch = {
    labels: mapPatch(obj.metadata.labels, labels, ownedMetadataKeys(obj, MACHINE_SET_MANAGER, 'labels')),
    annotations: mapPatch(obj.metadata.annotations, annotations, ownedMetadataKeys(obj, MACHINE_SET_MANAGER, 'annotations').filter((k) => !keep.has(k))),
  };
  if (!patch.labels && !patch.annotations) {
    inSync.set(obj, desired);
    return;
  }
  try {
    await ctx.client.patch(resource, ref.name, {
      metadata: { resourceVersion: obj.metadata.resourceVersion, ...(patch.labels ? { labels: patch.labels } : {}), ...(patch.annotations ? { annotations: patch.annotations } : {}) },
    }, { type: 'merge', namespace: obj.metadata.namespace, fieldManager: MACHINE_SET_MANAGER });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
