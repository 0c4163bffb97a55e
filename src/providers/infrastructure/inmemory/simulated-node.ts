// The node an in-memory machine pretends to run, reported under status.node (Slipway's extension of
// the InfraMachine contract for providers without a workload-cluster API server: docs/providers.md).
// The Machine controller derives nodeRef and NodeHealthy from it; MachineHealthCheck reads its
// conditions. Like a kubelet it reports Ready and the three pressure conditions; Ready follows the
// injected failures (True once provisioned, False from provisioned + becomeUnhealthyAfter on) and the
// pressures stay False, since the simulation has no resources to run short of.
import { createHash } from 'node:crypto';
import type { Condition, MachineAddress } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';

export interface SimulatedNode {
  name: string;
  conditions: Condition[];
}

/** Kubelet's reasons for the node Ready condition. */
export const NodeReadyReason = { Ready: 'KubeletReady', NotReady: 'KubeletNotReady' } as const;

const seconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

const pressures = [
  { type: 'MemoryPressure', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available (simulated)' },
  { type: 'DiskPressure', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure (simulated)' },
  { type: 'PIDPressure', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available (simulated)' },
] as const;

/** The node's conditions: Ready since `readySinceMs`, or not Ready since `unhealthySinceMs` when that is set. */
export function simulatedNode(name: string, readySinceMs: number, unhealthySinceMs: number | undefined): SimulatedNode {
  const ready: Condition = unhealthySinceMs === undefined
    ? { type: 'Ready', status: 'True', reason: NodeReadyReason.Ready, message: 'kubelet is posting ready status (simulated)', lastTransitionTime: seconds(readySinceMs) }
    : { type: 'Ready', status: 'False', reason: NodeReadyReason.NotReady, message: 'kubelet stopped posting node status (simulated failure)', lastTransitionTime: seconds(unhealthySinceMs) };
  const noPressure = pressures.map((p): Condition => ({ ...p, status: 'False', lastTransitionTime: seconds(readySinceMs) }));
  return { name, conditions: [ready, ...noPressure] };
}

/** Stable simulated addresses: the machine's name, and an InternalIP in 10.0.0.0/8 derived from its uid. */
export function simulatedAddresses(name: string, uid: string): MachineAddress[] {
  const bytes = createHash('sha256').update(uid).digest();
  return [
    { type: 'Hostname', address: name },
    { type: 'InternalIP', address: `10.${bytes[0]}.${bytes[1]}.${1 + (bytes[2] % 254)}` },
  ];
}
