// Slipway's etcd control-plane provider: EtcdCluster → member Machines and a managed etcd cluster.
// Its kinds are installed from etcdControlPlaneProviderCRDs (src/api/controlplane.cluster.x-k8s.io).
import type { ControllerDefinition } from '../../../client/controller.ts';
import { etcdClusterController } from './etcd-cluster-controller.ts';

export function etcdControlPlaneProviderControllers(): ControllerDefinition[] {
  return [etcdClusterController()];
}
