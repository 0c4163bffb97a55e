// A Cluster with etcd member Machines on the in-memory provider, as a control plane would create them:
// each Machine bootstrapped from an EtcdConfig of the same name. The in-memory machines exist only to
// satisfy the Machine controller; the tests read the bootstrap data and run it themselves.
import type { KubeObject } from '../../../src/api/meta.ts';
import type { EtcdConfig, EtcdConfigSpec } from '../../../src/api/bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import { etcdConfigTypeMeta } from '../../../src/api/bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import type { RestClient } from '../../../src/client/rest-client.ts';
import { secretsResource } from '../../../src/client/resources.ts';
import { etcdConfigsResource } from '../../../src/providers/bootstrap/etcd/etcd-config-controller.ts';
import { capiResource, inMemoryResource } from '../../support/in-memory-cluster.ts';
import { until } from '../../support/until.ts';

export type EtcdConfigObject = EtcdConfig & KubeObject;

export async function createCluster(client: RestClient, namespace: string, name: string, spec: Record<string, unknown> = {}): Promise<KubeObject> {
  await client.create(inMemoryResource('inmemoryclusters'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryCluster', metadata: { name, namespace }, spec: {} });
  return client.create(capiResource('clusters'), {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name, namespace },
    spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryCluster', name }, ...spec },
  });
}

/** An EtcdConfig, its in-memory machine and the Machine bootstrapped from it, all named `name`. */
export async function createMember(client: RestClient, namespace: string, cluster: string, name: string, spec: EtcdConfigSpec): Promise<void> {
  await client.create<EtcdConfigObject>(etcdConfigsResource, { ...etcdConfigTypeMeta, metadata: { name, namespace }, spec });
  await client.create(inMemoryResource('inmemorymachines'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachine', metadata: { name, namespace }, spec: {} });
  await client.create(capiResource('machines'), {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name, namespace, labels: { 'cluster.x-k8s.io/control-plane': '' } },
    spec: {
      clusterName: cluster,
      bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'EtcdConfig', name } },
      infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachine', name },
    },
  });
}

/** The bootstrap data once the EtcdConfig reports it created. */
export async function bootstrapData(client: RestClient, namespace: string, name: string): Promise<{ config: EtcdConfigObject; secret: KubeObject & { type?: string; data: Record<string, string> }; value: string }> {
  const config = await until(`EtcdConfig ${name} to create its data secret`, async () => {
    const c = await client.get<EtcdConfigObject>(etcdConfigsResource, name, namespace);
    return c.status?.initialization?.dataSecretCreated ? c : undefined;
  }, 30_000);
  const secret = await client.get<KubeObject & { type?: string; data: Record<string, string> }>(secretsResource, config.status!.dataSecretName!, namespace);
  return { config, secret, value: Buffer.from(secret.data.value, 'base64').toString('utf8') };
}
