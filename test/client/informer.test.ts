// The shared informer against the real server: events, indexes, late handlers; surviving a server
// restart (resuming the watch from its last resourceVersion, no re-list) and re-listing when that
// history was compacted away (410), with exactly the changes made during the outage reported.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Informer, NAMESPACE_INDEX, OWNER_UID_INDEX, objectKey } from '../../src/client/informer.ts';
import { RestClient, type ListOptions, type ResourceRef } from '../../src/client/rest-client.ts';
import { configMapsResource, namespacesResource } from '../../src/client/resources.ts';
import type { KubeList, KubeObject } from '../../src/api/meta.ts';
import { clientFor, eventually } from './helpers.ts';
import { RestartableServer } from './restartable-server.ts';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

/** Counts list calls, to tell a resumed watch from a re-list. */
class CountingClient extends RestClient {
  lists = 0;
  override list<T extends KubeObject = KubeObject>(ref: ResourceRef, options?: ListOptions): Promise<KubeList<T>> {
    this.lists++;
    return super.list<T>(ref, options);
  }
}

function recorder(informer: Informer) {
  const events: string[] = [];
  informer.addHandlers({
    onAdd: (o) => events.push(`add ${objectKey(o)}`),
    onUpdate: (old, o) => events.push(`update ${objectKey(o)} ${(old.data as Record<string, string>)?.v}->${(o.data as Record<string, string>)?.v}`),
    onDelete: (o) => events.push(`delete ${objectKey(o)}`),
  });
  return events;
}

const cm = (name: string, namespace: string, v: string, extra: Partial<KubeObject['metadata']> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...extra }, data: { v } });

let shared: TestServer;

test('the informer syncs, reports adds, updates and deletes, and keeps its indexes current', async () => {
  shared = await startTestServer();
  cleanups.push(() => shared.stop());
  const client = clientFor(shared);
  cleanups.push(() => client.close());
  for (const ns of ['inf-a', 'inf-b']) await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const first = await client.create(configMapsResource, cm('first', 'inf-a', '1'));
  const informer = new Informer(client, configMapsResource, { pageSize: 1 });
  cleanups.push(() => informer.stop());
  const events = recorder(informer);
  informer.start();
  await informer.waitForSync();
  assert.ok(informer.hasSynced());
  assert.deepEqual(events.filter((e) => e.includes('inf-')), ['add inf-a/first']);
  await client.create(configMapsResource, cm('child', 'inf-b', '1', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'first', uid: first.metadata.uid! }] }));
  await client.patch(configMapsResource, 'first', { data: { v: '2' } }, { type: 'merge', namespace: 'inf-a' });
  await client.delete(configMapsResource, 'first', { namespace: 'inf-a' });
  await eventually(() => events.includes('delete inf-a/first'), 'the delete event');
  assert.deepEqual(events.filter((e) => e.includes('inf-')), ['add inf-a/first', 'add inf-b/child', 'update inf-a/first 1->2', 'delete inf-a/first']);
  assert.equal(informer.get('inf-a/first'), undefined);
  assert.equal(informer.getByName('inf-b', 'child')?.kind, 'ConfigMap');
  assert.deepEqual(informer.byIndex(NAMESPACE_INDEX, 'inf-b').map(objectKey), ['inf-b/child']);
  assert.deepEqual(informer.byIndex(OWNER_UID_INDEX, first.metadata.uid!).map(objectKey), ['inf-b/child']);
  assert.deepEqual(informer.byIndex(NAMESPACE_INDEX, 'inf-a'), []);

  const late: string[] = [];
  informer.addHandlers({ onAdd: (o) => late.push(objectKey(o)) });
  assert.ok(late.includes('inf-b/child'), 'a handler added after sync is told of the cached objects');
});

test('the informer survives a server restart on the same port and data, resuming its watch', async () => {
  const server = await RestartableServer.create();
  cleanups.push(() => server.dispose());
  const client = new CountingClient({ server: server.url, caCert: server.caCert, token: server.token, namespace: 'default' });
  cleanups.push(() => client.close());
  await client.create(configMapsResource, cm('a', 'default', '1'));
  const informer = new Informer(client, configMapsResource, { namespace: 'default' });
  cleanups.push(() => informer.stop());
  const events = recorder(informer);
  informer.start();
  await informer.waitForSync();
  const listsBefore = client.lists;

  await server.stop();
  // Changes made while the informer's server is down, through another server on the same data.
  const port = server.port;
  const other = new RestClient({ server: await server.start(0), caCert: server.caCert, token: server.token, namespace: 'default' });
  await other.create(configMapsResource, cm('b', 'default', '1'));
  await other.patch(configMapsResource, 'a', { data: { v: '2' } }, { type: 'merge', namespace: 'default' });
  other.close();
  await server.stop();
  await server.start(port);

  await eventually(() => events.includes('update default/a 1->2') && events.includes('add default/b'), 'the changes made during the outage', 20_000);
  assert.deepEqual(events, ['add default/a', 'add default/b', 'update default/a 1->2']);
  assert.equal(client.lists, listsBefore, 'resumed from its resourceVersion without re-listing');

  await client.create(configMapsResource, cm('c', 'default', '1'));
  await eventually(() => events.includes('add default/c'), 'an event after the restart');
});

