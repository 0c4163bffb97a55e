// The real kubectl against a running Slipway API server: what platform engineers type every day.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { startTestServer } from '../support/server.ts';

const run = promisify(execFile);
let kubeconfig: string;
let stop: () => Promise<void>;
let dir: string;
const ns = 'kubectl-e2e';

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 });
  return stdout;
}

async function kubectlFails(...args: string[]): Promise<string> {
  try {
    await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 });
  } catch (error: any) {
    return String(error.stderr);
  }
  assert.fail(`kubectl ${args.join(' ')} should have failed`);
}

async function file(name: string, content: string): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, content);
  return p;
}

const gizmoCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gizmos.e2e.slipway.dev
spec:
  group: e2e.slipway.dev
  scope: Namespaced
  names: {plural: gizmos, singular: gizmo, kind: Gizmo, listKind: GizmoList, shortNames: [gz]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
    additionalPrinterColumns:
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    - {name: Colour, type: string, jsonPath: .spec.colour, description: The gizmo's colour}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        description: A Gizmo is a test kind with replicas.
        properties:
          spec:
            type: object
            description: Desired state of the gizmo.
            properties:
              replicas: {type: integer, minimum: 0, default: 1, description: How many copies.}
              colour: {type: string, description: Paint colour.}
          status:
            type: object
            properties:
              replicas: {type: integer}
              selector: {type: string}
`;

before(async () => {
  const server = await startTestServer();
  kubeconfig = server.kubeconfigPath;
  stop = server.stop;
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-kubectl-'));
  await kubectl('create', 'namespace', ns);
});

after(async () => {
  await stop?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('client-side apply, then get as a table and as YAML', async () => {
  const manifest = await file('cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\n  labels: {tier: web}\ndata:\n  colour: blue\n`);
  assert.match(await kubectl('apply', '-f', manifest), /configmap\/settings created/);
  assert.match(await kubectl('apply', '-f', manifest), /configmap\/settings unchanged/);
  const changed = await file('cm2.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  colour: green\n`);
  assert.match(await kubectl('apply', '-f', changed), /configmap\/settings configured/);
  const table = await kubectl('get', 'configmaps', '-n', ns);
  assert.match(table, /^NAME\s+DATA\s+AGE/m);
  assert.match(table, /^settings\s+1\s+\d+s/m);
  const obj = parse(await kubectl('get', 'configmap', 'settings', '-n', ns, '-o', 'yaml'));
  assert.equal(obj.data.colour, 'green');
  assert.equal(obj.metadata.labels, undefined, 'label removed by the three-way merge of client-side apply');
  assert.ok(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
});

test('server-side apply with conflicts and force', async () => {
  const manifest = await file('ssa.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: ${ns}\ndata:\n  owner: alice\n`);
  assert.match(await kubectl('apply', '--server-side', '--field-manager', 'alice', '-f', manifest), /serverside-applied/);
  const bob = await file('ssa-bob.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: ${ns}\ndata:\n  owner: bob\n`);
  assert.match(await kubectlFails('apply', '--server-side', '--field-manager', 'bob', '-f', bob), /conflict/i);
  await kubectl('apply', '--server-side', '--field-manager', 'bob', '--force-conflicts', '-f', bob);
  const obj = JSON.parse(await kubectl('get', 'configmap', 'shared', '-n', ns, '-o', 'json', '--show-managed-fields'));
  assert.equal(obj.data.owner, 'bob');
  assert.ok(obj.metadata.managedFields.some((m: any) => m.manager === 'bob' && m.operation === 'Apply'));
});

test('CRD create, then the new kind is usable at once, with printer columns and explain', async () => {
  await kubectl('apply', '-f', await file('crd.yaml', gizmoCRD));
  await kubectl('wait', '--for=condition=Established', 'crd/gizmos.e2e.slipway.dev', '--timeout=30s');
  const gizmo = await file('gizmo.yaml', `apiVersion: e2e.slipway.dev/v1\nkind: Gizmo\nmetadata:\n  name: g1\n  namespace: ${ns}\nspec:\n  colour: red\n`);
  assert.match(await kubectl('apply', '-f', gizmo), /gizmo.e2e.slipway.dev\/g1 created/);
  const table = await kubectl('get', 'gz', '-n', ns);
  assert.match(table, /^NAME\s+REPLICAS\s+COLOUR\s+AGE/m);
  assert.match(table, /^g1\s+1\s+red\s+/m, 'default replicas applied and printed');
  const explained = await kubectl('explain', 'gizmos.spec');
  assert.match(explained, /Desired state of the gizmo/);
  assert.match(explained, /replicas\s+<integer>/);
  assert.match(await kubectl('explain', 'configmaps'), /ConfigMap/);
});

test('patch (merge and JSON), label, and scale through the scale subresource', async () => {
  await kubectl('patch', 'configmap', 'settings', '-n', ns, '--type', 'merge', '-p', '{"data":{"size":"L"}}');
  await kubectl('patch', 'configmap', 'settings', '-n', ns, '--type', 'json', '-p', '[{"op":"replace","path":"/data/colour","value":"purple"}]');
  await kubectl('label', 'configmap', 'settings', '-n', ns, 'env=prod');
  const cm = JSON.parse(await kubectl('get', 'configmap', 'settings', '-n', ns, '-o', 'json'));
  assert.deepEqual({ size: cm.data.size, colour: cm.data.colour, env: cm.metadata.labels.env }, { size: 'L', colour: 'purple', env: 'prod' });
  assert.match(await kubectl('get', 'configmaps', '-n', ns, '-l', 'env=prod', '-o', 'name'), /^configmap\/settings$/m);

  assert.match(await kubectl('scale', 'gizmo', 'g1', '-n', ns, '--replicas=4'), /scaled/);
  const g = JSON.parse(await kubectl('get', 'gizmo', 'g1', '-n', ns, '-o', 'json'));
  assert.equal(g.spec.replicas, 4);
  assert.equal(g.metadata.generation, 2, 'spec change bumps generation');
});

test('get -w streams changes as table rows', async () => {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'get', 'configmaps', '-n', ns, '-w', '--output-watch-events']);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  try {
    const deadline = Date.now() + 20_000;
    while (!/settings/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await kubectl('create', 'configmap', 'watched', '-n', ns, '--from-literal=k=v');
    await kubectl('delete', 'configmap', 'watched', '-n', ns);
    while (!/DELETED\s+watched/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /ADDED\s+settings/);
    assert.match(out, /ADDED\s+watched/);
    assert.match(out, /DELETED\s+watched/);
  } finally {
    child.kill();
  }
});

test('describe shows the object and its events', async () => {
  const out = await kubectl('describe', 'gizmo', 'g1', '-n', ns);
  assert.match(out, /Name:\s+g1/);
  assert.match(out, /Namespace:\s+kubectl-e2e/);
  assert.match(out, /Colour:\s+red/);
  const cmOut = await kubectl('describe', 'configmap', 'settings', '-n', ns);
  assert.match(cmOut, /purple/);
});

test('delete --wait waits for finalizers to be removed', async () => {
  await kubectl('apply', '-f', await file('fin.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: guarded\n  namespace: ${ns}\n  finalizers: [e2e.slipway.dev/guard]\n`));
  await kubectl('delete', 'configmap', 'guarded', '-n', ns, '--wait=false');
  const pending = JSON.parse(await kubectl('get', 'configmap', 'guarded', '-n', ns, '-o', 'json'));
  assert.ok(pending.metadata.deletionTimestamp, 'deletionTimestamp set while finalizers remain');
  const waiting = run('kubectl', ['--kubeconfig', kubeconfig, 'delete', 'configmap', 'guarded', '-n', ns, '--wait=true', '--timeout=30s'], { timeout: 60_000 });
  await new Promise((r) => setTimeout(r, 1000));
  await kubectl('patch', 'configmap', 'guarded', '-n', ns, '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]');
  await waiting;
  assert.match(await kubectlFails('get', 'configmap', 'guarded', '-n', ns), /NotFound|not found/);
});

test('multi-document apply and discovery-driven commands', async () => {
  const docs = `apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: ${ns}}\nstringData: {password: hunter2}\n---\napiVersion: coordination.k8s.io/v1\nkind: Lease\nmetadata: {name: lock, namespace: ${ns}}\nspec: {holderIdentity: me, leaseDurationSeconds: 15}\n`;
  const out = await kubectl('apply', '-f', await file('multi.yaml', docs));
  assert.match(out, /secret\/creds created/);
  assert.match(out, /lease.coordination.k8s.io\/lock created/);
  const secret = JSON.parse(await kubectl('get', 'secret', 'creds', '-n', ns, '-o', 'json'));
  assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 'hunter2');
  const resources = await kubectl('api-resources');
  for (const kind of ['ConfigMap', 'Namespace', 'Lease', 'CustomResourceDefinition', 'Gizmo']) assert.match(resources, new RegExp(`\\b${kind}\\b`));
  assert.match(await kubectl('version', '-o', 'json'), /serverVersion/);
});
