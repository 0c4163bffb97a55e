// Conditions of a MachineSet or MachineDeployment that summarise its Machines (Cluster API v1beta2):
// MachinesReady and MachinesUpToDate aggregate the Machines' Ready and UpToDate conditions, Remediating tells
// which Machines are being remediated by their owner.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { MachineConditionType, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { ConditionState } from '../provider-contract/conditions.ts';
import { isUnhealthy, isUnhealthyAndOwnerRemediated, machineCondition } from './machine-facts.ts';
import { listNames } from './status.ts';

/** Groups beyond this many are summed up in one last line, as Cluster API keeps messages short. */
const MAX_MESSAGE_GROUPS = 3;
/** MachinesUpToDate ignores Machines younger than this that report no UpToDate yet (no flicker on creation). */
const UP_TO_DATE_GRACE_MS = 10_000;

/** "* Machines a, b: message" lines, one per distinct message, most Machines first. */
function groupedMessage(entries: { name: string; message: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const { name, message } of entries) {
    const names = groups.get(message);
    if (names) names.push(name);
    else groups.set(message, [name]);
  }
  const sorted = [...groups.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const lines = sorted.slice(0, MAX_MESSAGE_GROUPS).map(([message, names]) => {
    const subject = `${names.length === 1 ? 'Machine' : 'Machines'} ${listNames(names)}`;
    return message.includes('\n')
      ? `* ${subject}:\n${message.split('\n').map((line) => `  ${line}`).join('\n')}`
      : `* ${subject}: ${message}`;
  });
  const others = sorted.slice(MAX_MESSAGE_GROUPS).reduce((sum, [, names]) => sum + names.length, 0);
  if (others > 0) lines.push(`And ${others} Machine${others === 1 ? '' : 's'} with other issues`);
  return lines.join('\n');
}

function aggregate(machines: readonly Machine[], sourceType: string, target: string, reasons: { good: string; bad: string; unknown: string }): ConditionState {
  const bad: { name: string; message: string }[] = [];
  const unknown: { name: string; message: string }[] = [];
  for (const machine of machines) {
    const condition = machineCondition(machine, sourceType);
    const name = machine.metadata.name!;
    if (!condition) unknown.push({ name, message: `Condition ${sourceType} not yet reported` });
    else if (condition.status === 'False') bad.push({ name, message: condition.message || condition.reason });
    else if (condition.status === 'Unknown') unknown.push({ name, message: condition.message || condition.reason });
  }
  if (bad.length > 0) return { type: target, status: 'False', reason: reasons.bad, message: groupedMessage([...bad, ...unknown]) };
  if (unknown.length > 0) return { type: target, status: 'Unknown', reason: reasons.unknown, message: groupedMessage(unknown) };
  return { type: target, status: 'True', reason: reasons.good };
}

export function machinesReadyCondition(machines: readonly Machine[]): ConditionState {
  if (machines.length === 0) return { type: 'MachinesReady', status: 'True', reason: Reason.NoReplicas };
  return aggregate(machines, MachineConditionType.Ready, 'MachinesReady', { good: Reason.Ready, bad: Reason.NotReady, unknown: Reason.ReadyUnknown });
}

export function machinesUpToDateCondition(machines: readonly Machine[], now: Date): ConditionState {
  const considered = machines.filter((machine) => machineCondition(machine, MachineConditionType.UpToDate)
    || now.getTime() - Date.parse(machine.metadata.creationTimestamp ?? '') > UP_TO_DATE_GRACE_MS);
  if (considered.length === 0) return { type: 'MachinesUpToDate', status: 'True', reason: Reason.NoReplicas };
  return aggregate(considered, MachineConditionType.UpToDate, 'MachinesUpToDate', { good: Reason.UpToDate, bad: Reason.NotUpToDate, unknown: Reason.UpToDateUnknown });
}

export function remediatingCondition(machines: readonly Machine[]): ConditionState {
  const toRemediate = machines.filter(isUnhealthyAndOwnerRemediated);
  if (toRemediate.length === 0) {
    const unhealthy = machines.filter(isUnhealthy).map((machine) => machine.metadata.name!);
    const message = unhealthy.length === 0 ? undefined
      : `${unhealthy.length === 1 ? 'Machine' : 'Machines'} ${listNames(unhealthy)} ${unhealthy.length === 1 ? 'is' : 'are'} not healthy (not to be remediated by MachineDeployment/MachineSet)`;
    return { type: 'Remediating', status: 'False', reason: Reason.NotRemediating, ...(message ? { message } : {}) };
  }
  const entries = toRemediate.map((machine) => {
    const condition = machineCondition(machine, MachineConditionType.OwnerRemediated)!;
    return { name: machine.metadata.name!, message: condition.message || condition.reason };
  });
  return { type: 'Remediating', status: 'True', reason: Reason.Remediating, message: groupedMessage(entries) };
}