test('the informer re-lists when its resourceVersion was compacted away (410) and reports the difference', async () => {
  const server = await RestartableServer.create();
  cleanups.push(() => server.dispose());
  const client = new CountingClient({ server: server.url, caCert: server.caCert, token: server.token, namespace: 'default' });
  cleanups.push(() => client.close());
  await client.create(configMapsResource, cm('keep', 'default', '1'));
  await client.create(configMapsResource, cm('doomed', 'default', '1'));
  const informer = new Informer(client, configMapsResource, { namespace: 'default' });
  cleanups.push(() => informer.stop());
  const events = recorder(informer);
  informer.start();
  await informer.waitForSync();
  const listsBefore = client.lists;

  await server.stop();
  const port = server.port;
  const other = new RestClient({ server: await server.start(0), caCert: server.caCert, token: server.token, namespace: 'default' });
  await other.delete(configMapsResource, 'doomed', { namespace: 'default' });
  await other.patch(configMapsResource, 'keep', { data: { v: '2' } }, { type: 'merge', namespace: 'default' });
  const added = await other.create(configMapsResource, cm('new', 'default', '1'));
  await server.store.compact(Number(added.metadata.resourceVersion));
  other.close();
  await server.stop();
  await server.start(port);

  await eventually(() => events.length >= 5, 'the re-list to be reported', 20_000);
  assert.deepEqual(events.slice(2).sort(), ['add default/new', 'delete default/doomed', 'update default/keep 1->2']);
  assert.ok(client.lists > listsBefore, 'it re-listed');
  assert.deepEqual(informer.list().map(objectKey).sort(), ['default/keep', 'default/new']);
});

test('assume: the informer returns this process\'s newer write at once, until the watch catches up; never an older one', async () => {
  const client = clientFor(shared);
  cleanups.push(() => client.close());
  await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf-assume' } });
  const created = await client.create(configMapsResource, cm('mine', 'inf-assume', '1'));
  const informer = new Informer(client, configMapsResource);
  cleanups.push(() => informer.stop());
  const events = recorder(informer);
  informer.start();
  await informer.waitForSync();
  // A write the watch has not delivered: the informer is stopped (its cache stays) while it is made.
  await informer.stop();
  const written = await client.patch(configMapsResource, 'mine', { data: { v: '2' } }, { type: 'merge', namespace: 'inf-assume' });
  assert.equal((informer.get('inf-assume/mine')?.data as Record<string, string>).v, '1', 'the cache alone is stale');
  informer.assume(written);
  assert.equal((informer.get('inf-assume/mine')?.data as Record<string, string>).v, '2', 'the own write, before its watch event');
  assert.equal(informer.getByName('inf-assume', 'mine')?.metadata.resourceVersion, written.metadata.resourceVersion);
  informer.assume(created);
  assert.equal(informer.get('inf-assume/mine')?.metadata.resourceVersion, written.metadata.resourceVersion, 'an older version is not assumed');
  informer.start();
  await eventually(() => events.includes('update inf-assume/mine 1->2'), 'the watch delivers the write, and handlers still hear of it');
  const later = await client.patch(configMapsResource, 'mine', { data: { v: '3' } }, { type: 'merge', namespace: 'inf-assume' });
  await eventually(() => informer.get('inf-assume/mine')?.metadata.resourceVersion === later.metadata.resourceVersion, 'a newer watched version replaces the assumed one');
  await client.delete(configMapsResource, 'mine', { namespace: 'inf-assume' });
  await eventually(() => informer.get('inf-assume/mine') === undefined, 'a deleted object is gone, assumed or not');
});

test('waiting for a sync with a signal that has already aborted fails at once instead of waiting forever', async () => {
  const client = clientFor(shared);
  cleanups.push(() => client.close());
  const informer = new Informer(client, configMapsResource);
  const stopped = new AbortController();
  stopped.abort();
  // Never started: it will not sync, and the abort that should end the wait is already past.
  await assert.rejects(informer.waitForSync(stopped.signal), /stopped before it synced/);
});
