// PATCH in every patch type, server-side apply with ownership and conflicts, and managedFields
// recorded on ordinary writes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { api, type Api } from './support/api.ts';

let server: TestServer;
let c: Api;
const ns = 'patching';
const cms = `/api/v1/namespaces/${ns}/configmaps`;
const things = `/apis/patch.slipway.dev/v1/namespaces/${ns}/things`;
const type = (t: string) => ({ 'content-type': t });
const merge = type('application/merge-patch+json');
const jsonPatch = type('application/json-patch+json');
const strategic = type('application/strategic-merge-patch+json');
const applyYaml = type('application/apply-patch+yaml');

before(async () => {
  server = await startTestServer();
  c = api({ url: server.url, caCert: server.caCert, token: server.token });
  await c.call('POST', '/api/v1/namespaces', 201, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 201, {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.patch.slipway.dev' },
    spec: {
      group: 'patch.slipway.dev', scope: 'Namespaced', names: { plural: 'things', singular: 'thing', kind: 'Thing' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } } } } } } } }],
    },
  });
});

after(async () => server?.stop());

test('merge, JSON and strategic merge patches', async () => {
  await c.call('POST', cms, 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p', labels: { a: '1' } }, data: { x: '1', y: '2' } });
  const merged = await c.call('PATCH', `${cms}/p`, 200, { data: { x: null, z: '3' } }, merge);
  assert.deepEqual(merged.data, { y: '2', z: '3' });
  const patched = await c.call('PATCH', `${cms}/p`, 200, [{ op: 'add', path: '/metadata/labels/b', value: '2' }, { op: 'replace', path: '/data/y', value: 'two' }], jsonPatch);
  assert.deepEqual(patched.metadata.labels, { a: '1', b: '2' });
  assert.equal(patched.data.y, 'two');
  const smp = await c.call('PATCH', `${cms}/p`, 200, { metadata: { finalizers: ['x.slipway.dev/f'] }, data: { w: '4' } }, strategic);
  assert.deepEqual(smp.data, { y: 'two', z: '3', w: '4' });
  assert.deepEqual(smp.metadata.finalizers, ['x.slipway.dev/f']);
  await c.call('PATCH', `${cms}/p`, 200, { metadata: { finalizers: null } }, merge);
  const failedTest = await c.raw('PATCH', `${cms}/p`, [{ op: 'test', path: '/data/y', value: 'nope' }], jsonPatch);
  assert.equal(failedTest.status, 422);
  const stale = await c.raw('PATCH', `${cms}/p`, { metadata: { resourceVersion: '1' }, data: { q: '1' } }, merge);
  assert.equal(stale.status, 409);
});

test('strategic merge patch is 415 for custom resources; merge patch works', async () => {
  await c.call('POST', things, 201, { apiVersion: 'patch.slipway.dev/v1', kind: 'Thing', metadata: { name: 't' }, spec: { size: 1 } });
  const res = await c.raw('PATCH', `${things}/t`, { spec: { size: 2 } }, strategic);
  assert.equal(res.status, 415);
  assert.equal(res.json().reason, 'UnsupportedMediaType');
  const ok = await c.call('PATCH', `${things}/t`, 200, { spec: { size: 2 } }, merge);
  assert.equal(ok.spec.size, 2);
});

test('unknown fields: Warn (default) prunes with a Warning header, Strict rejects, Ignore is silent', async () => {
  const warned = await c.raw('PATCH', `${things}/t`, { spec: { shape: 'round' } }, merge);
  assert.equal(warned.status, 200);
  assert.match(String(warned.headers.warning), /299 - "unknown field \\"spec.shape\\""/);
  assert.equal(warned.json().spec.shape, undefined);
  const strict = await c.raw('PATCH', `${things}/t?fieldValidation=Strict`, { spec: { shape: 'round' } }, merge);
  assert.equal(strict.status, 400);
  assert.match(strict.json().message, /unknown field "spec.shape"/);
  const ignored = await c.raw('PATCH', `${things}/t?fieldValidation=Ignore`, { spec: { shape: 'round' } }, merge);
  assert.equal(ignored.status, 200);
  assert.equal(ignored.headers.warning, undefined);
});

test('server-side apply creates, owns fields, conflicts with other managers, and force takes over', async () => {
  const manifest = (owner: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  owner: ${owner}\n`;
  const created = await c.raw('PATCH', `${cms}/ssa?fieldManager=alice`, manifest('alice'), applyYaml);
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json().metadata.managedFields.map((m: any) => [m.manager, m.operation]), [['alice', 'Apply']]);
  const conflict = await c.raw('PATCH', `${cms}/ssa?fieldManager=bob`, manifest('bob'), applyYaml);
  assert.equal(conflict.status, 409);
  const status = conflict.json();
  assert.equal(status.reason, 'Conflict');
  assert.deepEqual(status.details.causes.map((x: any) => [x.reason, x.field]), [['FieldManagerConflict', '.data.owner']]);
  const forced = await c.call('PATCH', `${cms}/ssa?fieldManager=bob&force=true`, 200, manifest('bob'), applyYaml);
  assert.equal(forced.data.owner, 'bob');
  assert.deepEqual(forced.metadata.managedFields.map((m: any) => m.manager), ['bob']);
  // Re-applying the same configuration changes nothing.
  const again = await c.call('PATCH', `${cms}/ssa?fieldManager=bob`, 200, manifest('bob'), applyYaml);
  assert.equal(again.metadata.resourceVersion, forced.metadata.resourceVersion);
  const noManager = await c.raw('PATCH', `${cms}/ssa`, manifest('x'), applyYaml);
  assert.equal(noManager.status, 422);
});

test('ordinary writes record an Update managedFields entry for the fieldManager or the User-Agent', async () => {
  const created = await c.call('POST', `${cms}?fieldManager=creator`, 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mf' }, data: { a: '1' } });
  assert.deepEqual(created.metadata.managedFields.map((m: any) => [m.manager, m.operation, Object.keys(m.fieldsV1).sort()]), [['creator', 'Update', ['f:data']]]);
  const patched = await c.call('PATCH', `${cms}/mf`, 200, { data: { b: '2' } }, { ...merge, 'user-agent': 'my-controller/v1.2 (linux)' });
  assert.ok(patched.metadata.managedFields.some((m: any) => m.manager === 'my-controller' && m.fieldsV1['f:data']['f:b']));
});
