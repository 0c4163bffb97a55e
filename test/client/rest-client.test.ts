// The REST client against the real API server: kubeconfig, CRUD, every patch type, server-side
// apply, errors as ApiError with the server's Status, deletes, scale, watch and discovery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server.ts';
import { ApiError, RestClient, isNotFound, type WatchEvent } from '../../src/client/rest-client.ts';
import { buildKubeconfig, loadConnectionConfig, parseKubeconfig, readKubeconfig, resolveContext, setContext, writeKubeconfig } from '../../src/client/kubeconfig.ts';
import { Discovery } from '../../src/client/discovery.ts';
import { configMapsResource, namespacesResource } from '../../src/client/resources.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFor, installTestKinds, widget, widgetsResource } from './helpers.ts';

let server: TestServer;
let client: RestClient;
const ns = 'client-test';
const cm = (name: string, data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });

before(async () => {
  server = await startTestServer();
  client = clientFor(server);
  await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await installTestKinds(client);
});

after(async () => {
  client?.close();
  await server?.stop();
});

test('kubeconfig: the test server\'s kubeconfig resolves to a working client', async () => {
  const config = await loadConnectionConfig(server.kubeconfigPath);
  assert.equal(config.server, server.url);
  assert.equal(config.caCert, server.caCert);
  assert.equal(config.token, server.token);
  const fromFile = await RestClient.fromKubeconfig(server.kubeconfigPath);
  try {
    assert.equal((await fromFile.get(namespacesResource, 'default')).metadata.name, 'default');
  } finally {
    fromFile.close();
  }
});

