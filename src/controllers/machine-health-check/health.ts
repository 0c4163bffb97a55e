// Whether one Machine is healthy, as Cluster API's MachineHealthCheck decides it
// (machinehealthcheck_targets.go): the remediate-machine annotation; Machine conditions and node
// conditions that have been in a checked status for longer than their timeout; a node that never
// appeared within the node startup timeout; a node that went away. The node is the one the
// infrastructure machine reports (Slipway's status.node contract extension).
import type { Condition } from '../../api/meta.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineHealthCheckChecks } from '../../api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';
import { remediateMachineAnnotation, machineControlPlaneLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { ClusterConditionType, MachineConditionType, MachineReason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ConditionState } from '../provider-contract/conditions.ts';
import { findCondition } from '../provider-contract/conditions.ts';
import type { NodeReport } from '../provider-contract/contract.ts';

/** Cluster API's default node startup timeout (DefaultNodeStartupTimeoutSeconds). */
export const defaultNodeStartupTimeoutSeconds = 600;

export interface HealthTarget {
  machine: Machine & KubeObject;
  /** The node the machine's infrastructure reports, if any. */
  node: NodeReport | undefined;
}

export interface HealthInput {
  cluster: KubeObject;
  checks: MachineHealthCheckChecks;
  nowMs: number;
}

export type HealthVerdict =
  /** Checked and fine: HealthCheckSucceeded=True. */
  | { state: 'healthy'; condition: ConditionState }
  /** Failed a check: HealthCheckSucceeded=False with the reasons. */
  | { state: 'unhealthy'; condition: ConditionState }
  /** Not judged yet (no node yet, or a check's timeout still running): counted as not healthy, left unmarked; re-check after nextCheckMs if set. */
  | { state: 'pending'; nextCheckMs?: number };

const SECOND = 1000;

/** A Go time.Duration string of whole seconds, as Cluster API's messages print timeouts ("5s", "10m0s"). */
export function goDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

interface Check {
  messages: string[];
  nextCheckMs?: number;
}

/** Conditions in a checked status for longer than the timeout; else when the first of them will be. */
function checkConditions(conditions: readonly Condition[], checks: readonly { type: string; status: string; timeoutSeconds: number }[], on: 'Machine' | 'Node', nowMs: number): Check {
  const result: Check = { messages: [] };
  for (const check of checks) {
    const condition = conditions.find((c) => c.type === check.type);
    if (!condition || condition.status !== check.status) continue;
    const timeoutMs = check.timeoutSeconds * SECOND;
    const sinceMs = nowMs - Date.parse(condition.lastTransitionTime);
    if (sinceMs > timeoutMs) {
      result.messages.push(`Condition ${check.type} on ${on} is reporting status ${check.status} with reason ${condition.reason} for more than ${goDuration(check.timeoutSeconds)}`);
    } else {
      result.nextCheckMs = Math.min(result.nextCheckMs ?? Infinity, timeoutMs - sinceMs + SECOND);
    }
  }
  return result;
}

const latest = (...times: (string | undefined)[]) => Math.max(...times.filter((t): t is string => t !== undefined).map((t) => Date.parse(t)));

/** When the node startup clock started: the latest of the Machine's creation, the Cluster's infrastructure and control plane readiness, and the Machine's infrastructure readiness. */
function nodeStartupClockStart(target: HealthTarget, cluster: KubeObject): number {
  const trueSince = (obj: KubeObject, type: string) => {
    const condition = findCondition(obj, type);
    return condition?.status === 'True' ? condition.lastTransitionTime : undefined;
  };
  return latest(
    target.machine.metadata.creationTimestamp,
    trueSince(cluster, ClusterConditionType.ControlPlaneInitialized),
    trueSince(cluster, ClusterConditionType.InfrastructureReady),
    trueSince(target.machine, MachineConditionType.InfrastructureReady),
  );
}

function checkNode(target: HealthTarget, input: HealthInput): Check & { reason?: string } {
  const { machine, node } = target;
  if (!node) {
    // The Machine had a node (nodeRef), but the infrastructure no longer reports it.
    if (machine.status?.nodeRef?.name) return { reason: MachineReason.HealthCheckNodeDeleted, messages: [`Node ${machine.status.nodeRef.name} has been deleted`] };
    const timeoutSeconds = input.checks.nodeStartupTimeoutSeconds ?? defaultNodeStartupTimeoutSeconds;
    if (timeoutSeconds === 0) return { messages: [] };
    const sinceMs = input.nowMs - nodeStartupClockStart(target, input.cluster);
    if (sinceMs > timeoutSeconds * SECOND) return { reason: MachineReason.HealthCheckNodeStartupTimeout, messages: [`Node failed to report startup in ${goDuration(timeoutSeconds)}`] };
    return { messages: [], nextCheckMs: timeoutSeconds * SECOND - sinceMs + SECOND };
  }
  const result = checkConditions(node.conditions, input.checks.unhealthyNodeConditions ?? [], 'Node', input.nowMs);
  return result.messages.length > 0 ? { ...result, reason: MachineReason.HealthCheckUnhealthyNode } : result;
}

export function checkHealth(target: HealthTarget, input: HealthInput): HealthVerdict {
  const { machine } = target;
  if (machine.metadata.annotations && remediateMachineAnnotation in machine.metadata.annotations) {
    return { state: 'unhealthy', condition: { type: MachineConditionType.HealthCheckSucceeded, status: 'False', reason: MachineReason.HealthCheckHasRemediateAnnotation, message: `Health check failed: marked for remediation via ${remediateMachineAnnotation} annotation` } };
  }
  // Nothing is held against a Machine before its cluster can have working nodes (the first control plane machine excepted).
  const isControlPlane = machine.metadata.labels !== undefined && machineControlPlaneLabel in machine.metadata.labels;
  if (findCondition(input.cluster, ClusterConditionType.ControlPlaneInitialized)?.status !== 'True' && !isControlPlane) return { state: 'pending' };
  if (findCondition(input.cluster, ClusterConditionType.InfrastructureReady)?.status !== 'True') return { state: 'pending' };

  const machineCheck = checkConditions(machine.status?.conditions ?? [], input.checks.unhealthyMachineConditions ?? [], 'Machine', input.nowMs);
  const nodeCheck = checkNode(target, input);
  const messages = [...machineCheck.messages, ...nodeCheck.messages];
  if (messages.length > 0) {
    const reason = machineCheck.messages.length > 0 ? MachineReason.HealthCheckUnhealthyMachine : nodeCheck.reason!;
    return { state: 'unhealthy', condition: { type: MachineConditionType.HealthCheckSucceeded, status: 'False', reason, message: `Health check failed:\n${messages.map((m) => `  * ${m}`).join('\n')}` } };
  }
  const nextCheckMs = [machineCheck.nextCheckMs, nodeCheck.nextCheckMs].filter((ms): ms is number => ms !== undefined && ms > 0);
  if (nextCheckMs.length > 0) return { state: 'pending', nextCheckMs: Math.min(...nextCheckMs) };
  if (!target.node || machine.metadata.deletionTimestamp) return { state: 'pending' };
  return { state: 'healthy', condition: { type: MachineConditionType.HealthCheckSucceeded, status: 'True', reason: MachineReason.HealthCheckSucceeded } };
}
