// An etcd cluster managed by Slipway on container machines, for the end-to-end tests: the one
// manifest (the `etcd` cluster template: Cluster, ContainerCluster, ContainerMachineTemplate, EtcdCluster, MachineHealthCheck),
// waits on the EtcdCluster's status, and the host's etcdctl with the cluster's client certificate.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { clusterTemplateValues, fillTemplate, findTemplate } from '../../src/cli/commands/generate.ts';
import type { EtcdCluster } from '../../src/api/controlplane.cluster.x-k8s.io/v1alpha1/etcd-cluster.ts';
import type { Machine } from '../../src/api/cluster.x-k8s.io/v1beta2/machine.ts';
import { secretsResource } from '../../src/client/resources.ts';
import type { ResourceRef } from '../../src/client/rest-client.ts';
import { runHostEtcdctl, type EtcdctlResult } from '../../src/machines/etcdctl/host-etcdctl.ts';
import { CertificatePurpose, certificateSecretName, keyPairFromSecret, type CertificateSecret } from '../../src/pki/cluster-certificates.ts';
import { etcdClustersResource } from '../../src/providers/controlplane/etcd/resources.ts';
import { containerClustersResource } from '../../src/providers/infrastructure/container/resources.ts';
import type { ContainerTestEnv } from './container-env.ts';
import { until } from './until.ts';

export const ETCD_VERSION = '3.4.23';
export type EtcdClusterObject = EtcdCluster & KubeObject;
export type MachineObject = Machine & KubeObject;

const capi = (plural: string): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta2', plural, namespaced: true });
export const clustersResource = capi('clusters');
export const machinesResource = capi('machines');
export const machineHealthChecksResource = capi('machinehealthchecks');
export const containerMachineTemplatesResource: ResourceRef = { group: 'infrastructure.cluster.x-k8s.io', version: 'v1alpha1', plural: 'containermachinetemplates', namespaced: true };
export const etcdConfigsResource: ResourceRef = { group: 'bootstrap.cluster.x-k8s.io', version: 'v1alpha1', plural: 'etcdconfigs', namespaced: true };

const resourceOfKind: Record<string, ResourceRef> = {
  Cluster: clustersResource,
  ContainerCluster: containerClustersResource,
  ContainerMachineTemplate: containerMachineTemplatesResource,
  EtcdCluster: etcdClustersResource,
  MachineHealthCheck: machineHealthChecksResource,
};

export interface EtcdClusterManifestOptions {
  replicas?: number;
  /** How long a member's machine may be not Ready before the health check marks it. */
  unhealthyAfterSeconds?: number;
}

/**
 * The one manifest of an etcd cluster on container machines: the shipped `etcd` flavor of `slipway generate
 * cluster`, filled for the test's namespace, network and image.
 */
export function etcdClusterManifest(env: ContainerTestEnv, name: string, options: EtcdClusterManifestOptions = {}): string {
  return fillTemplate(readFileSync(findTemplate('etcd', 'container').file, 'utf8'), clusterTemplateValues({ clusterName: name, namespace: env.namespace, controlPlaneMachineCount: options.replicas ?? 3 }, {
    CONTAINER_NETWORK: env.network,
    ETCD_MACHINE_IMAGE: env.image,
    ETCD_VERSION,
    ETCD_MACHINE_CPUS: '500m',
    ETCD_MACHINE_MEMORY: '256Mi',
    MHC_UNHEALTHY_TIMEOUT_SECONDS: String(options.unhealthyAfterSeconds ?? 30),
  }));
}

/** Creates every object of a manifest, in order. */
export async function applyManifest(env: ContainerTestEnv, manifest: string): Promise<void> {
  for (const document of parseAllDocuments(manifest)) {
    const obj = document.toJS() as KubeObject;
    await env.client.create(resourceOfKind[obj.kind]!, obj);
  }
}

export const getEtcdCluster = (env: ContainerTestEnv, name: string) => env.client.get<EtcdClusterObject>(etcdClustersResource, name, env.namespace);

/** The member Machines of the cluster. */
export async function memberMachines(env: ContainerTestEnv, name: string): Promise<MachineObject[]> {
  return (await env.client.listAll<MachineObject>(machinesResource, { namespace: env.namespace, labelSelector: `cluster.x-k8s.io/control-plane-name=${name}` })).items;
}