test('kubeconfig: write, read back, several contexts, client certificates, clear errors', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-kubeconfig-'));
  try {
    const file = path.join(dir, 'config');
    let config = buildKubeconfig({ name: 'one', server: 'https://127.0.0.1:1', caCert: 'CA-PEM', token: 't1', namespace: 'ns1' });
    config = setContext(config, { name: 'two', server: 'https://127.0.0.1:2', clientCert: 'CERT', clientKey: 'KEY' }, false);
    await writeKubeconfig(file, config);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const read = await readKubeconfig(file);
    assert.deepEqual(await resolveContext(read), { server: 'https://127.0.0.1:1', namespace: 'ns1', caCert: 'CA-PEM', token: 't1' });
    assert.deepEqual(await resolveContext(read, { context: 'two' }), { server: 'https://127.0.0.1:2', namespace: 'default', clientCert: 'CERT', clientKey: 'KEY' });
    await assert.rejects(resolveContext(read, { context: 'three' }), /context "three" not found/);
    await assert.rejects(resolveContext(await parseKubeconfig('apiVersion: v1\nkind: Config\n')), /current-context is not set/);
    assert.match(await readFile(file, 'utf8'), /^\{\n/, 'written as JSON, read without the YAML parser');
    assert.equal((await parseKubeconfig('{current-context: x, clusters: []}'))['current-context'], 'x', 'a YAML flow mapping is not JSON, and still read');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('create, get, list with selectors and pages, update, updateStatus', async () => {
  const created = await client.create(configMapsResource, { ...cm('one'), metadata: { name: 'one', namespace: ns, labels: { app: 'x' } } });
  assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
  await client.create(configMapsResource, cm('two'));
  await client.create(configMapsResource, cm('three'));
  assert.deepEqual(await client.get(configMapsResource, 'one', ns), created);
  const selected = await client.list(configMapsResource, { namespace: ns, labelSelector: 'app=x' });
  assert.deepEqual(selected.items.map((o) => o.metadata.name), ['one']);
  const page = await client.list(configMapsResource, { namespace: ns, limit: 2 });
  assert.equal(page.items.length, 2);
  assert.ok(page.metadata.continue);
  const all = await client.listAll(configMapsResource, { namespace: ns });
  assert.deepEqual(all.items.map((o) => o.metadata.name).sort(), ['one', 'three', 'two']);
  const updated = await client.update(configMapsResource, { ...created, data: { a: '2' } });
  assert.equal(updated.data && (updated.data as Record<string, string>).a, '2');
  const w = await client.create(widgetsResource, widget('w1', ns));
  const withStatus = await client.updateStatus(widgetsResource, { ...w, status: { replicas: 3 }, spec: { replicas: 9 } });
  assert.deepEqual(withStatus.status, { replicas: 3 });
  assert.deepEqual(withStatus.spec, { replicas: 1 }, 'the status subresource does not change spec');
});

test('errors are ApiError with the server\'s Status: NotFound, AlreadyExists, Conflict, Invalid with causes', async () => {
  const notFound = await client.get(configMapsResource, 'missing', ns).catch((e) => e);
  assert.ok(notFound instanceof ApiError);
  assert.equal(notFound.code, 404);
  assert.equal(notFound.reason, 'NotFound');
  assert.ok(isNotFound(notFound));
  assert.match(notFound.message, /configmaps "missing" not found/);
  await assert.rejects(client.create(configMapsResource, cm('one')), (e: ApiError) => e.reason === 'AlreadyExists' && e.code === 409);
  const stale = await client.get(configMapsResource, 'two', ns);
  await client.update(configMapsResource, { ...stale, data: { a: 'new' } });
  await assert.rejects(client.update(configMapsResource, { ...stale, data: { a: 'stale' } }), (e: ApiError) => e.reason === 'Conflict');
  const invalid = await client.create(widgetsResource, { ...widget('bad', ns), spec: { replicas: -1 } }).catch((e) => e);
  assert.ok(invalid instanceof ApiError);
  assert.equal(invalid.reason, 'Invalid');
  assert.equal(invalid.code, 422);
  assert.ok(invalid.causes.some((c) => c.field === 'spec.replicas'), JSON.stringify(invalid.status));
  const unauthorized = new RestClient({ server: server.url, caCert: server.caCert, token: 'wrong', namespace: 'default' });
  try {
    await assert.rejects(unauthorized.get(namespacesResource, 'default'), (e: ApiError) => e.code === 401);
  } finally {
    unauthorized.close();
  }
  const unreachable = new RestClient({ server: 'https://127.0.0.1:1', caCert: server.caCert, namespace: 'default' });
  await assert.rejects(unreachable.get(namespacesResource, 'default'), (e: ApiError) => e instanceof ApiError && e.code === 503 && /ECONNREFUSED/.test(e.message));
  unreachable.close();
});

test('patch in every type, and server-side apply with field managers and force', async () => {
  await client.create(configMapsResource, cm('patched', { a: '1', b: '2' }));
  const merged = await client.patch(configMapsResource, 'patched', { data: { b: null, c: '3' } }, { type: 'merge', namespace: ns });
  assert.deepEqual(merged.data, { a: '1', c: '3' });
  const jsonPatched = await client.patch(configMapsResource, 'patched', [{ op: 'replace', path: '/data/a', value: 'x' }], { type: 'json', namespace: ns });
  assert.deepEqual(jsonPatched.data, { a: 'x', c: '3' });
  const strategic = await client.patch(configMapsResource, 'patched', { metadata: { labels: { l: 'v' } } }, { type: 'strategic', namespace: ns });
  assert.deepEqual(strategic.metadata.labels, { l: 'v' });
  await assert.rejects(client.patch(widgetsResource, 'w1', { spec: {} }, { type: 'strategic', namespace: ns }), (e: ApiError) => e.reason === 'UnsupportedMediaType');

  const applied = await client.apply(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: ns }, data: { owner: 'alice' } }, { fieldManager: 'alice' });
  assert.deepEqual(applied.data, { owner: 'alice' });
  const conflict = await client.apply(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: ns }, data: { owner: 'bob' } }, { fieldManager: 'bob' }).catch((e) => e);
  assert.ok(conflict instanceof ApiError);
  assert.equal(conflict.reason, 'Conflict');
  assert.ok(conflict.causes.some((c) => c.reason === 'FieldManagerConflict'), JSON.stringify(conflict.status));
  const forced = await client.apply(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: ns }, data: { owner: 'bob' } }, { fieldManager: 'bob', force: true });
  assert.deepEqual(forced.data, { owner: 'bob' });
  assert.ok(forced.metadata.managedFields?.some((f) => f.manager === 'bob' && f.operation === 'Apply'));
});

