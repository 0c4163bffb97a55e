// A Cluster on the in-memory provider with one MachineDeployment, as the e2e tests and benchmarks
// apply it: every object with the resource it is written to, in creation order.
import type { KubeObject } from '../../src/api/meta.ts';
import type { ResourceRef } from '../../src/client/rest-client.ts';

export const capiResource = (plural: string): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta2', plural, namespaced: true });
export const inMemoryResource = (plural: string): ResourceRef => ({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1alpha1', plural, namespaced: true });

export interface InMemoryClusterOptions {
  replicas: number;
  /** The machines' simulated provisioning time ("0s" for none) and its jitter (0–1). */
  provisioningDelay: string;
  jitter?: string;
  /** spec.rollout of the MachineDeployment. */
  rollout?: Record<string, unknown>;
}

export function inMemoryClusterObjects(namespace: string, name: string, options: InMemoryClusterOptions): [ResourceRef, KubeObject][] {
  const simulation = { provisioningDelay: options.provisioningDelay, ...(options.jitter ? { jitter: options.jitter } : {}) };
  return [
    [capiResource('clusters'), { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name, namespace }, spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryCluster', name } } }],
    [inMemoryResource('inmemoryclusters'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryCluster', metadata: { name, namespace }, spec: { simulation: { provisioningDelay: '0s' } } }],
    [{ group: '', version: 'v1', plural: 'secrets', namespaced: true }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-bootstrap`, namespace }, type: 'cluster.x-k8s.io/secret', stringData: { format: 'cloud-config', value: '#cloud-config\n' } }],
    [inMemoryResource('inmemorymachinetemplates'), { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachineTemplate', metadata: { name, namespace }, spec: { template: { spec: { simulation } } } }],
    [capiResource('machinedeployments'), {
      apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment', metadata: { name, namespace },
      spec: {
        clusterName: name, replicas: options.replicas,
        ...(options.rollout ? { rollout: options.rollout } : {}),
        selector: { matchLabels: { 'cluster.x-k8s.io/deployment-name': name } },
        template: {
          metadata: { labels: { 'cluster.x-k8s.io/deployment-name': name } },
          spec: { clusterName: name, version: 'v1.33.0', bootstrap: { dataSecretName: `${name}-bootstrap` }, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name } },
        },
      },
    }],
  ];
}
