// MachineDeployment status arithmetic (Cluster API v1beta2): replica counters summed over the MachineSets,
// phase, and the Available / RollingOut / ScalingUp / ScalingDown conditions with Cluster API's reasons and
// messages. Conditions come back without lastTransitionTime (the caller keeps it when the status is unchanged).

import type { MachineView } from '../machine-set/machine-view.ts';
import { missingTemplatesMessage, staleDeletionMessage } from '../machine-set/status.ts';
import type { ConditionState } from '../machine-set/status.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { DEFAULT_MAX_UNAVAILABLE, maxUnavailableOf, statusSum } from './replica-arithmetic.ts';

export interface MachineDeploymentReplicaCounts {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  upToDateReplicas?: number;
}

/** Sums of the MachineSets' status counters; a counter stays undefined until some MachineSet reports it. */
export function machineDeploymentReplicaCounts(machineSets: readonly MachineSetView[]): MachineDeploymentReplicaCounts {
  return {
    replicas: statusSum(machineSets, 'replicas'),
    readyReplicas: statusSum(machineSets, 'readyReplicas'),
    availableReplicas: statusSum(machineSets, 'availableReplicas'),
    upToDateReplicas: statusSum(machineSets, 'upToDateReplicas'),
  };
}

export type MachineDeploymentPhase = 'ScalingUp' | 'ScalingDown' | 'Running';

export function machineDeploymentPhase(md: MachineDeploymentView, counts: MachineDeploymentReplicaCounts): MachineDeploymentPhase {
  if (md.deletionTimestamp) return 'ScalingDown';
  const current = counts.replicas ?? 0;
  if (md.replicas === current) return 'Running';
  return md.replicas < current ? 'ScalingDown' : 'ScalingUp';
}

/** Available when availableReplicas ≥ spec.replicas − maxUnavailable (maxUnavailable is 0 unless RollingUpdate). */
export function availableCondition(md: MachineDeploymentView, counts: MachineDeploymentReplicaCounts): ConditionState {
  if (counts.availableReplicas === undefined) {
    return { type: 'Available', status: 'Unknown', reason: 'WaitingForAvailableReplicasSet', message: 'Waiting for status.availableReplicas set' };
  }
  const minAvailable = md.replicas - maxUnavailableOf(md);
  if (counts.availableReplicas >= minAvailable) return { type: 'Available', status: 'True', reason: 'Available' };
  let message = `${counts.availableReplicas} available replicas, at least ${minAvailable} required`;
  if (md.strategy.type === 'RollingUpdate') {
    const maxUnavailable = md.strategy.rollingUpdate?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE;
    message += ` (spec.rollout.strategy.rollingUpdate.maxUnavailable is ${maxUnavailable}, spec.replicas is ${md.replicas})`;
  }
  if (md.deletionTimestamp) message = 'Deletion in progress';
  return { type: 'Available', status: 'False', reason: 'NotAvailable', message };
}

/** RollingOut while any Machine is not up to date; the message lists why, version changes first. */
export function rollingOutCondition(machines: readonly MachineView[]): ConditionState {
  const rollingOut = machines.filter((machine) => !machine.upToDate);
  if (rollingOut.length === 0) return { type: 'RollingOut', status: 'False', reason: 'NotRollingOut' };
  const reasons = [...new Set(rollingOut.flatMap((machine) => machine.notUpToDateReasons ?? []))];
  const isVersion = (line: string): boolean => line.startsWith('* Version');
  reasons.sort((a, b) => Number(isVersion(b)) - Number(isVersion(a)) || (a < b ? -1 : a > b ? 1 : 0));
  let message = `Rolling out ${rollingOut.length} not up-to-date replicas`;
  if (reasons.length > 0) message += `\n${reasons.join('\n')}`;
  return { type: 'RollingOut', status: 'True', reason: 'RollingOut', message };
}

export function scalingUpCondition(md: MachineDeploymentView, counts: MachineDeploymentReplicaCounts, missingTemplateKinds?: readonly string[]): ConditionState {
  const desired = md.deletionTimestamp ? 0 : md.replicas;
  const current = counts.replicas ?? 0;
  const missing = missingTemplatesMessage(missingTemplateKinds);
  if (current >= desired) {
    const condition: ConditionState = { type: 'ScalingUp', status: 'False', reason: 'NotScalingUp' };
    if (!md.deletionTimestamp && missing) condition.message = `Scaling up would be blocked because ${missing}`;
    return condition;
  }
  let message = `Scaling up from ${current} to ${desired} replicas`;
  if (missing) message += ` is blocked because ${missing}`;
  return { type: 'ScalingUp', status: 'True', reason: 'ScalingUp', message };
}

export function scalingDownCondition(md: MachineDeploymentView, counts: MachineDeploymentReplicaCounts, machines: readonly MachineView[], now: Date): ConditionState {
  const desired = md.deletionTimestamp ? 0 : md.replicas;
  const current = counts.replicas ?? 0;
  if (current <= desired) return { type: 'ScalingDown', status: 'False', reason: 'NotScalingDown' };
  let message = `Scaling down from ${current} to ${desired} replicas`;
  const stale = staleDeletionMessage(machines, now);
  if (stale) message += `\n* ${stale}`;
  return { type: 'ScalingDown', status: 'True', reason: 'ScalingDown', message };
}

/** All desired replicas exist, are up to date and available, and the status describes the latest generation. */
export function isDeploymentComplete(md: MachineDeploymentView, counts: MachineDeploymentReplicaCounts, observedGeneration: number): boolean {
  return counts.upToDateReplicas === md.replicas
    && counts.replicas === md.replicas
    && counts.availableReplicas === md.replicas
    && observedGeneration >= (md.generation ?? 0);
}

export interface MachineDeploymentStatusInput {
  md: MachineDeploymentView;
  machineSets: readonly MachineSetView[];
  /** All Machines of the MachineDeployment. */
  machines: readonly MachineView[];
  missingTemplateKinds?: readonly string[];
  now: Date;
}

export interface MachineDeploymentStatus extends MachineDeploymentReplicaCounts {
  phase: MachineDeploymentPhase;
  conditions: ConditionState[];
}

export function machineDeploymentStatus(input: MachineDeploymentStatusInput): MachineDeploymentStatus {
  const counts = machineDeploymentReplicaCounts(input.machineSets);
  return {
    ...counts,
    phase: machineDeploymentPhase(input.md, counts),
    conditions: [
      availableCondition(input.md, counts),
      rollingOutCondition(input.machines),
      scalingUpCondition(input.md, counts, input.missingTemplateKinds),
      scalingDownCondition(input.md, counts, input.machines, input.now),
    ],
  };
}
