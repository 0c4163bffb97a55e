// The Cluster API and in-memory provider CRDs installed on the real API server and driven with the
// real kubectl: a Cluster API manifest applies, prints with Cluster API's columns, scales, and bad
// input is refused with the field path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { clusterApiCRDs } from '../../src/api/cluster.x-k8s.io/index.ts';
import { inMemoryProviderCRDs } from '../../src/api/infrastructure.cluster.x-k8s.io/index.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const run = promisify(execFile);
let server: TestServer;

async function kubectl(...args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', server.kubeconfigPath, ...args], { timeout: 60_000 });
    return { ok: true, out: stdout };
  } catch (error: any) {
    return { ok: false, out: String(error.stderr || error.message) };
  }
}

async function kubectlOk(...args: string[]): Promise<string> {
  const { ok, out } = await kubectl(...args);
  assert.ok(ok, `kubectl ${args.join(' ')} failed: ${out}`);
  return out;
}

async function manifestFile(name: string, docs: unknown[]): Promise<string> {
  const file = path.join(path.dirname(server.kubeconfigPath), name);
  await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}

const cluster = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'my-cluster', namespace: 'default' },
  spec: {
    clusterNetwork: { pods: { cidrBlocks: ['192.168.0.0/16'] } },
    infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryCluster', name: 'my-cluster' },
  },
};

const machineDeployment = (replicas: number) => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: { name: 'worker-md-0', namespace: 'default' },
  spec: {
    clusterName: 'my-cluster',
    replicas,
    selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': 'my-cluster' } },
    template: {
      metadata: { labels: { 'cluster.x-k8s.io/cluster-name': 'my-cluster' } },
      spec: {
        clusterName: 'my-cluster',
        version: 'v1.33.0',
        bootstrap: { dataSecretName: 'worker-bootstrap' },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 'worker' },
      },
    },
  },
});

before(async () => {
  server = await startTestServer();
  await kubectlOk('apply', '-f', await manifestFile('crds.yaml', [...clusterApiCRDs, ...inMemoryProviderCRDs]));
  await kubectlOk('wait', '--for=condition=Established', '--timeout=20s', ...[...clusterApiCRDs, ...inMemoryProviderCRDs].map((c) => `crd/${c.metadata.name}`));
});

after(async () => server?.stop());

test('a Cluster API manifest applies and prints with Cluster API columns', async () => {
  const template = { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachineTemplate', metadata: { name: 'worker', namespace: 'default' }, spec: { template: { spec: { simulation: { provisioningDelay: '2s' } } } } };
  const out = await kubectlOk('apply', '-f', await manifestFile('cluster.yaml', [cluster, machineDeployment(2), template]));
  assert.match(out, /cluster\.cluster\.x-k8s\.io\/my-cluster created/);
  assert.match(out, /machinedeployment\.cluster\.x-k8s\.io\/worker-md-0 created/);
  assert.match(out, /inmemorymachinetemplate\.infrastructure\.cluster\.x-k8s\.io\/worker created/);

  const table = await kubectlOk('get', 'md');
  assert.match(table.split('\n')[0], /^NAME\s+CLUSTER\s+AVAILABLE\s+DESIRED\s+CURRENT\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+PHASE\s+AGE\s+VERSION$/);
  assert.match(table, /^worker-md-0\s+my-cluster\s+2\s+\d+s\s+v1\.33\.0$/m);
  assert.match(await kubectlOk('get', 'cluster-api'), /cluster\.cluster\.x-k8s\.io\/my-cluster/);
});

test('MachineDeployments scale through the scale subresource', async () => {
  await kubectlOk('scale', 'machinedeployment/worker-md-0', '--replicas=5');
  assert.equal(await kubectlOk('get', 'md', 'worker-md-0', '-o', 'jsonpath={.spec.replicas}'), '5');
});

test('bad input is refused with the field path and reason', async () => {
  const bad: any = machineDeployment(-1);
  bad.metadata.name = 'bad-md';
  delete bad.spec.clusterName;
  const { ok, out } = await kubectl('apply', '-f', await manifestFile('bad.yaml', [bad]));
  assert.equal(ok, false);
  assert.match(out, /spec\.clusterName: Required value/);
  assert.match(out, /spec\.replicas: Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/);
  const machine = { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachine', metadata: { name: 'm', namespace: 'default' }, spec: { simulation: { provisioningDelay: 'soon' } } };
  const second = await kubectl('apply', '-f', await manifestFile('bad-machine.yaml', [machine]));
  assert.equal(second.ok, false);
  assert.match(second.out, /spec\.simulation\.provisioningDelay: Invalid value: "soon"/);
});