test('delete: finalizers hold the object (202 answer), preconditions, propagationPolicy, deleteCollection', async () => {
  await client.create(configMapsResource, { ...cm('held'), metadata: { name: 'held', namespace: ns, finalizers: ['test.slipway.dev/hold'] } });
  const held = await client.delete(configMapsResource, 'held', { namespace: ns, propagationPolicy: 'Orphan' }) as KubeObject;
  assert.equal(held.kind, 'ConfigMap');
  assert.ok(held.metadata.deletionTimestamp);
  assert.deepEqual(held.metadata.finalizers, ['test.slipway.dev/hold', 'orphan']);
  await client.patch(configMapsResource, 'held', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
  await assert.rejects(client.get(configMapsResource, 'held', ns), isNotFound);

  const victim = await client.create(configMapsResource, cm('victim'));
  await assert.rejects(client.delete(configMapsResource, 'victim', { namespace: ns, preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }), (e: ApiError) => e.reason === 'Conflict');
  const gone = await client.delete(configMapsResource, 'victim', { namespace: ns, preconditions: { uid: victim.metadata.uid } });
  assert.equal(gone.kind, 'Status');

  for (const name of ['c1', 'c2', 'c3']) await client.create(configMapsResource, { ...cm(name), metadata: { name, namespace: ns, labels: { batch: 'yes' } } });
  const removed = await client.deleteCollection(configMapsResource, { namespace: ns, labelSelector: 'batch=yes' });
  assert.deepEqual(removed.items.map((o) => o.metadata.name).sort(), ['c1', 'c2', 'c3']);
  assert.equal((await client.list(configMapsResource, { namespace: ns, labelSelector: 'batch=yes' })).items.length, 0);
});

test('scale subresource: getScale and updateScale', async () => {
  await client.create(widgetsResource, { ...widget('scaled', ns), spec: { replicas: 2 } });
  const scale = await client.getScale(widgetsResource, 'scaled', ns);
  assert.equal(scale.kind, 'Scale');
  assert.equal(scale.spec.replicas, 2);
  const updated = await client.updateScale(widgetsResource, { ...scale, spec: { replicas: 5 } });
  assert.equal(updated.spec.replicas, 5);
  assert.equal((await client.get(widgetsResource, 'scaled', ns)).spec && ((await client.get(widgetsResource, 'scaled', ns)).spec as { replicas: number }).replicas, 5);
});

test('watch: initial ADDED events, then MODIFIED and DELETED, bookmarks; abort ends it quietly', async () => {
  const wns = 'watch-test';
  await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: wns } });
  await client.create(configMapsResource, { ...cm('w0'), metadata: { name: 'w0', namespace: wns } });
  const abort = new AbortController();
  const seen: WatchEvent[] = [];
  const consumed = (async () => {
    for await (const event of client.watch(configMapsResource, { namespace: wns, signal: abort.signal })) {
      seen.push(event);
      if (event.type === 'ADDED' && event.object.metadata.name === 'w0') {
        await client.create(configMapsResource, { ...cm('w1'), metadata: { name: 'w1', namespace: wns } });
        await client.patch(configMapsResource, 'w1', { data: { a: '2' } }, { type: 'merge', namespace: wns });
        await client.delete(configMapsResource, 'w1', { namespace: wns });
      }
      // A write elsewhere moves the revision on: the next bookmark reports it.
      if (event.type === 'DELETED') await client.create(configMapsResource, cm('elsewhere'));
      if (event.type === 'BOOKMARK') abort.abort();
    }
  })();
  await consumed;
  const summary = seen.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${(e.object as KubeObject).metadata.name}`);
  assert.deepEqual(summary, ['ADDED w0', 'ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  assert.equal(seen.at(-1)?.type, 'BOOKMARK', 'the test server sends a bookmark each second when the revision moved');
});

test('watch from a compacted resourceVersion fails with 410 Expired', async () => {
  const before = await client.create(configMapsResource, cm('old'));
  await client.patch(configMapsResource, 'old', { data: { a: '9' } }, { type: 'merge', namespace: ns });
  const latest = await client.get(configMapsResource, 'old', ns);
  await server.store.compact(Number(latest.metadata.resourceVersion));
  const failed = await (async () => {
    for await (const _ of client.watch(configMapsResource, { namespace: ns, resourceVersion: String(Number(before.metadata.resourceVersion) - 1) })) { /* not reached */ }
  })().catch((e) => e);
  assert.ok(failed instanceof ApiError, String(failed));
  assert.equal(failed.code, 410);
});

test('discovery maps kinds to resources, finds CRDs, and looks names up like kubectl', async () => {
  const discovery = new Discovery(client);
  const cmResource = await discovery.resourceFor('v1', 'ConfigMap');
  assert.equal(cmResource.plural, 'configmaps');
  assert.equal(cmResource.namespaced, true);
  const widgets = await discovery.resourceFor('test.slipway.dev/v1', 'Widget');
  assert.deepEqual(widgets.subresources.sort(), ['scale', 'status']);
  assert.equal((await discovery.lookup('Widget'))?.plural, 'widgets');
  assert.equal((await discovery.lookup('widgets.test.slipway.dev'))?.kind, 'Widget');
  assert.equal((await discovery.lookup('ns'))?.plural, 'namespaces');
  await assert.rejects(discovery.resourceFor('nope.dev/v1', 'Nope'), (e: ApiError) => e.reason === 'NotFound');
  const preferred = await discovery.preferredResources();
  assert.ok(preferred.some((r) => r.group === 'coordination.k8s.io' && r.plural === 'leases'));
});

test('raw request reaches any path', async () => {
  const version = await client.request<{ gitVersion: string }>({ path: '/version' });
  assert.match(version.gitVersion, /^v\d/);
});
