// The real kubectl (1.32) against the API server: the everyday commands, including the ones that
// send protobuf (create namespace/configmap/secret) and use aggregated discovery and OpenAPI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server.ts';

const run = promisify(execFile);
let server: TestServer;
const ns = 'kubectl-smoke';

async function kubectl(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('kubectl', ['--kubeconfig', server.kubeconfigPath, ...args], { timeout: 60_000 });
    return stdout;
  } catch (error: any) {
    assert.fail(`kubectl ${args.join(' ')} failed: ${error.stderr || error.message}`);
  }
}

async function manifest(name: string, text: string): Promise<string> {
  const file = path.join(path.dirname(server.kubeconfigPath), name);
  await writeFile(file, text);
  return file;
}

before(async () => {
  server = await startTestServer();
});

after(async () => server?.stop());

test('create (protobuf bodies), get, label, patch, delete', async () => {
  assert.match(await kubectl('create', 'namespace', ns), /namespace\/kubectl-smoke created/);
  assert.match(await kubectl('create', 'configmap', 'cfg', '-n', ns, '--from-literal=a=1', '--from-literal=b=2'), /created/);
  assert.match(await kubectl('create', 'secret', 'generic', 'sec', '-n', ns, '--from-literal=password=s3cret'), /created/);
  assert.match(await kubectl('get', 'cm', 'cfg', '-n', ns), /^cfg\s+2\s+\d+s$/m);
  const secret = JSON.parse(await kubectl('get', 'secret', 'sec', '-n', ns, '-o', 'json'));
  assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
  await kubectl('label', 'cm', 'cfg', '-n', ns, 'team=blue');
  await kubectl('patch', 'cm', 'cfg', '-n', ns, '-p', '{"data":{"c":"3"}}');
  assert.match(await kubectl('get', 'cm', '-n', ns, '-l', 'team=blue', '-o', 'name'), /^configmap\/cfg$/m);
  assert.match(await kubectl('get', 'cm', 'cfg', '-n', ns, '-o', 'jsonpath={.data.c}'), /^3$/);
  assert.match(await kubectl('delete', 'cm', 'cfg', '-n', ns), /deleted/);
  assert.match(await kubectl('get', 'cm', '-n', ns, '--ignore-not-found', '-o', 'name'), /^(?!configmap\/cfg)/);
});

test('apply a CRD and a custom resource, get with printer columns, scale, explain', async () => {
  const crd = await manifest('crd.yaml', `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rafts.smoke.slipway.dev}
spec:
  group: smoke.slipway.dev
  scope: Namespaced
  names: {plural: rafts, singular: raft, kind: Raft, shortNames: [rf]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.logs, statusReplicasPath: .status.logs}
    additionalPrinterColumns:
    - {name: Logs, type: integer, jsonPath: .spec.logs}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the raft is made of.
            properties:
              logs: {type: integer, default: 4, description: Number of logs.}
          status:
            type: object
            properties:
              logs: {type: integer}
`);
  assert.match(await kubectl('apply', '-f', crd), /created/);
  await kubectl('wait', '--for=condition=Established', 'crd/rafts.smoke.slipway.dev', '--timeout=20s');
  const raft = await manifest('raft.yaml', `apiVersion: smoke.slipway.dev/v1\nkind: Raft\nmetadata: {name: kon-tiki, namespace: ${ns}}\nspec: {}\n`);
  assert.match(await kubectl('apply', '-f', raft), /raft.smoke.slipway.dev\/kon-tiki created/);
  assert.match(await kubectl('apply', '-f', raft), /unchanged/);
  assert.match(await kubectl('get', 'rf', '-n', ns), /^NAME\s+LOGS\s*\nkon-tiki\s+4\s*$/m);
  assert.match(await kubectl('scale', 'raft', 'kon-tiki', '-n', ns, '--replicas=9'), /scaled/);
  assert.match(await kubectl('get', 'raft', 'kon-tiki', '-n', ns, '-o', 'jsonpath={.spec.logs}'), /^9$/);
  assert.match(await kubectl('explain', 'rafts.spec'), /What the raft is made of/);
  assert.match(await kubectl('api-resources', '--api-group=smoke.slipway.dev'), /rafts\s+rf\s+smoke.slipway.dev\/v1\s+true\s+Raft/);
  assert.match(await kubectl('delete', '-f', raft), /deleted/);
});

test('server-side apply and dry runs', async () => {
  const cm = await manifest('ssa.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: ${ns}}\ndata: {k: v}\n`);
  assert.match(await kubectl('apply', '--server-side', '-f', cm), /serverside-applied/);
  assert.match(await kubectl('apply', '--dry-run=server', '-f', await manifest('dry.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dry, namespace: ${ns}}\n`)), /created \(server dry run\)/);
  assert.equal((await kubectl('get', 'cm', '-n', ns, '-o', 'name')).includes('configmap/dry'), false);
});
