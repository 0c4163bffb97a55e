// A Cluster API cluster on ContainerMachines, through a whole Slipway and real runc: a Cluster, its
// ContainerCluster and a MachineDeployment of 3 whose bootstrap data is a plain cloud-config Secret
// (Machines with spec.bootstrap.dataSecretName) that writes files and runs commands. The Machines
// reach Running once the bootstrap sentinel exists, the files are there over SSH, the deployment
// scales to 5 and to 1, and deleting the Cluster leaves nothing on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/meta.ts';
import type { ResourceRef } from '../../src/client/rest-client.ts';
import { secretsResource } from '../../src/client/resources.ts';
import { containerClustersResource, containerMachinesResource } from '../../src/providers/infrastructure/container/resources.ts';
import { startContainerTestEnv, type ContainerMachineObject, type ContainerTestEnv } from '../support/container-env.ts';
import { until } from '../support/until.ts';

const SLOT = 4;
const name = 'boats';
const capi = (plural: string): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta2', plural, namespaced: true });
const clusters = capi('clusters');
const machines = capi('machines');
const machineDeployments = capi('machinedeployments');
const templates: ResourceRef = { group: 'infrastructure.cluster.x-k8s.io', version: 'v1alpha1', plural: 'containermachinetemplates', namespaced: true };

const bootstrapData = [
  '#cloud-config',
  'write_files:',
  '  - path: /etc/slipway/role',
  '    content: worker',
  '  - path: /etc/slipway/config.b64',
  '    encoding: b64',
  `    content: ${Buffer.from('setting=on\n').toString('base64')}`,
  "    permissions: '0600'",
  'runcmd:',
  '  - hostname > /etc/slipway/bootstrapped-as',
  '  - [sh, -c, "cat /etc/slipway/role >> /etc/slipway/bootstrapped-as"]',
  '  - mkdir -p /run/cluster-api && echo success > /run/cluster-api/bootstrap-success.complete',
].join('\n');

const phase = (m: KubeObject) => (m.status as { phase?: string } | undefined)?.phase;
const available = (m: KubeObject) => ((m.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True');

async function settled(env: ContainerTestEnv, count: number): Promise<KubeObject[]> {
  return until(`${count} Running machines`, async () => {
    const all = (await env.client.listAll(machines, { namespace: env.namespace })).items;
    const deployment = await env.client.get(machineDeployments, `${name}-md-0`, env.namespace);
    const status = deployment.status as { replicas?: number; availableReplicas?: number } | undefined;
    const infra = (await env.client.listAll(containerMachinesResource, { namespace: env.namespace })).items;
    const ok = all.length === count && infra.length === count && all.every((m) => phase(m) === 'Running' && available(m) && !m.metadata.deletionTimestamp)
      && status?.replicas === count && status.availableReplicas === count;
    if (ok) return all;
    throw new Error(`machines ${all.map((m) => `${m.metadata.name}:${phase(m)}`).join(' ')}; deployment ${JSON.stringify(status)}`);
  }, 180_000);
}

test('a MachineDeployment of ContainerMachines bootstraps from cloud-config, scales, and is deleted with its Cluster', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'capi-containers', slot: SLOT });
  const ns = env.namespace;
  await env.client.create(secretsResource, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-bootstrap`, namespace: ns }, type: 'cluster.x-k8s.io/secret', stringData: { format: 'cloud-config', value: bootstrapData } });
  await env.client.create(containerClustersResource, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerCluster', metadata: { name, namespace: ns }, spec: { network: env.network, failureDomains: [{ name: 'fd-a' }] } });
  await env.client.create(clusters, { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name, namespace: ns }, spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerCluster', name } } });
  await env.client.create(templates, {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachineTemplate', metadata: { name: `${name}-workers`, namespace: ns },
    spec: { template: { spec: { image: env.image, resources: { cpus: '200m', memory: '128Mi' }, ssh: { generateKey: true } } } },
  });
  await env.client.create(machineDeployments, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment', metadata: { name: `${name}-md-0`, namespace: ns },
    spec: {
      clusterName: name, replicas: 3,
      selector: { matchLabels: { 'cluster.x-k8s.io/deployment-name': `${name}-md-0` } },
      template: {
        metadata: { labels: { 'cluster.x-k8s.io/deployment-name': `${name}-md-0` } },
        spec: { clusterName: name, failureDomain: 'fd-a', bootstrap: { dataSecretName: `${name}-bootstrap` }, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachineTemplate', name: `${name}-workers` } },
      },
    },
  });

  const three = await settled(env, 3);
  const cluster = await env.client.get(clusters, name, ns);
  assert.equal((cluster.status as { initialization?: { infrastructureProvisioned?: boolean } }).initialization?.infrastructureProvisioned, true);
  for (const machine of three) {
    const spec = machine.spec as { providerID?: string; infrastructureRef: { name: string } };
    const infra = await env.get(spec.infrastructureRef.name);
    assert.equal(spec.providerID, `container://${infra.status!.machineID}`);
    assert.equal(infra.status!.failureDomain, 'fd-a');
    assert.equal(infra.status!.conditions!.find((c) => c.type === 'BootstrapExecSucceeded')?.status, 'True');
    const hostname = infra.metadata.name!;
    assert.equal(await env.ssh(hostname, ['cat', '/etc/slipway/bootstrapped-as']), `${hostname}\nworker`);
    assert.equal(await env.ssh(hostname, ['stat', '-c', '%a %s', '/etc/slipway/config.b64']), '600 11\n');
    assert.deepEqual((machine.status as { addresses?: unknown }).addresses, infra.status!.addresses);
  }

  await env.client.patch(machineDeployments, `${name}-md-0`, { spec: { replicas: 5 } }, { type: 'merge', namespace: ns });
  await settled(env, 5);
  await env.client.patch(machineDeployments, `${name}-md-0`, { spec: { replicas: 1 } }, { type: 'merge', namespace: ns });
  const [survivor] = await settled(env, 1);
  const left = await env.leftovers();
  assert.equal(left.stateDirectories.length, 1, 'the four machines scaled away are gone from the host');
  assert.equal(left.attachments.length, 1);
  assert.equal(left.addresses.length, 1);
  const survivorInfra = await env.get((survivor.spec as { infrastructureRef: { name: string } }).infrastructureRef.name);
  assert.equal(left.addresses[0], survivorInfra.status!.network!.ip);

  await env.client.delete(clusters, name, { namespace: ns });
  await until('the Cluster and everything of it to be gone', async () => {
    const remaining = [
      ...(await env.client.listAll(clusters, { namespace: ns })).items,
      ...(await env.client.listAll(machines, { namespace: ns })).items,
      ...(await env.client.listAll<ContainerMachineObject>(containerMachinesResource, { namespace: ns })).items,
      ...(await env.client.listAll(containerClustersResource, { namespace: ns })).items,
    ];
    if (remaining.length === 0) return true;
    throw new Error(`left: ${remaining.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }, 120_000);
  await env.assertNothingLeft();
});
