// The OpenAPI documents' shape, then the real kubectl reading them: explain, server-side field
// validation detection, and strategic merge patches computed from the published patch strategies.
// kubectl talks to a small loopback server that serves discovery and these documents only.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { componentName, openApiV3Document, openApiV3Index } from '../../src/apiserver/openapi.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';
import { resourceTypesFromCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import type { ResourceType } from '../../src/api/resource.ts';
import { widgetCRD } from './fixtures.ts';

const types: ResourceType[] = [...builtinResourceTypes, ...resourceTypesFromCRD(widgetCRD())];
const core = openApiV3Document(types, '', 'v1') as any;
const widgets = openApiV3Document(types, 'test.slipway.dev', 'v1') as any;

test('component names follow Kubernetes: Go packages for built-ins, reversed groups otherwise', () => {
  assert.equal(componentName('', 'v1', 'ConfigMap'), 'io.k8s.api.core.v1.ConfigMap');
  assert.equal(componentName('cluster.x-k8s.io', 'v1beta2', 'Machine'), 'io.x-k8s.cluster.v1beta2.Machine');
  assert.equal(componentName('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'), 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition');
  const names = Object.keys(core.components.schemas);
  for (const name of ['io.k8s.api.core.v1.ConfigMap', 'io.k8s.api.core.v1.ConfigMapList', 'io.k8s.api.core.v1.Namespace', 'io.k8s.api.core.v1.Secret', 'io.k8s.api.core.v1.Event', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference', 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status']) {
    assert.ok(names.includes(name), name);
  }
  assert.ok(!names.some((n) => n.includes('Lease') || n.includes('Widget')), 'only the requested group/version');
  assert.ok(Object.keys(widgets.components.schemas).includes('dev.slipway.test.v1.Widget'));
  assert.ok(Object.keys(widgets.components.schemas).includes('io.k8s.api.autoscaling.v1.Scale'));
});

test('kinds carry x-kubernetes-group-version-kind and refer to ObjectMeta', () => {
  const cm = core.components.schemas['io.k8s.api.core.v1.ConfigMap'];
  assert.deepEqual(cm['x-kubernetes-group-version-kind'], [{ group: '', kind: 'ConfigMap', version: 'v1' }]);
  assert.deepEqual(cm.properties.metadata.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }]);
  assert.deepEqual(core.components.schemas['io.k8s.api.core.v1.ConfigMapList']['x-kubernetes-group-version-kind'], [{ group: '', kind: 'ConfigMapList', version: 'v1' }]);
  const meta = core.components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'];
  assert.equal(meta.properties.ownerReferences['x-kubernetes-patch-merge-key'], 'uid');
  assert.equal(meta.properties.ownerReferences['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(meta.properties.finalizers['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(meta.properties.ownerReferences.items.allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference' }]);
  const widget = widgets.components.schemas['dev.slipway.test.v1.Widget'];
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [{ group: 'test.slipway.dev', kind: 'Widget', version: 'v1' }]);
  assert.equal(widget.properties.spec.properties.replicas.default, 1);
});

test('paths: every verb with its GVK; writes take fieldValidation; only built-ins take strategic merge patch', () => {
  const item = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
  assert.deepEqual(Object.keys(item).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
  assert.deepEqual(item.patch['x-kubernetes-group-version-kind'], { group: '', kind: 'ConfigMap', version: 'v1' });
  const query = (op: any) => op.parameters.filter((p: any) => p.in === 'query').map((p: any) => p.name);
  for (const op of [item.put, item.patch, core.paths['/api/v1/namespaces/{namespace}/configmaps'].post]) assert.ok(query(op).includes('fieldValidation'));
  assert.ok(query(item.patch).includes('force'));
  assert.ok('application/strategic-merge-patch+json' in item.patch.requestBody.content);
  assert.ok(core.paths['/api/v1/configmaps'].get, 'list across namespaces');
  assert.ok(core.paths['/api/v1/namespaces/{name}/status'].patch, 'cluster-scoped kind with status');
  assert.equal(core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}/status'], undefined);

  const widgetItem = widgets.paths['/apis/test.slipway.dev/v1/namespaces/{namespace}/widgets/{name}'];
  assert.ok(!('application/strategic-merge-patch+json' in widgetItem.patch.requestBody.content));
  assert.ok(query(widgets.paths['/apis/test.slipway.dev/v1/namespaces/{namespace}/widgets/{name}/status'].patch).includes('fieldValidation'));
  const scale = widgets.paths['/apis/test.slipway.dev/v1/namespaces/{namespace}/widgets/{name}/scale'];
  assert.deepEqual(scale.put['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.equal(widgetItem.get.operationId, 'readTestSlipwayDevV1NamespacedWidget');
  assert.equal(item.get.operationId, 'readCoreV1NamespacedConfigMap');
});

test('the index points at each group/version document with its hash', () => {
  assert.deepEqual(openApiV3Index([{ group: '', version: 'v1' }, { group: 'cluster.x-k8s.io', version: 'v1beta2' }], (gv) => `H${gv.version}`), {
    paths: {
      'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=Hv1' },
      'apis/cluster.x-k8s.io/v1beta2': { serverRelativeURL: '/openapi/v3/apis/cluster.x-k8s.io/v1beta2?hash=Hv1beta2' },
    },
  });
});

// --- the real kubectl against these documents ---

interface Recorded { method: string; url: string; contentType?: string; body: string }
let server: Server;
let dir: string;
let kubeconfig: string;
const requests: Recorded[] = [];
/** What GET of a single object returns (kubectl apply reads the live object first). */
const liveObjects = new Map<string, unknown>();

const groupVersions = [...new Map(types.map((t) => [`${t.group}/${t.version}`, { group: t.group, version: t.version }])).values()];
const documents = new Map(groupVersions.map((gv) => [gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`, JSON.stringify(openApiV3Document(types, gv.group, gv.version))]));
const hash = (key: string) => createHash('sha512').update(documents.get(key)!).digest('hex').toUpperCase();

function resourceList(group: string, version: string) {
  return {
    kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? version : `${group}/${version}`,
    resources: types.filter((t) => t.group === group && t.version === version).map((t) => ({
      name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, shortNames: t.shortNames, categories: t.categories,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    })),
  };
}

function respond(method: string, url: URL, body: string): { status: number; body: unknown } {
  const p = url.pathname;
  if (p === '/api') return { status: 200, body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] } };
  if (p === '/apis') {
    const groups = [...new Set(groupVersions.filter((gv) => gv.group !== '').map((gv) => gv.group))].map((name) => {
      const versions = groupVersions.filter((gv) => gv.group === name).map((gv) => ({ groupVersion: `${name}/${gv.version}`, version: gv.version }));
      return { name, versions, preferredVersion: versions[0] };
    });
    return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups } };
  }
  if (p === '/openapi/v3') return { status: 200, body: openApiV3Index(groupVersions, (gv) => hash(gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`)) };
  if (p.startsWith('/openapi/v3/') && documents.has(p.slice('/openapi/v3/'.length))) return { status: 200, body: JSON.parse(documents.get(p.slice('/openapi/v3/'.length))!) };
  const gv = p.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
  if (gv) return { status: 200, body: resourceList(gv[2] ?? '', gv[1] ?? gv[3]) };
  if (method === 'GET' && liveObjects.has(p)) return { status: 200, body: liveObjects.get(p) };
  if (method === 'POST' || method === 'PATCH') return { status: method === 'POST' ? 201 : 200, body: method === 'POST' ? JSON.parse(body) : liveObjects.get(p) };
  return { status: 404, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${p} not found` } };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-openapi-'));
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
      const answer = respond(req.method!, new URL(req.url!, 'http://127.0.0.1'), body);
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: t, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: t, user: {}}]\ncontexts: [{name: t, context: {cluster: t, user: t, namespace: default}}]\ncurrent-context: t\n`);
});

after(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = promisify(execFile);
async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args], { timeout: 60_000 });
}

