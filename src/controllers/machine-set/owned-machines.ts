// The Machines a MachineSet owns: those in its namespace matching its selector that it controls, plus orphans
// (no controlling owner) it adopts. Machines controlled by something else are left alone; Machines being
// deleted still count (Cluster API keeps them, so a scale-down waits for them instead of deleting more).
// Candidates come from two cache indexes (owner uid, orphans by namespace), not from a scan of the namespace: a
// MachineSet is reconciled on every change of one of its Machines, and a rollout puts two MachineSets' Machines
// in one namespace.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { NAMESPACE_INDEX, OWNER_UID_INDEX } from '../../client/informer.ts';
import { isNotFound } from '../../client/rest-client.ts';
import type { CacheExpectations } from './cache-expectations.ts';
import { machinesResource } from '../cluster/resources.ts';
import { MACHINE_SET_MANAGER, machineSetOwnerReference } from './desired-machine.ts';
import { selectorMatcher } from './label-selector.ts';
import { ensureIndexer } from '../provider-contract/reference-index.ts';

export function controllerOf(obj: { metadata: { ownerReferences?: { controller?: boolean; uid: string; kind: string; name: string }[] } }) {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** Machines of the namespace that match the selector, from the cache. */
export function machinesMatching(informer: Informer<Machine>, namespace: string, selector: MachineSet['spec']['selector']): Machine[] {
  const matches = selectorMatcher(selector);
  return informer.byIndex(NAMESPACE_INDEX, namespace).filter((machine) => matches(machine.metadata.labels));
}

const ORPHAN_MACHINES_INDEX = 'cluster.x-k8s.io/orphan-machines';

/** The Machines of the MachineSet's namespace that it owns in any way, or that no one controls, from the cache. */
function candidateMachines(informer: Informer<Machine>, ms: MachineSet): Set<Machine> {
  ensureIndexer(informer, ORPHAN_MACHINES_INDEX, (machine) => (controllerOf(machine) ? [] : [machine.metadata.namespace ?? '']));
  const namespace = ms.metadata.namespace!;
  const owned = informer.byIndex(OWNER_UID_INDEX, ms.metadata.uid!).filter((machine) => machine.metadata.namespace === namespace);
  return new Set([...owned, ...informer.byIndex(ORPHAN_MACHINES_INDEX, namespace)]);
}

export async function getAndAdoptMachines(ctx: ManagerContext, ms: MachineSet, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<Machine[]> {
  const owned: Machine[] = [];
  const matches = selectorMatcher(ms.spec.selector);
  for (const machine of candidateMachines(informer, ms)) {
    if (!matches(machine.metadata.labels)) continue;
    const controller = controllerOf(machine);
    if (controller) {
      if (controller.uid === ms.metadata.uid) owned.push(machine);
      continue;
    }
    // Adopting while being deleted would only hand the Machine over to deletion.
    if (ms.metadata.deletionTimestamp || machine.metadata.deletionTimestamp) continue;
    try {
      const adopted = await ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
        metadata: { resourceVersion: machine.metadata.resourceVersion, ownerReferences: [...(machine.metadata.ownerReferences ?? []), machineSetOwnerReference(ms, true)] },
      }, { type: 'merge', namespace: machine.metadata.namespace, fieldManager: MACHINE_SET_MANAGER });
      expectations.expectObserved(key, informer, adopted);
      ctx.recorder.event(ms, 'Normal', 'SuccessfulAdopt', `Adopted Machine "${machine.metadata.name}"`);
      owned.push(adopted);
    } catch (error) {
      if (isNotFound(error)) continue;
      ctx.recorder.event(ms, 'Warning', 'FailedAdopt', `Failed to adopt Machine "${machine.metadata.name}": ${(error as Error).message}`);
      ctx.logger.warn({ err: error, machine: machine.metadata.name }, 'failed to adopt Machine');
    }
  }
  return owned;
}
