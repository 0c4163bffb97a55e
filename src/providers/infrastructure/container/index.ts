// Slipway's container infrastructure provider: ContainerMachines (runc machines with their own
// network and SSH), ContainerClusters, and the slipway.dev Networks, IPAddresses and Images they
// use. The daemon owns the MachineHost (runtime, image store, port forwards) the controllers drive.
// Its kinds are installed from containerProviderCRDs and slipwayCRDs (src/api).
import type { ControllerDefinition } from '../../../client/controller.ts';
import { containerClusterController } from './container-cluster-controller.ts';
import { containerMachineController } from './container-machine-controller.ts';
import { imageController } from './image-controller.ts';
import type { MachineHost } from './machine-host.ts';
import { networkController } from './network-controller.ts';

export { MachineHost, namePrefixFor, type MachineHostOptions } from './machine-host.ts';
export { containerProviderValidators } from './admission.ts';

export function containerProviderControllers(host: MachineHost): ControllerDefinition[] {
  return [networkController(), imageController(host), containerClusterController(), containerMachineController(host)];
}
