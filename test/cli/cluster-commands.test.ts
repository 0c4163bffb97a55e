// The Cluster API commands of the CLI: `generate cluster` (templates, variables, flavors),
// `crds` (the CRDs `slipway up` installs, for any API server), the CRD installer itself, and
// `describe cluster` (clusterctl's at-a-glance tree) against a real API server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Condition, KubeObject } from '../../src/api/meta.ts';
import { clusterApiCRDs } from '../../src/api/cluster.x-k8s.io/index.ts';
import { containerProviderCRDs, inMemoryProviderCRDs } from '../../src/api/infrastructure.cluster.x-k8s.io/index.ts';
import { slipwayCRDs } from '../../src/api/slipway.dev/index.ts';
import { etcdBootstrapProviderCRDs } from '../../src/api/bootstrap.cluster.x-k8s.io/index.ts';
import { etcdControlPlaneProviderCRDs } from '../../src/api/controlplane.cluster.x-k8s.io/index.ts';
import { builtinCRDs, installCRDs } from '../../src/daemon/crds.ts';
import { clusterTemplateValues, fillTemplate, findTemplate, shippedTemplates, templateVariables } from '../../src/cli/commands/generate.ts';
import { clusterTreeRows, renderClusterTree, type ClusterObjects } from '../../src/cli/printers/cluster-tree.ts';
import type { RestClient, ResourceRef } from '../../src/client/rest-client.ts';
import { customResourceDefinitionsResource } from '../../src/client/resources.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { clientFor } from '../client/helpers.ts';
import { runSlipway, SLIPWAY_MAIN as MAIN, type CliResult } from '../support/slipway-cli.ts';

let server: TestServer;
let client: RestClient;
let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-cluster-commands-'));
  server = await startTestServer();
  client = clientFor(server);
  await installCRDs(client);
});

