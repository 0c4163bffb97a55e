// Remediation of Machines a MachineHealthCheck marked (HealthCheckSucceeded=False and OwnerRemediated=False):
// the MachineSet deletes them (and scale-up replaces them), newest first and those with the remediate-machine
// annotation before all, at most the owning MachineDeployment's spec.remediation.maxInFlight at a time (counting
// Machines whose remediation is still in deletion). A MachineSet that is not its MachineDeployment's current
// revision does not remediate: the rollout replaces those Machines anyway. Machines found healthy again lose
// their OwnerRemediated condition. OwnerRemediated is written before the delete so a crash in between is retried
// on the next reconcile rather than forgotten.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { MachineConditionType, MachineSetReason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { machineDeploymentNameLabel, remediateMachineAnnotation, revisionAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { Condition } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { isNotFound } from '../../client/rest-client.ts';
import { scaledValue } from '../machine-deployment/replica-arithmetic.ts';
import type { CacheExpectations } from './cache-expectations.ts';
import { machinesResource } from '../cluster/resources.ts';
import { setConditions, type ConditionState } from '../provider-contract/conditions.ts';
import { MACHINE_SET_MANAGER } from './desired-machine.ts';
import { isUnhealthyAndOwnerRemediated, machineCondition } from './machine-facts.ts';
import { deleteMachine } from './machine-deletion.ts';

/** Sets (or, with `undefined`, removes) a Machine's OwnerRemediated condition through its status subresource. */
async function writeOwnerRemediated(ctx: ManagerContext, machine: Machine, state: ConditionState | undefined): Promise<Machine> {
  const current = (machine.status?.conditions ?? []) as Condition[];
  const conditions = state
    ? setConditions(current, [state])
    : current.filter((c) => c.type !== MachineConditionType.OwnerRemediated);
  return ctx.client.patch<Machine>(machinesResource, machine.metadata.name!, {
    metadata: { resourceVersion: machine.metadata.resourceVersion },
    status: { conditions },
  }, { type: 'merge', namespace: machine.metadata.namespace, subresource: 'status', fieldManager: MACHINE_SET_MANAGER });
}

const sameState = (machine: Machine, state: ConditionState) => {
  const c = machineCondition(machine, MachineConditionType.OwnerRemediated);
  return c?.status === state.status && c.reason === state.reason && (c.message ?? '') === (state.message ?? '');
};

async function markAll(ctx: ManagerContext, machines: readonly Machine[], state: ConditionState): Promise<void> {
  for (const machine of machines) if (!sameState(machine, state)) await writeOwnerRemediated(ctx, machine, state);
}

/** Remediation-first order: remediate-machine annotation, then newest, then name. */
function remediationOrder(a: Machine, b: Machine): number {
  const annotated = (m: Machine) => (m.metadata.annotations && remediateMachineAnnotation in m.metadata.annotations ? 0 : 1);
  return annotated(a) - annotated(b)
    || Date.parse(b.metadata.creationTimestamp ?? '') - Date.parse(a.metadata.creationTimestamp ?? '')
    || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

export async function remediateUnhealthyMachines(
  ctx: ManagerContext, ms: MachineSet, owner: MachineDeployment | undefined, machines: readonly Machine[],
  informer: Informer<Machine>, expectations: CacheExpectations, key: string,
): Promise<void> {
  for (const machine of machines) {
    if (machine.metadata.deletionTimestamp) continue;
    const healthy = machineCondition(machine, MachineConditionType.HealthCheckSucceeded)?.status === 'True';
    if (healthy && machineCondition(machine, MachineConditionType.OwnerRemediated)?.status === 'False') {
      expectations.expectObserved(key, informer, await writeOwnerRemediated(ctx, machine, undefined));
    }
  }

  let toRemediate = machines.filter((m) => isUnhealthyAndOwnerRemediated(m) && !m.metadata.deletionTimestamp);
  if (toRemediate.length === 0) return;

  let maxInFlight = Number.MAX_SAFE_INTEGER;
  const maxInFlightSpec = owner?.spec.remediation?.maxInFlight;
  if (ms.metadata.labels?.[machineDeploymentNameLabel] !== undefined) {
    if (!owner || owner.metadata.annotations?.[revisionAnnotation] !== ms.metadata.annotations?.[revisionAnnotation]) {
      await markAll(ctx, toRemediate, {
        type: MachineConditionType.OwnerRemediated, status: 'False', reason: MachineSetReason.MachineCannotBeRemediated,
        message: 'Machine won\'t be remediated because it is pending removal due to rollout',
      });
      return;
    }
    if (maxInFlightSpec !== undefined) maxInFlight = scaledValue(maxInFlightSpec, owner.spec.replicas ?? 1, true, 'spec.remediation.maxInFlight');
  }
  for (const machine of machines) {
    const c = machineCondition(machine, MachineConditionType.OwnerRemediated);
    if (machine.metadata.deletionTimestamp && c?.status === 'False' && c.reason === MachineSetReason.MachineRemediationMachineDeleting) maxInFlight--;
  }

  const deferred: ConditionState = {
    type: MachineConditionType.OwnerRemediated, status: 'False', reason: MachineSetReason.MachineRemediationDeferred,
    message: `Waiting because there are already too many remediations in progress (spec.strategy.remediation.maxInFlight is ${maxInFlightSpec})`,
  };
  if (maxInFlight <= 0) {
    await markAll(ctx, toRemediate, deferred);
    return;
  }
  toRemediate = [...toRemediate].sort(remediationOrder);
  if (toRemediate.length > maxInFlight) {
    await markAll(ctx, toRemediate.slice(maxInFlight), deferred);
    toRemediate = toRemediate.slice(0, maxInFlight);
  }

  const deleting: ConditionState = { type: MachineConditionType.OwnerRemediated, status: 'False', reason: MachineSetReason.MachineRemediationMachineDeleting, message: 'Machine is deleting' };
  for (const machine of toRemediate) {
    let marked: Machine;
    try {
      marked = sameState(machine, deleting) ? machine : await writeOwnerRemediated(ctx, machine, deleting);
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    await deleteMachine(ctx, marked, informer, expectations, key);
    ctx.logger.info({ machine: machine.metadata.name }, `Deleting Machine ${machine.metadata.name} (remediating unhealthy Machine)`);
    ctx.recorder.event(ms, 'Normal', 'SuccessfulDelete', `Deleted Machine "${machine.metadata.name}" (remediation of an unhealthy Machine)`);
  }
}
