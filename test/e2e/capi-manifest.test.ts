// A Cluster API manifest written the way Cluster API's documentation writes one (v1beta2, with the
// infrastructure kinds swapped for the in-memory provider's) applies unchanged with the real
// kubectl against a whole Slipway — store, API server, CRDs installed at start, controllers — and
// the controllers pick it up. Restarting Slipway on the same data directory re-installs nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startSlipway, type RunningSlipway } from '../../src/daemon/daemon.ts';
import { builtinCRDs } from '../../src/daemon/crds.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { customResourceDefinitionsResource } from '../../src/client/resources.ts';
import { eventually } from '../client/helpers.ts';

const run = promisify(execFile);
let dir: string;
let slipway: RunningSlipway | undefined;

const start = () => startSlipway({ dataDir: path.join(dir, 'data'), port: 0, machines: false, logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }) });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-capi-manifest-'));
  slipway = await start();
});

after(async () => {
  await slipway?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', slipway!.kubeconfigPath, ...args], { timeout: 60_000 });
  return stdout;
}

// As in the Cluster API book (e.g. tasks/bootstrap/microk8s-bootstrap.md): no namespaces, quoted
// names, `selector: matchLabels: null` left for defaulting, contract references by apiGroup.
const manifest = `
apiVersion: cluster.x-k8s.io/v1beta2
kind: Cluster
metadata:
  name: capi-quickstart
spec:
  clusterNetwork:
    pods:
      cidrBlocks: ["192.168.0.0/16"]
    services:
      cidrBlocks: ["10.128.0.0/12"]
    serviceDomain: "cluster.local"
  infrastructureRef:
    apiGroup: infrastructure.cluster.x-k8s.io
    kind: InMemoryCluster
    name: capi-quickstart
---
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha1
kind: InMemoryCluster
metadata:
  name: capi-quickstart
spec: {}
---
apiVersion: v1
kind: Secret
metadata:
  name: capi-quickstart-md-0-bootstrap
type: cluster.x-k8s.io/secret
stringData:
  format: cloud-config
  value: "#cloud-config"
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: MachineDeployment
metadata:
  name: capi-quickstart-md-0
spec:
  clusterName: capi-quickstart
  replicas: 2
  selector:
    matchLabels: null
  template:
    spec:
      clusterName: capi-quickstart
      version: v1.33.0
      bootstrap:
        dataSecretName: capi-quickstart-md-0-bootstrap
      infrastructureRef:
        apiGroup: infrastructure.cluster.x-k8s.io
        kind: InMemoryMachineTemplate
        name: capi-quickstart-md-0
---
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha1
kind: InMemoryMachineTemplate
metadata:
  name: capi-quickstart-md-0
spec:
  template:
    spec: {}
`;

test('kubectl apply of a Cluster API manifest: created, unchanged when applied again, stored as written', async () => {
  const file = path.join(dir, 'capi-quickstart.yaml');
  await writeFile(file, manifest);
  assert.equal(await kubectl('apply', '-f', file), [
    'cluster.cluster.x-k8s.io/capi-quickstart created',
    'inmemorycluster.infrastructure.cluster.x-k8s.io/capi-quickstart created',
    'secret/capi-quickstart-md-0-bootstrap created',
    'machinedeployment.cluster.x-k8s.io/capi-quickstart-md-0 created',
    'inmemorymachinetemplate.infrastructure.cluster.x-k8s.io/capi-quickstart-md-0 created',
    '',
  ].join('\n'));
  assert.match(await kubectl('apply', '-f', file), /^cluster.cluster.x-k8s.io\/capi-quickstart unchanged$/m);
  assert.match(await kubectl('diff', '-f', file).catch((error) => assert.fail(`kubectl diff reports changes: ${error.stdout}`)), /^$/);

  const cluster = JSON.parse(await kubectl('get', 'cluster', 'capi-quickstart', '-o', 'json'));
  assert.deepEqual(cluster.spec.clusterNetwork, { pods: { cidrBlocks: ['192.168.0.0/16'] }, services: { cidrBlocks: ['10.128.0.0/12'] }, serviceDomain: 'cluster.local' });
  assert.equal(cluster.spec.controlPlaneRef, undefined);
  const deployment = JSON.parse(await kubectl('get', 'md', 'capi-quickstart-md-0', '-o', 'json'));
  assert.equal(deployment.spec.replicas, 2);
  assert.deepEqual(deployment.spec.template.spec.infrastructureRef, { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 'capi-quickstart-md-0' });
  assert.match(await kubectl('get', 'clusters'), /^NAME\s+CLUSTERCLASS\s+AVAILABLE\s+CP DESIRED\s+CP AVAILABLE\s+CP UP-TO-DATE\s+W DESIRED\s+W AVAILABLE\s+W UP-TO-DATE\s+PHASE\s+AGE\s+VERSION\ncapi-quickstart\s/);
});

test('the controllers Slipway starts reconcile the applied Cluster: its infrastructure gets provisioned', async () => {
  const cluster = await eventually(async () => {
    const current = JSON.parse(await kubectl('get', 'cluster', 'capi-quickstart', '-o', 'json'));
    return current.status?.initialization?.infrastructureProvisioned === true && current;
  }, 'the Cluster to report its InMemoryCluster provisioned', 20_000);
  assert.ok(cluster.metadata.finalizers?.length > 0, 'the Cluster controller added its finalizer');
});

test('the MachineDeployment\'s Machines are created and reach Running', async () => {
  const machines = await eventually(async () => {
    const list = JSON.parse(await kubectl('get', 'machines', '-o', 'json')).items;
    return list.length === 2 && list.every((m: any) => m.status?.phase === 'Running') && list;
  }, 'two Running Machines', 30_000);
  for (const machine of machines) {
    assert.equal(machine.spec.clusterName, 'capi-quickstart');
    assert.equal(machine.spec.bootstrap.dataSecretName, 'capi-quickstart-md-0-bootstrap');
    assert.equal(machine.spec.infrastructureRef.kind, 'InMemoryMachine');
  }
});

test('restarting Slipway on the same data directory leaves the installed CRDs untouched', async () => {
  const crdVersions = async (running: RunningSlipway) => {
    const client = new RestClient({ server: running.url, caCert: running.caCert, token: running.adminToken, namespace: 'default' });
    try {
      return await Promise.all(builtinCRDs.map(async (crd) => (await client.get(customResourceDefinitionsResource, crd.metadata.name!)).metadata.resourceVersion));
    } finally {
      client.close();
    }
  };
  const before = await crdVersions(slipway!);
  await slipway!.stop();
  slipway = undefined;
  slipway = await start();
  assert.deepEqual(await crdVersions(slipway), before);
  assert.match(await kubectl('get', 'md'), /capi-quickstart-md-0/);
});
