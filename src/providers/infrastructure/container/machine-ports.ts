// A ContainerMachine's port entries as the host's port forwarders take them.
import type { ContainerMachinePort } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { DEFAULT_BIND_ADDRESS, type PortMapping } from '../../../machines/network/port-mapping.ts';

export function portMappingOf(port: ContainerMachinePort): PortMapping {
  return { bindAddress: port.hostIP ?? DEFAULT_BIND_ADDRESS, hostPort: port.hostPort, machinePort: port.machinePort, protocol: port.protocol === 'UDP' ? 'udp' : 'tcp' };
}
