// Create, read, update and delete through the API server: server-set metadata, optimistic
// concurrency, generation, status and scale subresources, dry runs, finalizers, namespaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { api, names, type Api } from './support/api.ts';

let server: TestServer;
let c: Api;
const ns = 'crud';
const cms = `/api/v1/namespaces/${ns}/configmaps`;
const widgets = `/apis/crud.slipway.dev/v1/namespaces/${ns}/widgets`;
const cm = (name: string, data: Record<string, string> = { a: '1' }, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data });

const widgetCRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.crud.slipway.dev' },
  spec: {
    group: 'crud.slipway.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', properties: { replicas: { type: 'integer', minimum: 0, default: 1 }, colour: { type: 'string' } } },
        status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, ready: { type: 'boolean' } } },
      } } },
    }],
  },
};

before(async () => {
  server = await startTestServer();
  c = api({ url: server.url, caCert: server.caCert, token: server.token });
  await c.call('POST', '/api/v1/namespaces', 201, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 201, widgetCRD);
});

after(async () => server?.stop());

test('default and kube-system namespaces exist, and a new namespace is Active with the kubernetes finalizer', async () => {
  const list = await c.call('GET', '/api/v1/namespaces', 200);
  for (const n of ['default', 'kube-system', ns]) assert.ok(names(list).includes(n), n);
  const created = await c.call('GET', `/api/v1/namespaces/${ns}`, 200);
  assert.equal(created.status.phase, 'Active');
  assert.deepEqual(created.spec.finalizers, ['kubernetes']);
});

