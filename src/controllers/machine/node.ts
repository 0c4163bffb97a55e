// A Machine's NodeReady and NodeHealthy conditions and status.nodeRef. Slipway reads no workload
// cluster API server: the node comes from the infrastructure machine's status.node (Slipway's
// contract extension). Machines of clusters without Kubernetes nodes (an etcd cluster) count as
// having a healthy "node" once their infrastructure reports BootstrapExecSucceeded=True.
// Pure: no I/O.
import type { Condition } from '../../api/meta.ts';
import { MachineConditionType, MachineReason, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { NodeReport } from '../provider-contract/contract.ts';
import type { ConditionState } from '../provider-contract/conditions.ts';

/** The reason NodeReady / NodeHealthy give for a node-less machine whose bootstrap succeeded. */
export const NODELESS_BOOTSTRAP_SUCCEEDED_REASON = 'BootstrapExecSucceeded';

export interface NodeObservation {
  /** The infrastructure machine's status.node, when reported. */
  node?: NodeReport;
  /** The infrastructure machine reports BootstrapExecSucceeded=True. */
  bootstrapSucceeded: boolean;
  /** The Machine's current status.nodeRef name. */
  nodeRefName?: string;
  providerID?: string;
  infraKind: string;
  deleting: boolean;
}

/** No node reported, but the bootstrap ran: a machine of a cluster without Kubernetes nodes. */
export const isNodeless = (o: NodeObservation) => !o.node && !o.nodeRefName && o.bootstrapSucceeded;

export function nodeConditions(o: NodeObservation): ConditionState[] {
  const both = (status: Condition['status'], reason: string, message: string): ConditionState[] =>
    [MachineConditionType.NodeReady, MachineConditionType.NodeHealthy].map((type) => ({ type, status, reason, message }));
  if (o.node) return [nodeReady(o.node.conditions), nodeHealthy(o.node.conditions)];
  if (isNodeless(o)) return both('True', NODELESS_BOOTSTRAP_SUCCEEDED_REASON, '');
  if (o.deleting) {
    return o.nodeRefName ? both('False', MachineReason.NodeDeleted, `Node ${o.nodeRefName} has been deleted`) : both('Unknown', MachineReason.NodeDoesNotExist, 'Node does not exist');
  }
  if (o.nodeRefName) return both('False', MachineReason.NodeDeleted, `Node ${o.nodeRefName} has been deleted while the Machine still exists`);
  if (o.providerID) return both('Unknown', Reason.InspectionFailed, `Waiting for ${o.infraKind} to report status.node (or, for a machine without a Kubernetes node, the BootstrapExecSucceeded condition)`);
  return both('Unknown', Reason.InspectionFailed, `Waiting for ${o.infraKind} to report spec.providerID`);
}

function nodeReady(conditions: Condition[]): ConditionState {
  const ready = conditions.find((c) => c.type === 'Ready');
  const type = MachineConditionType.NodeReady;
  if (!ready) return { type, status: 'Unknown', reason: MachineReason.NodeReadyUnknown, message: '* Node.Ready: Condition not yet reported' };
  const reason = ready.status === 'True' ? MachineReason.NodeReady : ready.status === 'False' ? MachineReason.NodeNotReady : MachineReason.NodeReadyUnknown;
  return { type, status: ready.status, reason, message: ready.status !== 'True' && ready.message ? `* Node.Ready: ${ready.message}` : '' };
}

/** Healthy: Ready True and no MemoryPressure, DiskPressure or PIDPressure (as Cluster API summarises a Node). */
function nodeHealthy(conditions: Condition[]): ConditionState {
  let bad = 0;
  let unknown = 0;
  const messages: string[] = [];
  const distinct = new Set<string>();
  for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
    const c = conditions.find((x) => x.type === type);
    if (!c) {
      unknown++;
      messages.push(`* Node.${type}: Condition not yet reported`);
      continue;
    }
    const good = type === 'Ready' ? c.status === 'True' : c.status === 'False';
    if (good) continue;
    const message = c.message || `Condition is ${c.status}`;
    distinct.add(message);
    messages.push(`* Node.${type}: ${message}`);
    if (c.status === 'Unknown') unknown++;
    else bad++;
  }
  const shown = messages.length > 1 && distinct.size === 1 && messages.every((m) => !m.endsWith('not yet reported')) ? [`* Node.AllConditions: ${[...distinct][0]}`] : messages;
  const type = MachineConditionType.NodeHealthy;
  if (bad > 0) return { type, status: 'False', reason: MachineReason.NodeNotHealthy, message: shown.join('\n') };
  if (unknown > 0) return { type, status: 'Unknown', reason: MachineReason.NodeHealthUnknown, message: shown.join('\n') };
  return { type, status: 'True', reason: MachineReason.NodeHealthy, message: '' };
}