const summary = (e: EtcdClusterObject) => JSON.stringify({
  members: e.status?.members?.map((m) => `${m.name ?? m.id}${m.learner ? '(learner)' : ''}${m.healthy ? '' : '(unhealthy)'}`),
  replicas: e.status?.replicas, ready: e.status?.readyReplicas, upToDate: e.status?.upToDateReplicas,
  conditions: e.status?.conditions?.filter((c) => c.status === (c.type === 'Paused' || c.type === 'Deleting' ? 'True' : c.type.startsWith('Scaling') || c.type === 'RollingOut' || c.type === 'Remediating' ? 'True' : 'False')).map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`),
});

/** Waits until the EtcdCluster's status reports its current spec with `count` voting members healthy, each on one of `count` up-to-date Machines, and EtcdClusterHealthy True. */
export async function waitForHealthyMembers(env: ContainerTestEnv, name: string, count: number, timeoutMs = 180_000): Promise<EtcdClusterObject> {
  return until(`${name}: ${count} healthy members`, async () => {
    const e = await getEtcdCluster(env, name);
    const machines = await memberMachines(env, name);
    const members = e.status?.members ?? [];
    const healthy = e.status?.conditions?.some((c) => c.type === 'EtcdClusterHealthy' && c.status === 'True');
    const ok = healthy && e.status?.observedGeneration === e.metadata.generation && members.length === count && members.every((m) => m.healthy && !m.learner && m.machine)
      && machines.length === count && machines.every((m) => !m.metadata.deletionTimestamp)
      && e.status?.upToDateReplicas === count && e.status?.replicas === count
      && new Set(members.map((m) => m.name)).size === count && members.every((m) => machines.some((x) => x.metadata.name === m.name));
    if (ok) return e;
    throw new Error(summary(e));
  }, timeoutMs, 500);
}

/** The cluster's CA and client certificate from their Secrets. */
export async function clientCredentials(env: ContainerTestEnv, name: string): Promise<{ ca: string; cert: string; key: string }> {
  const secret = (purpose: CertificatePurpose) => env.client.get<CertificateSecret>(secretsResource, certificateSecretName(name, purpose), env.namespace);
  const ca = keyPairFromSecret(await secret(CertificatePurpose.EtcdCA));
  const client = keyPairFromSecret(await secret(CertificatePurpose.APIServerEtcdClient));
  return { ca: ca.cert, cert: client.cert, key: client.key };
}

/** The members' names and addresses as their Machines report them. */
export async function memberAddresses(env: ContainerTestEnv, name: string): Promise<{ name: string; address: string }[]> {
  return (await memberMachines(env, name)).flatMap((m) => {
    const address = m.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return address && !m.metadata.deletionTimestamp ? [{ name: m.metadata.name!, address }] : [];
  });
}

/** The host's etcdctl against the cluster with its client certificate (or other credentials). */
export async function etcdctl(env: ContainerTestEnv, name: string, args: string[], credentials?: { ca: string; cert: string; key: string }): Promise<EtcdctlResult> {
  return runHostEtcdctl({ members: await memberAddresses(env, name), ...(credentials ?? await clientCredentials(env, name)), args });
}

/** A second machine template for rollouts, `<name>-b` (more memory than the manifest's `<name>-etcd`). */
export async function createRolloutTemplate(env: ContainerTestEnv, name: string): Promise<string> {
  await env.client.create(containerMachineTemplatesResource, {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachineTemplate', metadata: { name: `${name}-b`, namespace: env.namespace },
    spec: { template: { spec: { image: env.image, resources: { cpus: '500m', memory: '320Mi' } } } },
  });
  return `${name}-b`;
}

/** Points the EtcdCluster at another machine template: its members are rolled out. */
export async function useMachineTemplate(env: ContainerTestEnv, name: string, template: string): Promise<void> {
  const infrastructureRef = { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachineTemplate', name: template };
  await env.client.patch(etcdClustersResource, name, { spec: { machineTemplate: { spec: { infrastructureRef } } } }, { type: 'merge', namespace: env.namespace });
}