test('kubectl explain reads built-in kinds, map fields, $ref fields and custom kinds', async () => {
  const configmaps = (await kubectl('explain', 'configmaps')).stdout;
  assert.match(configmaps, /^KIND:\s+ConfigMap$/m);
  assert.match(configmaps, /^VERSION:\s+v1$/m);
  assert.match(configmaps, /ConfigMap holds configuration data/);
  assert.match(configmaps, /^\s+data\s+<map\[string\]string>/m);
  assert.match(configmaps, /^\s+metadata\s+<ObjectMeta>/m);
  assert.match((await kubectl('explain', 'configmaps.data')).stdout, /^FIELD: data <map\[string\]string>/m);
  const owners = (await kubectl('explain', 'cm.metadata.ownerReferences')).stdout;
  assert.match(owners, /^FIELD: ownerReferences <\[\]OwnerReference>/m);
  assert.match(owners, /^\s+uid\s+<string> -required-/m);
  assert.match((await kubectl('explain', 'namespaces.status.phase')).stdout, /ENUM:\s+Active\s+Terminating/);
  const spec = (await kubectl('explain', 'widgets.spec')).stdout;
  assert.match(spec, /^GROUP:\s+test\.slipway\.dev$/m);
  assert.match(spec, /Desired state of the widget/);
  assert.match(spec, /^\s+size\s+<integer> -required-/m);
  assert.match(spec, /^\s+ports\s+<\[\]Object>/m);
  assert.match((await kubectl('explain', 'wd.spec.ports.port')).stdout, /^FIELD: port <integer>/m);
  assert.match((await kubectl('explain', 'crd.spec.versions.schema')).stdout, /openAPIV3Schema\s+<Object>/);
});

