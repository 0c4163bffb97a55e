// Writing a MachineSet's status: the selector string for the scale subresource, the replica counters, and the
// v1beta2 conditions (MachinesReady, MachinesUpToDate, ScalingUp, ScalingDown, Remediating, Deleting, Paused).
// Only this controller writes a MachineSet's status, so the patch carries no resourceVersion; nothing is
// written when nothing changed.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet, MachineSetStatus } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { Condition } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { isNotFound } from '../../client/rest-client.ts';
import { machineSetsResource } from '../cluster/resources.ts';
import { sameConditions } from './same-conditions.ts';
import { setConditions, type ConditionState } from '../provider-contract/conditions.ts';
import { MACHINE_SET_MANAGER } from './desired-machine.ts';
import { selectorString } from './label-selector.ts';
import { machineView } from './machine-facts.ts';
import { machinesReadyCondition, machinesUpToDateCondition, remediatingCondition } from './machines-summary.ts';
import { machineSetStatus } from './status.ts';

export interface MachineSetObservation {
  machines: readonly Machine[];
  missingTemplateKinds: readonly string[];
  paused: ConditionState;
  /** The reconcile completed without error: the status describes this generation. */
  complete: boolean;
  now: Date;
}

export function desiredMachineSetStatus(ms: MachineSet, observed: MachineSetObservation): MachineSetStatus {
  const arithmetic = machineSetStatus({
    replicas: ms.spec.replicas ?? 1,
    deleting: Boolean(ms.metadata.deletionTimestamp),
    machines: observed.machines.map(machineView),
    missingTemplateKinds: observed.missingTemplateKinds,
    now: observed.now,
  });
  const conditions = setConditions((ms.status?.conditions ?? []) as Condition[], [
    ...arithmetic.conditions,
    machinesReadyCondition(observed.machines),
    machinesUpToDateCondition(observed.machines, observed.now),
    remediatingCondition(observed.machines),
    observed.paused,
  ], ms.metadata.generation, observed.now);
  const observedGeneration = observed.complete ? ms.metadata.generation : ms.status?.observedGeneration;
  return {
    ...ms.status,
    selector: selectorString(ms.spec.selector) || undefined,
    replicas: arithmetic.replicas,
    readyReplicas: arithmetic.readyReplicas,
    availableReplicas: arithmetic.availableReplicas,
    upToDateReplicas: arithmetic.upToDateReplicas,
    conditions,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
}

/** Writes `status` unless the MachineSet already has it. */
export async function writeStatus<T extends MachineSet>(ctx: ManagerContext, ms: T, status: MachineSetStatus): Promise<void> {
  const { conditions, ...counters } = status;
  const { conditions: currentConditions, ...currentCounters } = ms.status ?? {};
  if (sameConditions(currentConditions as Condition[] | undefined, conditions as Condition[] | undefined) && JSON.stringify(sortKeys(counters)) === JSON.stringify(sortKeys(currentCounters))) return;
  try {
    await ctx.client.patch(machineSetsResource, ms.metadata.name!, { status }, { type: 'merge', namespace: ms.metadata.namespace, subresource: 'status', fieldManager: MACHINE_SET_MANAGER });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
}