after(async () => {
  client?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function slipway(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<CliResult> {
  // Template variables come only from the test, never from the environment it runs in.
  const unset = Object.fromEntries(['KUBERNETES_VERSION', 'WORKER_MACHINE_COUNT', 'NAMESPACE'].map((name) => [name, undefined]));
  return runSlipway(['--kubeconfig', server.kubeconfigPath, ...args], { cwd: dir, env: { ...unset, HOME: dir, ...options.env }, stdin: options.stdin });
}

async function ok(args: string[], options?: Parameters<typeof slipway>[1]): Promise<string> {
  const result = await slipway(args, options);
  assert.equal(result.code, 0, `slipway ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

const documents = (text: string): KubeObject[] => parseAllDocuments(text).map((d) => {
  assert.deepEqual(d.errors, []);
  return d.toJS() as KubeObject;
}).filter((d) => d !== null);

// --- generate cluster -----------------------------------------------------------------------------

test('templates: ${VAR} is required, ${VAR:=d} / ${VAR:-d} default when unset or empty, ${VAR=d} only when unset', () => {
  const template = 'a: ${A}\nb: ${ B }\nc: ${C:=["x"]}\nd: ${D:-dee}\ne: ${E=eee}\nf: ${A}-${F-}\n';
  assert.deepEqual(templateVariables(template), [
    { name: 'A' }, { name: 'B' }, { name: 'C', default: '["x"]' }, { name: 'D', default: 'dee' }, { name: 'E', default: 'eee' }, { name: 'F', default: '' },
  ]);
  assert.equal(fillTemplate(template, { A: '1', B: '2' }), 'a: 1\nb: 2\nc: ["x"]\nd: dee\ne: eee\nf: 1-\n');
  assert.equal(fillTemplate(template, { A: '1', B: '2', C: '', D: '', E: '', F: 'f' }), 'a: 1\nb: 2\nc: ["x"]\nd: dee\ne: \nf: 1-f\n');
  assert.equal(fillTemplate(template, { A: '1', B: '2', C: 'see' }), 'a: 1\nb: 2\nc: see\nd: dee\ne: eee\nf: 1-\n');
  assert.throws(() => fillTemplate(template, { B: '2' }), /^CliError: value for variable A is not set$/);
  assert.throws(() => fillTemplate(template, {}), (e: any) => e.message === 'value for variables A, B is not set' && /set A, B in the environment/.test(e.hint));
  assert.throws(() => fillTemplate('v: ${KUBERNETES_VERSION}', {}), (e: any) => /pass --kubernetes-version/.test(e.hint));
});

test('clusterTemplateValues: flags win over the environment; clusterctl\'s defaults and validation', () => {
  const env = { KUBERNETES_VERSION: 'v1.30.1', WORKER_MACHINE_COUNT: '4', OTHER: 'x' };
  const values = clusterTemplateValues({ clusterName: 'demo' }, env);
  assert.equal(values.CLUSTER_NAME, 'demo');
  assert.equal(values.NAMESPACE, 'default');
  assert.equal(values.KUBERNETES_VERSION, 'v1.30.1');
  assert.equal(values.WORKER_MACHINE_COUNT, '4');
  assert.equal(values.CONTROL_PLANE_MACHINE_COUNT, '1');
  assert.equal(values.OTHER, 'x');
  const flags = clusterTemplateValues({ clusterName: 'demo', namespace: 'team-a', kubernetesVersion: 'v1.33.0', workerMachineCount: 2 }, env);
  assert.deepEqual([flags.NAMESPACE, flags.KUBERNETES_VERSION, flags.WORKER_MACHINE_COUNT], ['team-a', 'v1.33.0', '2']);
  assert.equal(clusterTemplateValues({ clusterName: 'demo' }, {}).WORKER_MACHINE_COUNT, '0');
  assert.throws(() => clusterTemplateValues({ clusterName: 'Demo' }, {}), /invalid cluster name "Demo"/);
  assert.throws(() => clusterTemplateValues({ clusterName: 'demo', namespace: 'a.b' }, {}), /invalid namespace "a.b"/);
  assert.throws(() => clusterTemplateValues({ clusterName: 'demo', kubernetesVersion: '1.33' }, {}), /invalid Kubernetes version "1.33"/);
  assert.throws(() => clusterTemplateValues({ clusterName: 'demo', workerMachineCount: -1 }, {}), /invalid worker machine count "-1"/);
  assert.throws(() => clusterTemplateValues({ clusterName: 'demo' }, { WORKER_MACHINE_COUNT: 'three' }), /invalid worker machine count "three"/);
});

test('shipped flavors: in-memory, in-memory-with-healthcheck and etcd (container machines), found by flavor', () => {
  const flavors = shippedTemplates().map((t) => `${t.provider}/${t.flavor}`);
  assert.deepEqual(flavors, ['container/etcd', 'in-memory/in-memory', 'in-memory/in-memory-with-healthcheck']);
  assert.equal(path.basename(findTemplate('etcd').file), 'cluster-template-etcd.yaml');
  assert.equal(path.basename(findTemplate('in-memory').file), 'cluster-template-in-memory.yaml');
  assert.equal(path.basename(findTemplate('in-memory-with-healthcheck', 'in-memory').file), 'cluster-template-in-memory-with-healthcheck.yaml');
  assert.throws(() => findTemplate('nope'), (e: any) => e.message === 'no cluster template for flavor "nope"' && /available flavors: etcd \(container\), in-memory \(in-memory\), in-memory-with-healthcheck/.test(e.hint));
  assert.throws(() => findTemplate('in-memory', 'docker'), /no cluster template for flavor "in-memory" of provider "docker"/);
});

test('generate cluster --flavor in-memory: a workers-only Cluster the API server accepts as is', async () => {
  const output = await ok(['generate', 'cluster', 'demo', '--flavor', 'in-memory', '--kubernetes-version', 'v1.33.0', '--worker-machine-count', '3', '-n', 'gen'], {
    env: { INMEMORY_MACHINE_PROVISIONING_DELAY: '5s' },
  });
  const docs = documents(output);
  assert.deepEqual(docs.map((d) => d.kind), ['Cluster', 'InMemoryCluster', 'Secret', 'InMemoryMachineTemplate', 'MachineDeployment']);
  assert.ok(docs.every((d) => d.metadata.namespace === 'gen'));
  const [cluster, , secret, template, deployment] = docs as any[];
  assert.equal(cluster.apiVersion, 'cluster.x-k8s.io/v1beta2');
  assert.deepEqual(cluster.spec.infrastructureRef, { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryCluster', name: 'demo' });
  assert.equal(cluster.spec.controlPlaneRef, undefined, 'no control plane object in this flavor');
  assert.deepEqual(cluster.spec.clusterNetwork.pods.cidrBlocks, ['192.168.0.0/16']);
  assert.equal(deployment.spec.replicas, 3);
  assert.equal(deployment.spec.template.spec.version, 'v1.33.0');
  assert.equal(deployment.spec.template.spec.bootstrap.dataSecretName, secret.metadata.name);
  assert.equal(secret.type, 'cluster.x-k8s.io/secret');
  assert.equal(template.spec.template.spec.simulation.provisioningDelay, '5s', 'variables come from the environment too');
  for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) assert.equal(deployment.spec.template.metadata.labels[key], value);

  // Every document is valid for the API server as generated (the schemas of the CRDs check it).
  await ok(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gen\n---\n${output}` });
  const stored = await client.get({ group: 'cluster.x-k8s.io', version: 'v1beta2', plural: 'machinedeployments', namespaced: true }, 'demo-md-0', 'gen');
  assert.equal((stored.spec as any).replicas, 3);
});

test('generate cluster --flavor in-memory-with-healthcheck is the in-memory flavor plus a MachineHealthCheck of its workers', async () => {
  const args = ['demo', '--kubernetes-version', 'v1.33.0', '--worker-machine-count', '2'];
  const plain = documents(await ok(['generate', 'cluster', ...args, '--flavor', 'in-memory']));
  const checked = documents(await ok(['generate', 'cluster', ...args, '--flavor', 'in-memory-with-healthcheck']));
  assert.deepEqual(checked.slice(0, -1), plain);
  const mhc = checked.at(-1) as any;
  assert.equal(mhc.kind, 'MachineHealthCheck');
  assert.equal(mhc.spec.clusterName, 'demo');
  assert.deepEqual(mhc.spec.selector.matchLabels, { 'cluster.x-k8s.io/deployment-name': 'demo-md-0' });
  assert.equal(mhc.spec.remediation.triggerIf.unhealthyLessThanOrEqualTo, '40%');
  await ok(['apply', '--dry-run=server', '-f', '-'], { stdin: (await ok(['generate', 'cluster', ...args, '--flavor', 'in-memory-with-healthcheck'])) });
});

test('generate cluster --flavor etcd: an etcd cluster on container machines the API server accepts as is; an even member count is refused', async () => {
  const generate = (count: string, env: Record<string, string> = { ETCD_MACHINE_IMAGE: 'etcd-node' }) =>
    slipway(['generate', 'cluster', 'ledger', '--flavor', 'etcd', '--control-plane-machine-count', count, '-n', 'gen-etcd'], { env });
  const missing = await generate('3', {});
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /value for variable ETCD_MACHINE_IMAGE is not set/);
  const output = (await generate('3')).stdout;
  const docs = documents(output);
  assert.deepEqual(docs.map((d) => d.kind), ['Cluster', 'ContainerCluster', 'ContainerMachineTemplate', 'EtcdCluster', 'MachineHealthCheck']);
  const [cluster, containerCluster, template, etcdCluster, mhc] = docs as any[];
  assert.deepEqual(cluster.spec.controlPlaneRef, { apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'EtcdCluster', name: 'ledger' });
  assert.equal(containerCluster.spec.network, 'default', 'the Network `slipway up` makes');
  assert.deepEqual(template.spec.template.spec, { image: 'etcd-node', resources: { cpus: '1', memory: '512Mi' } });
  assert.equal(etcdCluster.spec.replicas, 3);
  assert.equal(etcdCluster.spec.machineTemplate.spec.infrastructureRef.name, template.metadata.name);
  assert.deepEqual(mhc.spec.selector.matchLabels, { 'cluster.x-k8s.io/control-plane-name': 'ledger' });
  await ok(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: gen-etcd\n` });
  await ok(['apply', '--dry-run=server', '-f', '-'], { stdin: output });
  const even = await slipway(['apply', '--dry-run=server', '-f', '-'], { stdin: (await generate('2')).stdout });
  assert.notEqual(even.code, 0);
  assert.match(even.stderr, /replicas/);
});

test('generate cluster: a missing variable, a bad flavor and --from-file', async () => {
  const missing = await slipway(['generate', 'cluster', 'demo', '--flavor', 'in-memory']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stdout, '');
  assert.equal(missing.stderr.trimEnd(), 'error: value for variable KUBERNETES_VERSION is not set (hint: pass --kubernetes-version, or set KUBERNETES_VERSION in the environment)');

  const fromEnv = documents(await ok(['generate', 'cluster', 'demo', '--flavor', 'in-memory'], { env: { KUBERNETES_VERSION: 'v1.32.2' } }));
  assert.equal((fromEnv.at(-1) as any).spec.template.spec.version, 'v1.32.2');

  const badFlavor = await slipway(['generate', 'cluster', 'demo', '--flavor', 'nope']);
  assert.equal(badFlavor.code, 2);
  assert.match(badFlavor.stderr, /^error: no cluster template for flavor "nope" \(hint: available flavors: etcd \(container\), in-memory \(in-memory\), in-memory-with-healthcheck \(in-memory\)\)\n$/);

  const file = path.join(dir, 'my-template.yaml');
  await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${CLUSTER_NAME}-config\n  namespace: ${NAMESPACE}\ndata:\n  owner: ${OWNER}\n  size: "${SIZE:=small}"\n');
  assert.equal(await ok(['generate', 'cluster', 'x', '--from-file', file], { env: { OWNER: 'ops' } }), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x-config\n  namespace: default\ndata:\n  owner: ops\n  size: "small"\n');
  assert.equal(await ok(['generate', 'cluster', 'x', '--from-file', file, '--list-variables']), 'Required Variables:\n  - CLUSTER_NAME\n  - NAMESPACE\n  - OWNER\n\nOptional Variables:\n  - SIZE  (defaults to "small")\n');
  const broken = await slipway(['generate', 'cluster', 'x', '--from-file', file], { env: { OWNER: '[unclosed' } });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^error: the filled template my-template.yaml is not valid YAML \(document 1\)/);
  const noFile = await slipway(['generate', 'cluster', 'x', '--from-file', path.join(dir, 'none.yaml')]);
  assert.match(noFile.stderr, /^error: cannot read the template ".*none.yaml": ENOENT/);
});

// --- crds -----------------------------------------------------------------------------------------

test('slipway crds prints every built-in CRD as one YAML document each', async () => {
  const docs = documents(await ok(['crds']));
  assert.equal(docs.length, clusterApiCRDs.length + inMemoryProviderCRDs.length + containerProviderCRDs.length + etcdBootstrapProviderCRDs.length + etcdControlPlaneProviderCRDs.length + slipwayCRDs.length);
  for (const doc of docs) {
    assert.equal(doc.apiVersion, 'apiextensions.k8s.io/v1');
    assert.equal(doc.kind, 'CustomResourceDefinition');
  }
  assert.deepEqual(docs, JSON.parse(JSON.stringify(builtinCRDs)));
});

test('slipway crds stops quietly when its reader closes the pipe early (| head)', async () => {
  const child = spawn(process.execPath, [MAIN, 'crds'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('installCRDs: every CRD Established and served; running it again changes nothing', async () => {
  const crdsBefore = await Promise.all(builtinCRDs.map((crd) => client.get(customResourceDefinitionsResource, crd.metadata.name!)));
  for (const crd of crdsBefore) {
    assert.ok((crd.status as any).conditions.some((c: Condition) => c.type === 'Established' && c.status === 'True'), crd.metadata.name);
    assert.ok(crd.metadata.managedFields?.some((f) => f.manager === 'slipway' && f.operation === 'Apply'), 'applied by the "slipway" field manager');
  }
  await installCRDs(client);
  const crdsAfter = await Promise.all(builtinCRDs.map((crd) => client.get(customResourceDefinitionsResource, crd.metadata.name!)));
  assert.deepEqual(crdsAfter.map((c) => c.metadata.resourceVersion), crdsBefore.map((c) => c.metadata.resourceVersion));
  const served = await slipway(['get', 'inmemorymachines', '-A']);
  assert.equal(served.code, 0, served.stderr);
  assert.match(served.stderr, /^No resources found/);
});

// --- describe cluster -----------------------------------------------------------------------------

const ref = (group: string, version: string, plural: string): ResourceRef => ({ group, version, plural, namespaced: true });
const CLUSTERS = ref('cluster.x-k8s.io', 'v1beta2', 'clusters');
const MACHINE_DEPLOYMENTS = ref('cluster.x-k8s.io', 'v1beta2', 'machinedeployments');
const MACHINE_SETS = ref('cluster.x-k8s.io', 'v1beta2', 'machinesets');
const MACHINES = ref('cluster.x-k8s.io', 'v1beta2', 'machines');
const IN_MEMORY_CLUSTERS = ref('infrastructure.cluster.x-k8s.io', 'v1alpha1', 'inmemoryclusters');
const IN_MEMORY_MACHINES = ref('infrastructure.cluster.x-k8s.io', 'v1alpha1', 'inmemorymachines');

const condition = (type: string, status: Condition['status'], reason: string, message = '', at = '2020-01-01T00:00:00Z'): Condition => ({ type, status, reason, message, lastTransitionTime: at });

async function create(resource: ResourceRef, object: KubeObject, status?: Record<string, unknown>): Promise<KubeObject> {
  const created = await client.create(resource, object);
  if (!status) return created;
  return client.updateStatus(resource, { ...created, status });
}

/** A tree row's NAME cell: up to the first run of two spaces after the tree prefix. */
const nameOf = (line: string) => /^(\s*\S(?:.*?\S)?)(?:\s{2,}|$)/.exec(line)![1];

const owner = (o: KubeObject) => [{ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name!, uid: o.metadata.uid!, controller: true }];
const infraRef = (kind: string, name: string) => ({ apiGroup: 'infrastructure.cluster.x-k8s.io', kind, name });

test('describe cluster: the tree of a Cluster, its infrastructure and workers, machines folded by state', async () => {
  const ns = 'tree';
  await ok(['apply', '-f', '-'], { stdin: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n` });
  const ready = [condition('Available', 'True', 'Available'), condition('Ready', 'True', 'Ready'), condition('UpToDate', 'True', 'UpToDate')];
  await create(CLUSTERS, { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name: 'demo', namespace: ns }, spec: { infrastructureRef: infraRef('InMemoryCluster', 'demo') } }, {
    conditions: [condition('Available', 'False', 'NotAvailable', '* WorkersAvailable: 1 of 4 machines is not ready'), condition('Paused', 'False', 'NotPaused')],
    workers: { desiredReplicas: 4, replicas: 4, readyReplicas: 3, availableReplicas: 3, upToDateReplicas: 4 },
  });
  await create(IN_MEMORY_CLUSTERS, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryCluster', metadata: { name: 'demo', namespace: ns }, spec: {} }, {
    initialization: { provisioned: true }, conditions: [condition('Ready', 'True', 'Ready')],
  });
  const template = { spec: { clusterName: 'demo', version: 'v1.33.0', bootstrap: { dataSecretName: 'demo-bootstrap-data' }, infrastructureRef: infraRef('InMemoryMachineTemplate', 'demo-md-0') } };
  const md = await create(MACHINE_DEPLOYMENTS, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment', metadata: { name: 'demo-md-0', namespace: ns },
    spec: { clusterName: 'demo', replicas: 4, selector: { matchLabels: { pool: 'md-0' } }, template: { metadata: { labels: { pool: 'md-0' } }, ...template } },
  }, { replicas: 4, readyReplicas: 3, availableReplicas: 3, upToDateReplicas: 4, conditions: [condition('Available', 'True', 'Available')] });
  const ms = await create(MACHINE_SETS, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', metadata: { name: 'demo-md-0-abc', namespace: ns, ownerReferences: owner(md) },
    spec: { clusterName: 'demo', replicas: 4, selector: { matchLabels: { pool: 'md-0' } }, template: { metadata: { labels: { pool: 'md-0' } }, ...template } },
  }, { replicas: 4, readyReplicas: 3, availableReplicas: 3, upToDateReplicas: 4 });
  for (const name of ['demo-md-0-abc-a', 'demo-md-0-abc-b', 'demo-md-0-abc-c', 'demo-md-0-abc-d']) {
    const pending = name.endsWith('-d');
    const machine = await create(MACHINES, {
      apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name, namespace: ns, ownerReferences: owner(ms), labels: { pool: 'md-0' } },
      spec: { ...template.spec, infrastructureRef: infraRef('InMemoryMachine', name) },
    }, {
      phase: pending ? 'Provisioning' : 'Running',
      conditions: pending
        ? [condition('Available', 'False', 'NotReady'), condition('Ready', 'False', 'NotReady', '* InfrastructureReady: waiting for the simulated provisioning delay'), condition('UpToDate', 'True', 'UpToDate')]
        : ready,
    });
    await create(IN_MEMORY_MACHINES, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachine', metadata: { name, namespace: ns, ownerReferences: owner(machine) }, spec: {} }, {
      conditions: [pending ? condition('Ready', 'False', 'WaitingForProvisioningDelay', 'provisioning takes 2s') : condition('Ready', 'True', 'Ready')],
    });
  }
  // A Machine of another cluster never shows.
  await create(MACHINES, { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name: 'stranger', namespace: ns }, spec: { ...template.spec, clusterName: 'other', infrastructureRef: infraRef('InMemoryMachine', 'stranger') } });

  const lines = (await ok(['describe', 'cluster', 'demo', '-n', ns])).trimEnd().split('\n');
  const names = lines.map(nameOf);
  assert.deepEqual(names, [
    'NAME',
    'Cluster tree/demo',
    '├─InMemoryCluster tree/demo',
    '└─Workers',
    '  └─MachineDeployment tree/demo-md-0, v1.33.0',
    '    ├─3 Machines...',
    '    └─Machine tree/demo-md-0-abc-d, v1.33.0',
    '      └─InMemoryMachine tree/demo-md-0-abc-d',
  ]);
  assert.match(lines[0], /^NAME\s+REPLICAS\s+AVAILABLE\s+READY\s+UP TO DATE\s+STATUS\s+REASON\s+SINCE\s+MESSAGE$/);
  // Empty cells vanish from this split: each check below lists the cells a row has.
  const columns = (line: string) => [nameOf(line), ...line.slice(nameOf(line).length).trim().split(/\s{2,}/)];
  assert.deepEqual(columns(lines[1]).slice(1, 7), ['4/4', '3', '3', '4', 'False', 'NotAvailable']);
  assert.match(lines[1], /\* WorkersAvailable: 1 of 4 machines is not ready$/);
  assert.deepEqual(columns(lines[4]).slice(1, 7), ['4/4', '3', '3', '4', 'True', 'Available']);
  assert.deepEqual(columns(lines[5]).slice(1, 6), ['3', '3', '3', 'True', 'Ready']);
  assert.match(lines[5], /See demo-md-0-abc-a, demo-md-0-abc-b, \.\.\.$/);
  assert.deepEqual(columns(lines[6]).slice(1, 7), ['1', '0', '0', '1', 'False', 'NotReady']);
  assert.match(lines[7], /False\s+WaitingForProvisioningDelay\s+\S+\s+provisioning takes 2s$/);

  const ungrouped = (await ok(['describe', 'cluster', 'demo', '-n', ns, '--grouping=false', '--show-conditions', 'Cluster'])).trimEnd().split('\n');
  assert.deepEqual(ungrouped.map(nameOf).filter((n) => n.includes('Machine ') || n.includes('─Available') || n.includes('─Paused')), [
    '│           ├─Available',
    '│           └─Paused',
    '    ├─Machine tree/demo-md-0-abc-a, v1.33.0',
    '    ├─Machine tree/demo-md-0-abc-b, v1.33.0',
    '    ├─Machine tree/demo-md-0-abc-c, v1.33.0',
    '    └─Machine tree/demo-md-0-abc-d, v1.33.0',
    '      └─InMemoryMachine tree/demo-md-0-abc-d',
  ]);

  const notFound = await slipway(['describe', 'cluster', 'nope', '-n', ns]);
  assert.equal(notFound.code, 1);
  assert.equal(notFound.stderr.trimEnd(), 'error: cluster "nope" not found in namespace "tree" (hint: list clusters with `slipway get clusters -A`)');
  const badFilter = await slipway(['describe', 'cluster', 'demo', '-n', ns, '--show-conditions', 'Machine, Cluster']);
  assert.equal(badFilter.code, 2);
  assert.match(badFilter.stderr, /^error: invalid --show-conditions value "Machine, Cluster"/);
  const wrongKind = await slipway(['describe', 'namespace', ns, '--show-conditions', 'all']);
  assert.equal(wrongKind.code, 2);
  assert.match(wrongKind.stderr, /^error: --show-conditions only applies to Cluster API clusters/);
  // Other kinds keep the generic page.
  assert.match(await ok(['describe', 'machinedeployment', 'demo-md-0', '-n', ns]), /^Name:\s+demo-md-0$/m);
});