test('kubectl sees server-side field validation and sends fieldValidation=Strict', async () => {
  const manifest = path.join(dir, 'objects.yaml');
  await writeFile(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, namespace: default}\ndata: {a: b}\n---\napiVersion: test.slipway.dev/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 1}\n');
  requests.length = 0;
  await kubectl('create', '--validate=strict', '-f', manifest);
  const posts = requests.filter((r) => r.method === 'POST').map((r) => r.url);
  assert.deepEqual(posts, ['/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create&fieldValidation=Strict', '/apis/test.slipway.dev/v1/namespaces/default/widgets?fieldManager=kubectl-create&fieldValidation=Strict']);
  assert.ok(!requests.some((r) => r.url.startsWith('/openapi/v2')), 'no fallback to client-side validation');
});

test('kubectl apply computes a strategic merge patch from the published patch strategies', async () => {
  const lastApplied = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2', namespace: 'default', finalizers: ['example.com/a', 'example.com/b'] }, data: { a: 'b' } };
  liveObjects.set('/api/v1/namespaces/default/configmaps/c2', {
    ...lastApplied,
    metadata: { ...lastApplied.metadata, uid: 'u', resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(lastApplied) } },
  });
  const manifest = path.join(dir, 'c2.yaml');
  await writeFile(manifest, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, namespace: default, finalizers: [example.com/a]}\ndata: {a: c}\n');
  requests.length = 0;
  const { stderr } = await kubectl('apply', '-f', manifest, '-v=5');
  assert.doesNotMatch(stderr, /error calculating patch from openapi v3|OpenAPI V3 path does not/);
  const patch = requests.find((r) => r.method === 'PATCH');
  assert.ok(patch, 'kubectl sent a patch');
  assert.equal(patch.contentType, 'application/strategic-merge-patch+json');
  const body = JSON.parse(patch.body);
  assert.deepEqual(body.metadata['$deleteFromPrimitiveList/finalizers'], ['example.com/b'], 'finalizers merge as a set, per the published patch strategy');
  assert.deepEqual(body.data, { a: 'c' });
  assert.ok(!requests.some((r) => r.url.startsWith('/openapi/v2')), 'the v3 document sufficed');
});
