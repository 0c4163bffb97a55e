// Lists (selectors, paging, resourceVersion semantics, 410 after compaction) and watches
// (initial state, resume, selectors moving objects in and out, bookmarks, sendInitialEvents,
// too-old resourceVersions, timeouts, Table rows).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { api, names, watch, type Api } from './support/api.ts';

let server: TestServer;
let c: Api;
const ns = 'lw';
const cms = `/api/v1/namespaces/${ns}/configmaps`;
const cm = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data: { k: name } });
const merge = { 'content-type': 'application/merge-patch+json' };

before(async () => {
  server = await startTestServer({ bookmarkIntervalMs: 200 });
  c = api({ url: server.url, caCert: server.caCert, token: server.token });
  await c.call('POST', '/api/v1/namespaces', 201, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const labels: Record<string, Record<string, string>> = {
    a: { tier: 'web', env: 'prod' },
    b: { tier: 'web', env: 'dev' },
    c: { tier: 'db', env: 'prod' },
    d: { tier: 'cache' },
    e: {},
  };
  for (const [name, l] of Object.entries(labels)) await c.call('POST', cms, 201, cm(name, l));
});

after(async () => server?.stop());

test('label selectors in every operator form', async () => {
  const cases: [string, string[]][] = [
    ['tier=web', ['a', 'b']],
    ['tier==web', ['a', 'b']],
    ['tier!=web', ['c', 'd', 'e']],
    ['tier in (web,db)', ['a', 'b', 'c']],
    ['tier notin (web,db)', ['d', 'e']],
    ['env', ['a', 'b', 'c']],
    ['!env', ['d', 'e']],
    ['tier=web,env=prod', ['a']],
    ['', ['a', 'b', 'c', 'd', 'e']],
  ];
  for (const [selector, expected] of cases) {
    const list = await c.call('GET', `${cms}?labelSelector=${encodeURIComponent(selector)}`, 200);
    assert.deepEqual(names(list), expected, selector);
  }
  const bad = await c.raw('GET', `${cms}?labelSelector=${encodeURIComponent('tier in (web')}`);
  assert.equal(bad.status, 400);
  assert.match(bad.json().message, /tier in \(web/);
});

test('field selectors on metadata and on Event fields', async () => {
  assert.deepEqual(names(await c.call('GET', `${cms}?fieldSelector=metadata.name%3Db`, 200)), ['b']);
  assert.deepEqual(names(await c.call('GET', `${cms}?fieldSelector=metadata.name!%3Db`, 200)), ['a', 'c', 'd', 'e']);
  assert.deepEqual(names(await c.call('GET', `/api/v1/configmaps?fieldSelector=metadata.namespace%3D${ns},metadata.name%3Dc`, 200)), ['c']);
  const events = `/api/v1/namespaces/${ns}/events`;
  const event = (name: string, kind: string, reason: string) => ({ apiVersion: 'v1', kind: 'Event', metadata: { name }, involvedObject: { kind, name: 'x', namespace: ns, uid: 'u1' }, reason, type: 'Normal', message: 'm' });
  await c.call('POST', events, 201, event('e1', 'Gizmo', 'Created'));
  await c.call('POST', events, 201, event('e2', 'ConfigMap', 'Created'));
  const selected = await c.call('GET', `${events}?fieldSelector=${encodeURIComponent('involvedObject.kind=Gizmo,involvedObject.name=x,involvedObject.uid=u1,reason=Created')}`, 200);
  assert.deepEqual(names(selected), ['e1']);
  const unknown = await c.raw('GET', `${cms}?fieldSelector=involvedObject.kind%3DX`);
  assert.equal(unknown.status, 400);
});

test('paging with limit and continue sees one consistent snapshot', async () => {
  const first = await c.call('GET', `${cms}?limit=2`, 200);
  assert.deepEqual(names(first), ['a', 'b']);
  assert.ok(first.metadata.continue);
  await c.call('POST', cms, 201, cm('aa'));
  const second = await c.call('GET', `${cms}?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`, 200);
  assert.deepEqual(names(second), ['c', 'd'], 'the object created meanwhile is not in this snapshot');
  assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
  const third = await c.call('GET', `${cms}?limit=2&continue=${encodeURIComponent(second.metadata.continue)}`, 200);
  assert.deepEqual(names(third), ['e']);
  assert.equal(third.metadata.continue, undefined);
  const filtered = await c.call('GET', `${cms}?limit=1&labelSelector=env%3Dprod`, 200);
  assert.deepEqual(names(filtered), ['a']);
  const rest = await c.call('GET', `${cms}?limit=1&labelSelector=env%3Dprod&continue=${encodeURIComponent(filtered.metadata.continue)}`, 200);
  assert.deepEqual(names(rest), ['c']);
  await c.call('DELETE', `${cms}/aa`, 200);
});

test('resourceVersionMatch=Exact reads history; compaction makes it and old continues 410 Expired', async () => {
  const before = await c.call('GET', cms, 200);
  const page = await c.call('GET', `${cms}?limit=1`, 200);
  await c.call('POST', cms, 201, cm('later'));
  const exact = await c.call('GET', `${cms}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`, 200);
  assert.deepEqual(names(exact), names(before));
  const current = await c.call('GET', cms, 200);
  assert.ok(names(current).includes('later'));
  await server.store.compact(Number(current.metadata.resourceVersion));
  const gone = await c.raw('GET', `${cms}?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`);
  assert.equal(gone.status, 410);
  assert.equal(gone.json().reason, 'Expired');
  const oldContinue = await c.raw('GET', `${cms}?limit=1&continue=${encodeURIComponent(page.metadata.continue)}`);
  assert.equal(oldContinue.status, 410);
  await c.call('DELETE', `${cms}/later`, 200);
});

test('watch from "" starts with ADDED for current objects, then streams changes', async () => {
  const w = await watch(c.target, `${cms}?watch=1&labelSelector=tier`);
  try {
    await w.until((e) => e.length >= 4, 'initial ADDED events');
    assert.deepEqual(w.events.map((e) => `${e.type} ${e.object.metadata.name}`).sort(), ['ADDED a', 'ADDED b', 'ADDED c', 'ADDED d']);
    await c.call('POST', cms, 201, cm('w1', { tier: 'web' }));
    await c.call('PATCH', `${cms}/w1`, 200, { data: { k: 'changed' } }, merge);
    await c.call('DELETE', `${cms}/w1`, 200);
    await w.until((e) => e.some((x) => x.type === 'DELETED' && x.object.metadata.name === 'w1'), 'DELETED w1');
    assert.deepEqual(w.events.slice(4).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
  } finally {
    w.close();
  }
});

test('watch from a resourceVersion resumes after it; objects leaving or entering the selector are DELETED / ADDED', async () => {
  const start = (await c.call('GET', cms, 200)).metadata.resourceVersion;
  await c.call('POST', cms, 201, cm('m1', { tier: 'web' }));
  const w = await watch(c.target, `${cms}?watch=true&resourceVersion=${start}&labelSelector=tier%3Dweb`);
  try {
    await w.until((e) => e.length >= 1, 'replayed ADDED m1');
    assert.deepEqual([w.events[0].type, w.events[0].object.metadata.name], ['ADDED', 'm1']);
    await c.call('PATCH', `${cms}/m1`, 200, { metadata: { labels: { tier: 'db' } } }, merge);
    await c.call('PATCH', `${cms}/m1`, 200, { data: { k: 'unseen' } }, merge);
    await c.call('PATCH', `${cms}/m1`, 200, { metadata: { labels: { tier: 'web' } } }, merge);
    await w.until((e) => e.length >= 3, 'out and back in');
    assert.deepEqual(w.events.map((e) => e.type), ['ADDED', 'DELETED', 'ADDED']);
    const revisions = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual([...revisions].sort((x, y) => x - y), revisions, 'in revision order');
  } finally {
    w.close();
    await c.call('DELETE', `${cms}/m1`, 200);
  }
});

test('bookmarks carry progress; timeoutSeconds ends the stream', async () => {
  const start = (await c.call('GET', cms, 200)).metadata.resourceVersion;
  const w = await watch(c.target, `${cms}?watch=1&resourceVersion=${start}&allowWatchBookmarks=true&timeoutSeconds=2`);
  await c.call('POST', `/api/v1/namespaces/${ns}/secrets`, 201, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'progress' } });
  await w.until((e) => e.some((x) => x.type === 'BOOKMARK' && Number(x.object.metadata.resourceVersion) > Number(start)), 'a bookmark past the start');
  const bookmark = w.events.find((x) => x.type === 'BOOKMARK');
  assert.equal(bookmark.object.kind, 'ConfigMap');
  await w.ended;
});

test('sendInitialEvents ends the initial state with an annotated bookmark', async () => {
  const w = await watch(c.target, `${cms}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=env`);
  try {
    await w.until((e) => e.some((x) => x.type === 'BOOKMARK'), 'initial-events-end bookmark');
    const i = w.events.findIndex((x) => x.type === 'BOOKMARK');
    assert.deepEqual(w.events.slice(0, i).map((e) => e.object.metadata.name).sort(), ['a', 'b', 'c']);
    assert.equal(w.events[i].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
  } finally {
    w.close();
  }
  const refused = await c.raw('GET', `${cms}?watch=1&sendInitialEvents=true`);
  assert.equal(refused.status, 400);
});

test('watch from a compacted resourceVersion is 410 Expired', async () => {
  const old = (await c.call('GET', cms, 200)).metadata.resourceVersion;
  await c.call('POST', cms, 201, cm('compact-me'));
  const now = (await c.call('GET', cms, 200)).metadata.resourceVersion;
  await server.store.compact(Number(now));
  const res = await c.raw('GET', `${cms}?watch=1&resourceVersion=${Number(old) - 1}`);
  assert.equal(res.status, 410);
  assert.equal(res.json().reason, 'Expired');
  await c.call('DELETE', `${cms}/compact-me`, 200);
});

test('watch as Table streams one-row tables', async () => {
  const w = await watch(c.target, `${cms}?watch=1&fieldSelector=metadata.name%3Da`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
  try {
    await w.until((e) => e.length >= 1, 'a table row');
    const t = w.events[0].object;
    assert.equal(t.kind, 'Table');
    assert.deepEqual(t.columnDefinitions.map((d: any) => d.name), ['Name', 'Data', 'Age']);
    assert.equal(t.rows[0].cells[0], 'a');
    assert.equal(t.rows[0].cells[1], 1);
  } finally {
    w.close();
  }
});

test('many watchers all get an event quickly', async () => {
  const watchers = await Promise.all(Array.from({ length: 50 }, () => watch(c.target, `${cms}?watch=1&resourceVersion=${0}&fieldSelector=metadata.name%3Dfanout`)));
  try {
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await c.call('POST', cms, 201, cm('fanout'));
    await Promise.all(watchers.map((w) => w.until((e) => e.some((x) => x.object.metadata.name === 'fanout'), 'fan-out event', 5000)));
    assert.ok(Date.now() - started < 2000, `all 50 watchers saw the event in ${Date.now() - started} ms`);
  } finally {
    for (const w of watchers) w.close();
  }
});
