// Slipway's etcd bootstrap provider: EtcdConfig → the cloud-config that makes a Machine an etcd
// member. Its kinds are installed from etcdBootstrapProviderCRDs (src/api/bootstrap.cluster.x-k8s.io).
import type { ControllerDefinition } from '../../../client/controller.ts';
import { etcdConfigController } from './etcd-config-controller.ts';

export function etcdBootstrapProviderControllers(): ControllerDefinition[] {
  return [etcdConfigController()];
}