test('create sets uid, creationTimestamp, generation and resourceVersion; get returns the same object', async () => {
  const created = await c.call('POST', cms, 201, cm('one'));
  assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(created.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(created.metadata.generation, 1);
  assert.match(created.metadata.resourceVersion, /^\d+$/);
  assert.equal(created.metadata.namespace, ns);
  const got = await c.call('GET', `${cms}/one`, 200);
  assert.deepEqual(got, created);
  const again = await c.raw('POST', cms, cm('one'));
  assert.equal(again.status, 409);
  assert.equal(again.json().reason, 'AlreadyExists');
});

test('generateName gets a random suffix', async () => {
  const created = await c.call('POST', cms, 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.match(created.metadata.name, /^gen-[a-z0-9]{5}$/);
});

test('creating in a missing namespace is 404 naming the namespace', async () => {
  const res = await c.raw('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
  assert.equal(res.status, 404);
  assert.equal(res.json().message, 'namespaces "nowhere" not found');
});

test('update with the current resourceVersion succeeds, with a stale one is a 409 Conflict', async () => {
  const created = await c.call('POST', cms, 201, cm('upd'));
  const updated = await c.call('PUT', `${cms}/upd`, 200, { ...created, data: { a: '2' } });
  assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  assert.equal(updated.metadata.uid, created.metadata.uid);
  const stale = await c.raw('PUT', `${cms}/upd`, { ...created, data: { a: '3' } });
  assert.equal(stale.status, 409);
  assert.equal(stale.json().reason, 'Conflict');
  assert.match(stale.json().message, /the object has been modified; please apply your changes to the latest version and try again/);
  // Without a resourceVersion the update is unconditional.
  const { resourceVersion: _, ...meta } = updated.metadata;
  await c.call('PUT', `${cms}/upd`, 200, { ...updated, metadata: meta, data: { a: '4' } });
  // An update that changes nothing does not write.
  const current = await c.call('GET', `${cms}/upd`, 200);
  const same = await c.call('PUT', `${cms}/upd`, 200, current);
  assert.equal(same.metadata.resourceVersion, current.metadata.resourceVersion);
});

test('generation bumps on spec changes only; status goes through /status only', async () => {
  const w = await c.call('POST', widgets, 201, { apiVersion: 'crud.slipway.dev/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { colour: 'red' }, status: { ready: true } });
  assert.equal(w.spec.replicas, 1, 'defaulted');
  assert.equal(w.status, undefined, 'status is not set on create');
  const labelled = await c.call('PATCH', `${widgets}/w1`, 200, { metadata: { labels: { a: 'b' } } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(labelled.metadata.generation, 1, 'metadata change keeps generation');
  const ignored = await c.call('PATCH', `${widgets}/w1`, 200, { status: { ready: true } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(ignored.status, undefined, 'the main endpoint ignores status');
  const withStatus = await c.call('PUT', `${widgets}/w1/status`, 200, { ...ignored, spec: { colour: 'blue' }, status: { ready: true, replicas: 2 } });
  assert.deepEqual(withStatus.status, { ready: true, replicas: 2 });
  assert.equal(withStatus.spec.colour, 'red', '/status ignores spec');
  assert.equal(withStatus.metadata.generation, 1);
  const respec = await c.call('PATCH', `${widgets}/w1`, 200, { spec: { colour: 'green' } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(respec.metadata.generation, 2);
  assert.deepEqual(respec.status, { ready: true, replicas: 2 }, 'status kept by main-endpoint writes');
  const badStatus = await c.raw('PUT', `${widgets}/w1/status`, { ...respec, status: { ready: 'yes' } });
  assert.equal(badStatus.status, 422);
  assert.ok(badStatus.json().details.causes.some((cause: any) => cause.field === 'status.ready'));
});

test('scale subresource reads and writes replicas', async () => {
  await c.call('POST', widgets, 201, { apiVersion: 'crud.slipway.dev/v1', kind: 'Widget', metadata: { name: 'scaled' }, spec: { replicas: 2 } });
  await c.call('PATCH', `${widgets}/scaled/status`, 200, { status: { replicas: 2, selector: 'app=x' } }, { 'content-type': 'application/merge-patch+json' });
  const scale = await c.call('GET', `${widgets}/scaled/scale`, 200);
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.apiVersion, 'autoscaling/v1');
  assert.deepEqual([scale.spec.replicas, scale.status.replicas, scale.status.selector], [2, 2, 'app=x']);
  const patched = await c.call('PATCH', `${widgets}/scaled/scale`, 200, { spec: { replicas: 5 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(patched.spec.replicas, 5);
  const put = await c.call('PUT', `${widgets}/scaled/scale`, 200, { ...patched, spec: { replicas: 3 } });
  assert.equal(put.spec.replicas, 3);
  const obj = await c.call('GET', `${widgets}/scaled`, 200);
  assert.equal(obj.spec.replicas, 3);
  assert.equal(obj.metadata.generation, 3);
  const negative = await c.raw('PATCH', `${widgets}/scaled/scale`, { spec: { replicas: -1 } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(negative.status, 422);
});

test('dryRun=All validates fully and stores nothing', async () => {
  const dry = await c.call('POST', `${cms}?dryRun=All`, 201, cm('dry'));
  assert.equal(dry.metadata.name, 'dry');
  await c.call('GET', `${cms}/dry`, 404);
  const invalid = await c.raw('POST', `${cms}?dryRun=All`, { ...cm('dry'), data: { a: 1 } });
  assert.equal(invalid.status, 422);
  const real = await c.call('POST', cms, 201, cm('dry-upd'));
  await c.call('PUT', `${cms}/dry-upd?dryRun=All`, 200, { ...real, data: { a: 'changed' } });
  await c.call('DELETE', `${cms}/dry-upd?dryRun=All`, 200);
  const still = await c.call('GET', `${cms}/dry-upd`, 200);
  assert.deepEqual(still, real);
});

test('Secret stringData is merged into data; immutable ConfigMaps cannot change', async () => {
  const secret = await c.call('POST', `/api/v1/namespaces/${ns}/secrets`, 201, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: Buffer.from('x').toString('base64') }, stringData: { b: 'hunter2' } });
  assert.equal(secret.stringData, undefined);
  assert.equal(secret.type, 'Opaque');
  assert.equal(Buffer.from(secret.data.b, 'base64').toString(), 'hunter2');
  assert.equal(Buffer.from(secret.data.a, 'base64').toString(), 'x');
  const frozen = await c.call('POST', cms, 201, { ...cm('frozen'), immutable: true });
  const change = await c.raw('PUT', `${cms}/frozen`, { ...frozen, data: { a: '2' } });
  assert.equal(change.status, 422);
  assert.match(change.json().message, /immutable/);
  await c.call('PUT', `${cms}/frozen`, 200, { ...frozen, metadata: { ...frozen.metadata, labels: { ok: 'yes' } } });
});

test('422 lists every violation', async () => {
  const res = await c.raw('POST', widgets, { apiVersion: 'crud.slipway.dev/v1', kind: 'Widget', metadata: { name: 'Bad_Name', labels: { 'bad key': 'x' } }, spec: { replicas: -1, colour: 3 } });
  assert.equal(res.status, 422);
  const status = res.json();
  assert.equal(status.reason, 'Invalid');
  const fields = status.details.causes.map((cause: any) => cause.field).sort();
  for (const f of ['metadata.name', 'metadata.labels', 'spec.replicas', 'spec.colour']) assert.ok(fields.some((x: string) => x.startsWith(f)), `${f} in ${fields}`);
  assert.match(status.message, /^Widget "Bad_Name" is invalid: \[/);
});

test('delete with finalizers marks the object; removing the last finalizer deletes it', async () => {
  await c.call('POST', cms, 201, cm('fin', {}, { finalizers: ['test.slipway.dev/hold'] }));
  const marked = await c.call('DELETE', `${cms}/fin`, 202);
  assert.ok(marked.metadata.deletionTimestamp);
  assert.equal(marked.metadata.deletionGracePeriodSeconds, 0);
  const added = await c.raw('PATCH', `${cms}/fin`, { metadata: { finalizers: ['test.slipway.dev/hold', 'test.slipway.dev/more'] } }, { 'content-type': 'application/merge-patch+json' });
  assert.equal(added.status, 422, 'no new finalizers while deleting');
  await c.call('PATCH', `${cms}/fin`, 200, { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
  await c.call('GET', `${cms}/fin`, 404);
});

test('propagationPolicy Orphan and Foreground add their finalizers; preconditions are checked', async () => {
  await c.call('POST', cms, 201, cm('orphaned'));
  const orphaned = await c.call('DELETE', `${cms}/orphaned?propagationPolicy=Orphan`, 202);
  assert.deepEqual(orphaned.metadata.finalizers, ['orphan']);
  await c.call('POST', cms, 201, cm('fg'));
  const fg = await c.call('DELETE', `${cms}/fg`, 202, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' });
  assert.deepEqual(fg.metadata.finalizers, ['foregroundDeletion']);
  const p = await c.call('POST', cms, 201, cm('pre'));
  const wrongUid = await c.raw('DELETE', `${cms}/pre`, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'nope' } });
  assert.equal(wrongUid.status, 409);
  await c.call('DELETE', `${cms}/pre`, 200, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: p.metadata.uid, resourceVersion: p.metadata.resourceVersion } });
  await c.call('GET', `${cms}/pre`, 404);
});

test('deletecollection deletes what the selector matches', async () => {
  await c.call('POST', cms, 201, cm('dc1', {}, { labels: { batch: 'x' } }));
  await c.call('POST', cms, 201, cm('dc2', {}, { labels: { batch: 'x' } }));
  await c.call('POST', cms, 201, cm('dc3', {}, { labels: { batch: 'y' } }));
  await c.call('DELETE', `${cms}?labelSelector=batch%3Dx`, 200);
  const left = await c.call('GET', `${cms}?labelSelector=batch`, 200);
  assert.deepEqual(names(left), ['dc3']);
});

test('namespace deletion: Terminating until /finalize clears spec.finalizers; no new content meanwhile', async () => {
  await c.call('POST', '/api/v1/namespaces', 201, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  await c.call('POST', '/api/v1/namespaces/doomed/configmaps', 201, cm('inside'));
  const terminating = await c.call('DELETE', '/api/v1/namespaces/doomed', 202);
  assert.equal(terminating.status.phase, 'Terminating');
  const refused = await c.raw('POST', '/api/v1/namespaces/doomed/configmaps', cm('late'));
  assert.equal(refused.status, 403);
  assert.match(refused.json().message, /being terminated/);
  await c.call('DELETE', '/api/v1/namespaces/doomed/configmaps/inside', 200);
  const current = await c.call('GET', '/api/v1/namespaces/doomed', 200);
  await c.call('PUT', '/api/v1/namespaces/doomed/finalize', 200, { ...current, spec: { finalizers: [] } });
  await c.call('GET', '/api/v1/namespaces/doomed', 404);
});

test('cluster-wide list spans namespaces; cluster-scoped kinds reject namespaces in paths', async () => {
  await c.call('POST', '/api/v1/namespaces/default/configmaps', 201, cm('elsewhere'));
  const all = await c.call('GET', '/api/v1/configmaps', 200);
  assert.ok(all.items.some((i: any) => i.metadata.namespace === 'default' && i.metadata.name === 'elsewhere'));
  assert.ok(all.items.some((i: any) => i.metadata.namespace === ns));
  assert.equal(all.kind, 'ConfigMapList');
  await c.call('GET', `/api/v1/namespaces/${ns}/namespaces/x`, 404);
});
