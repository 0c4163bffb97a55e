// A Machine's status computed from what the controller observed of its bootstrap config,
// infrastructure machine and node: initialization, phase, and the v1beta2 conditions
// BootstrapConfigReady, InfrastructureReady, NodeReady, NodeHealthy, Deleting, Paused, Ready and
// Available (UpToDate is the MachineSet's to set; HealthCheckSucceeded the MachineHealthCheck's).
// Pure: no I/O.
import type { Condition } from '../../api/meta.ts';
import type { Machine, MachineStatus } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { MachineConditionType, MachineReason, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { bootstrapConfig, infraMachine } from '../provider-contract/contract.ts';
import { setCondition, setConditions, type ConditionState, type WrittenCondition } from '../provider-contract/conditions.ts';
import { summarize } from '../provider-contract/condition-summary.ts';
import type { TrackedObject } from '../provider-contract/tracked.ts';
import { isNodeless, nodeConditions, type NodeObservation } from './node.ts';

export type MachinePhase = NonNullable<MachineStatus['phase']>;

export interface MachineObservation {
  machine: Machine;
  /** Absent when the Machine has no bootstrap.configRef. */
  bootstrap?: TrackedObject;
  infra: TrackedObject;
  /** Bootstrap data is available (spec.bootstrap.dataSecretName set, or the config reports it created). */
  dataSecretCreated: boolean;
  infrastructureProvisioned: boolean;
  providerID?: string;
  node: NodeObservation;
  /** While deleting: the deletion step it is at. */
  deleting?: { reason: string; message: string };
  /** Set once the deletion is complete, for the last status written before the finalizer goes. */
  deleted?: boolean;
}

/** Failed: the infrastructure machine vanished after it had been provisioned, with the Machine still wanted. */
export function machineFailure(o: MachineObservation): string | undefined {
  if (o.machine.metadata.deletionTimestamp || o.infra.object || !o.machine.status?.initialization?.infrastructureProvisioned) return undefined;
  return `${o.infra.ref.kind} ${o.infra.ref.name} has been deleted after provisioning was completed`;
}

/** Whether the Machine runs: provisioned, and with a node — or without one, its bootstrap succeeded. */
export const isRunning = (o: MachineObservation) => o.infrastructureProvisioned && (Boolean(o.node.node) || Boolean(o.node.nodeRefName) || isNodeless(o.node));

export function machinePhase(o: MachineObservation): MachinePhase {
  if (o.deleted) return 'Deleted';
  if (o.machine.metadata.deletionTimestamp) return 'Deleting';
  if (machineFailure(o)) return 'Failed';
  if (isRunning(o)) return 'Running';
  if (o.providerID) return 'Provisioned';
  if (o.dataSecretCreated && !o.infrastructureProvisioned) return 'Provisioning';
  return 'Pending';
}

function mirror(type: string, source: Condition | undefined, fallback: ConditionState, trueReason: string): ConditionState {
  if (!source) return fallback;
  return { type, status: source.status, reason: source.reason || (source.status === 'True' ? trueReason : fallback.reason), message: source.message ?? '' };
}

function bootstrapConfigReady(o: MachineObservation): ConditionState {
  const type = MachineConditionType.BootstrapConfigReady;
  if (!o.bootstrap) {
    return o.dataSecretCreated
      ? { type, status: 'True', reason: MachineReason.BootstrapDataSecretProvided, message: '' }
      : { type, status: 'False', reason: Reason.NotReady, message: 'spec.bootstrap.dataSecretName is not set and there is no spec.bootstrap.configRef' };
  }
  const kind = o.bootstrap.ref.kind;
  if (o.bootstrap.object) {
    const created = bootstrapConfig.dataSecretCreated(o.bootstrap.object) || o.dataSecretCreated;
    return mirror(type, bootstrapConfig.readyCondition(o.bootstrap.object),
      { type, status: created ? 'True' : 'False', reason: created ? Reason.Ready : Reason.NotReady, message: created ? '' : `${kind} status.initialization.dataSecretCreated is false` }, Reason.Ready);
  }
  if (o.machine.metadata.deletionTimestamp) return { type, status: 'False', reason: Reason.ObjectDeleted, message: `${kind} has been deleted` };
  return { type, status: 'False', reason: Reason.ObjectDoesNotExist, message: o.bootstrap.problem ?? `${kind} does not exist` };
}

function infrastructureReady(o: MachineObservation): ConditionState {
  const type = MachineConditionType.InfrastructureReady;
  const kind = o.infra.ref.kind;
  if (o.infra.object) {
    const provisioned = o.infrastructureProvisioned;
    return mirror(type, infraMachine.readyCondition(o.infra.object),
      { type, status: provisioned ? 'True' : 'False', reason: provisioned ? Reason.Ready : Reason.NotReady, message: provisioned ? '' : `${kind} status.initialization.provisioned is false` }, Reason.Ready);
  }
  if (o.machine.status?.initialization?.infrastructureProvisioned) {
    return { type, status: 'False', reason: Reason.ObjectDeleted, message: o.machine.metadata.deletionTimestamp ? `${kind} has been deleted` : `${kind} has been deleted while the Machine still exists` };
  }
  return { type, status: 'False', reason: Reason.ObjectDoesNotExist, message: o.infra.problem ?? `${kind} does not exist` };
}

function deletingCondition(o: MachineObservation): ConditionState {
  const type = MachineConditionType.Deleting;
  if (!o.machine.metadata.deletionTimestamp) return { type, status: 'False', reason: Reason.NotDeleting, message: '' };
  return { type, status: 'True', reason: o.deleting?.reason ?? Reason.Deleting, message: o.deleting?.message ?? 'Deletion started' };
}

/** Conditions before Ready and Available, which summarise them. */
function partConditions(o: MachineObservation, paused: ConditionState): ConditionState[] {
  return [bootstrapConfigReady(o), infrastructureReady(o), ...nodeConditions(o.node), deletingCondition(o), paused];
}

function readyCondition(o: MachineObservation, conditions: Condition[]): ConditionState {
  const gates = o.machine.spec.readinessGates ?? [];
  const deleting = o.machine.metadata.deletionTimestamp;
  const deletingNow = conditions.find((c) => c.type === MachineConditionType.Deleting);
  return summarize(conditions, {
    type: MachineConditionType.Ready,
    of: [MachineConditionType.Deleting, MachineConditionType.BootstrapConfigReady, MachineConditionType.InfrastructureReady, MachineConditionType.NodeHealthy, MachineConditionType.HealthCheckSucceeded, ...gates.map((g) => g.conditionType)],
    negative: [MachineConditionType.Deleting, ...gates.filter((g) => g.polarity === 'Negative').map((g) => g.conditionType)],
    ignoreIfMissing: [MachineConditionType.HealthCheckSucceeded],
    overrides: deleting && deletingNow
      ? [{ ...deletingNow, reason: Reason.Deleting, message: `Machine deletion in progress, stage: ${deletingNow.reason}` }]
      : [],
    reasons: { issue: Reason.NotReady, unknown: Reason.ReadyUnknown, info: Reason.Ready },
    // While deleting, provider objects and the node going away are expected, not a problem.
    priority: (c) => deleting && (c.reason === Reason.ObjectDeleted || c.reason === Reason.ObjectDoesNotExist || c.reason === MachineReason.NodeDeleted || c.reason === MachineReason.NodeDoesNotExist)
      && (c.type === MachineConditionType.BootstrapConfigReady || c.type === MachineConditionType.InfrastructureReady || c.type === MachineConditionType.NodeHealthy) ? 'info' : undefined,
  });
}

/** Available: Ready for at least spec.minReadySeconds. Also returns how long until it may become so. */
function availableCondition(o: MachineObservation, ready: Condition, now: Date): { state: ConditionState; recheckInMs?: number } {
  const type = MachineConditionType.Available;
  if (ready.status !== 'True') return { state: { type, status: 'False', reason: Reason.NotReady, message: '' } };
  const wait = Date.parse(ready.lastTransitionTime) + (o.machine.spec.minReadySeconds ?? 0) * 1000 - now.getTime();
  if (wait <= 0) return { state: { type, status: 'True', reason: Reason.Available, message: '' } };
  return { state: { type, status: 'False', reason: MachineReason.WaitingForMinReadySeconds, message: '' }, recheckInMs: wait };
}

/** The Machine's conditions with every one this controller owns updated; and when to look again for Available. */
export function machineConditions(o: MachineObservation, paused: ConditionState, now = new Date()): { conditions: WrittenCondition[]; recheckInMs?: number } {
  const generation = o.machine.metadata.generation;
  let conditions = setConditions(o.machine.status?.conditions ?? [], partConditions(o, paused), generation, now);
  conditions = setCondition(conditions, readyCondition(o, conditions), generation, now);
  const ready = conditions.find((c) => c.type === MachineConditionType.Ready)!;
  const available = availableCondition(o, ready, now);
  return { conditions: setCondition(conditions, available.state, generation, now), recheckInMs: available.recheckInMs };
}