test('cluster tree printer: control plane, conditions, long messages, deleted objects and echo', () => {
  const now = new Date('2020-01-01T00:10:00Z');
  const object = (kind: string, name: string, extra: Record<string, unknown> = {}, conditions: Condition[] = []): KubeObject =>
    ({ apiVersion: 'x/v1', kind, metadata: { name, namespace: 'ns', uid: `${kind}-${name}` }, spec: {}, status: { conditions }, ...extra });
  const cpMachine = (name: string, ready: Condition['status']) => ({
    ...object('Machine', name, { spec: { version: 'v1.33.0' } }, [condition('Ready', ready, ready === 'True' ? 'Ready' : 'NotReady')]),
    metadata: { name, namespace: 'ns', uid: `m-${name}`, labels: { 'cluster.x-k8s.io/control-plane': '' } },
  });
  const machines = [cpMachine('cp-1', 'True'), cpMachine('cp-2', 'True'), cpMachine('cp-3', 'False')];
  const longMessage = 'word '.repeat(30).trim();
  const objects: ClusterObjects = {
    cluster: object('Cluster', 'c', {}, [condition('Available', 'True', 'Available')]),
    controlPlane: object('EtcdadmControlPlane', 'c-cp', { spec: { replicas: 3, version: 'v1.33.0' }, status: { replicas: 3, readyReplicas: 2, conditions: [condition('Available', 'True', 'Available'), condition('ScalingUp', 'True', 'ScalingUp', longMessage)] } }),
    machineDeployments: [],
    machineSets: [],
    machines: [{ ...machines[2], metadata: { ...machines[2].metadata, deletionTimestamp: '2020-01-01T00:09:00Z' } }, machines[0], machines[1]],
    machineInfrastructure: new Map([['m-cp-3', object('InMemoryMachine', 'cp-3', {}, [condition('Ready', 'False', 'NotReady')])], ['m-cp-1', object('InMemoryMachine', 'cp-1', {}, [condition('Ready', 'True', 'Ready')])]]),
    machineBootstrap: new Map(),
  };
  const text = renderClusterTree(objects, { now });
  assert.equal(text, [
    'NAME                                        REPLICAS  AVAILABLE  READY  UP TO DATE  STATUS  REASON     SINCE  MESSAGE',
    'Cluster ns/c                                                                        True    Available  10m',
    '└─EtcdadmControlPlane ns/c-cp, v1.33.0      3/3                  2                  True    Available  10m',
    '  ├─!! DELETED !! Machine ns/cp-3, v1.33.0  1         0          0      0           False   NotReady   10m',
    '  └─2 Machines...                                     0          2      0           True    Ready      10m    See cp-1, cp-2',
    '',
  ].join('\n'), 'the infrastructure machine that only echoes its Machine\'s state is hidden');

  const echoed = clusterTreeRows(objects, { now, echo: true }).map((r) => r[0]);
  assert.deepEqual(echoed.slice(-3), ['  ├─!! DELETED !! Machine ns/cp-3, v1.33.0', '  │ └─InMemoryMachine ns/cp-3', '  └─2 Machines...']);

  const withConditions = clusterTreeRows(objects, { now, showConditions: 'EtcdadmControlPlane+', grouping: false });
  const cpRow = withConditions.findIndex((r) => r[0].includes('EtcdadmControlPlane'));
  assert.deepEqual(withConditions[cpRow].slice(5), ['', '', '', ''], 'a row listing its conditions shows none in its own columns');
  assert.deepEqual(withConditions.slice(cpRow + 1, cpRow + 4).map((r) => [r[0], r[5], r[8]]), [
    ['  │           ├─Available', 'True', ''],
    ['  │           └─ScalingUp', 'True', longMessage.slice(0, 99)],
    ['  │           ', '', longMessage.slice(100)],
  ], 'non-zero conditions only ("+"), long messages wrapped at 100 characters under their branch');
});

test('slipway up\'s CRDs are those `slipway crds` prints, and the file is valid input for kubectl', async () => {
  const file = path.join(dir, 'crds.yaml');
  await writeFile(file, await ok(['crds']));
  const text = await readFile(file, 'utf8');
  assert.equal(text.split('\n---\n').length, builtinCRDs.length);
  assert.match(await ok(['apply', '-f', file]), /customresourcedefinition.apiextensions.k8s.io\/clusters.cluster.x-k8s.io serverside-applied/);
});
