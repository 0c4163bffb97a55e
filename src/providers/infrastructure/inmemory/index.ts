// Slipway's in-memory infrastructure provider: a declared simulation (as Cluster API's in-memory
// backend) of cluster infrastructure and machines, for controller tests and scale benchmarks.
// Its kinds are installed from inMemoryProviderCRDs (src/api/infrastructure.cluster.x-k8s.io).
import type { ControllerDefinition } from '../../../client/controller.ts';
import { inMemoryClusterController } from './in-memory-cluster-controller.ts';
import { inMemoryMachineController } from './in-memory-machine-controller.ts';

export function inMemoryProviderControllers(): ControllerDefinition[] {
  return [inMemoryClusterController(), inMemoryMachineController()];
}
