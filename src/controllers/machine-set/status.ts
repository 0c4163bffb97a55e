// MachineSet status arithmetic (Cluster API v1beta2): replica counters from the Machines, and the ScalingUp /
// ScalingDown / Deleting conditions with Cluster API's reasons and messages. Conditions come back without
// lastTransitionTime: the caller keeps the previous time when the status did not change.

import type { Condition } from '../../api/meta.ts';
import type { MachineView } from './machine-view.ts';

export type ConditionState = Pick<Condition, 'type' | 'status' | 'reason'> & { message?: string };

export interface ReplicaCounts {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
  upToDateReplicas: number;
}

/** A Machine in deletion longer than this is called out in ScalingDown/Deleting messages. */
const STALE_DELETION_MILLIS = 15 * 60 * 1000;

export function machineSetReplicaCounts(machines: readonly MachineView[]): ReplicaCounts {
  return {
    replicas: machines.length,
    readyReplicas: machines.filter((machine) => machine.ready).length,
    availableReplicas: machines.filter((machine) => machine.available).length,
    upToDateReplicas: machines.filter((machine) => machine.upToDate).length,
  };
}

/** "a, b, c, ... (2 more)" as Cluster API lists object names in messages. */
export function listNames(names: readonly string[], max = 3): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, max);
  if (sorted.length > max) shown.push(`... (${sorted.length - max} more)`);
  return shown.join(', ');
}

/** "Machine m1 is in deletion since more than 15m" for Machines stuck in deletion, or undefined. */
export function staleDeletionMessage(machines: readonly MachineView[], now: Date): string | undefined {
  const stale = machines
    .filter((machine) => machine.deletionTimestamp && now.getTime() - Date.parse(machine.deletionTimestamp) > STALE_DELETION_MILLIS)
    .map((machine) => machine.name);
  if (stale.length === 0) return undefined;
  const subject = stale.length === 1 ? 'Machine' : 'Machines';
  const verb = stale.length === 1 ? 'is' : 'are';
  return `${subject} ${listNames(stale)} ${verb} in deletion since more than 15m`;
}

export interface MachineSetStatusInput {
  /** spec.replicas. */
  replicas: number;
  /** The MachineSet itself is being deleted: its desired replicas are 0. */
  deleting?: boolean;
  machines: readonly MachineView[];
  /** Kinds of referenced templates that do not exist (e.g. ['ContainerMachineTemplate']): scale-up is blocked. */
  missingTemplateKinds?: readonly string[];
  /** Preflight checks blocking scale-up, one message each. */
  scaleUpBlockedBy?: readonly string[];
  now: Date;
}

/** "X does not exist" / "X and Y do not exist" for templates a scale-up would need. */
export function missingTemplatesMessage(kinds: readonly string[] | undefined): string | undefined {
  if (!kinds || kinds.length === 0) return undefined;
  return kinds.length === 1 ? `${kinds[0]} does not exist` : `${kinds.join(' and ')} do not exist`;
}

export function machineSetScalingUpCondition(input: MachineSetStatusInput): ConditionState {
  const desired = input.deleting ? 0 : input.replicas;
  const current = input.machines.length;
  const missing = missingTemplatesMessage(input.missingTemplateKinds);
  if (current >= desired) {
    const condition: ConditionState = { type: 'ScalingUp', status: 'False', reason: 'NotScalingUp' };
    if (!input.deleting && missing) condition.message = `Scaling up would be blocked because ${missing}`;
    return condition;
  }
  let message = `Scaling up from ${current} to ${desired} replicas`;
  const blockers = [...(input.scaleUpBlockedBy ?? []), ...(missing ? [missing] : [])];
  if (blockers.length > 0) message += ` is blocked because:\n${blockers.map((line) => `* ${line}`).join('\n')}`;
  return { type: 'ScalingUp', status: 'True', reason: 'ScalingUp', message };
}

export function machineSetScalingDownCondition(input: MachineSetStatusInput): ConditionState {
  const desired = input.deleting ? 0 : input.replicas;
  const current = input.machines.length;
  if (current <= desired) return { type: 'ScalingDown', status: 'False', reason: 'NotScalingDown' };
  let message = `Scaling down from ${current} to ${desired} replicas`;
  const stale = staleDeletionMessage(input.machines, input.now);
  if (stale) message += `\n* ${stale}`;
  return { type: 'ScalingDown', status: 'True', reason: 'ScalingDown', message };
}

export function machineSetDeletingCondition(input: MachineSetStatusInput): ConditionState {
  if (!input.deleting) return { type: 'Deleting', status: 'False', reason: 'NotDeleting' };
  const count = input.machines.length;
  if (count === 0) return { type: 'Deleting', status: 'True', reason: 'Deleting', message: 'Deletion completed' };
  let message = `Deleting ${count} Machine${count === 1 ? '' : 's'}`;
  const stale = staleDeletionMessage(input.machines, input.now);
  if (stale) message += `\n* ${stale}`;
  return { type: 'Deleting', status: 'True', reason: 'Deleting', message };
}

export interface MachineSetStatus extends ReplicaCounts {
  conditions: ConditionState[];
}

export function machineSetStatus(input: MachineSetStatusInput): MachineSetStatus {
  return {
    ...machineSetReplicaCounts(input.machines),
    conditions: [machineSetScalingUpCondition(input), machineSetScalingDownCondition(input), machineSetDeletingCondition(input)],
  };
}
