// The garbage collector against the real server, over built-in and custom kinds, namespaced and
// cluster-scoped: background, foreground (nested, waiting for blockOwnerDeletion dependents) and
// orphan propagation, and owner identity by uid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Manager } from '../../src/client/controller.ts';
import { isNotFound, type ResourceRef, type RestClient, type WatchEvent } from '../../src/client/rest-client.ts';
import { configMapsResource, namespacesResource } from '../../src/client/resources.ts';
import { garbageCollector } from '../../src/controllers/garbage-collector.ts';
import type { KubeObject, OwnerReference } from '../../src/api/meta.ts';
import { clientFor, eventually, gadgetsResource, installTestKinds, widget, widgetsResource } from '../client/helpers.ts';

let server: TestServer;
let client: RestClient;
let manager: Manager;
const ns = 'gc';

before(async () => {
  server = await startTestServer();
  client = clientFor(server);
  await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await installTestKinds(client);
  manager = new Manager({ client, logger: pino({ level: 'silent' }) });
  manager.add(garbageCollector({ resyncIntervalMs: 1000 }));
  await manager.start();
});
after(async () => {
  await manager?.stop();
  client?.close();
  await server?.stop();
});

const ownerRef = (owner: KubeObject, extra: Partial<OwnerReference> = {}): OwnerReference =>
  ({ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, ...extra });
const configMap = (name: string, owners: OwnerReference[] = [], extra: Partial<KubeObject['metadata']> = {}) =>
  client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ownerReferences: owners, ...extra } });
const exists = async (ref: ResourceRef, name: string, namespace?: string) => {
  try {
    return await client.get(ref, name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
};
const gone = (ref: ResourceRef, name: string, namespace?: string) => eventually(async () => (await exists(ref, name, namespace)) === undefined, `${ref.plural} ${name} to be deleted`);

test('background: dependents of every kind whose owners are all gone are deleted; a dependent with a living owner stays', async () => {
  const owner = await configMap('bg-owner');
  const other = await configMap('bg-other-owner');
  await configMap('bg-dep', [ownerRef(owner)]);
  await client.create(widgetsResource, { ...widget('bg-widget', ns), metadata: { name: 'bg-widget', namespace: ns, ownerReferences: [ownerRef(owner)] } });
  await configMap('bg-shared', [ownerRef(owner), ownerRef(other)]);
  const clusterOwner = await client.create(gadgetsResource, { apiVersion: 'test.slipway.dev/v1', kind: 'Gadget', metadata: { name: 'bg-cluster-owner' } });
  await client.create(gadgetsResource, { apiVersion: 'test.slipway.dev/v1', kind: 'Gadget', metadata: { name: 'bg-cluster-dep', ownerReferences: [ownerRef(clusterOwner)] } });

  await client.delete(configMapsResource, 'bg-owner', { namespace: ns });
  await client.delete(gadgetsResource, 'bg-cluster-owner');
  await gone(configMapsResource, 'bg-dep', ns);
  await gone(widgetsResource, 'bg-widget', ns);
  await gone(gadgetsResource, 'bg-cluster-dep');
  const shared = await eventually(async () => {
    const obj = await client.get(configMapsResource, 'bg-shared', ns);
    return obj.metadata.ownerReferences?.length === 1 ? obj : undefined;
  }, 'the reference to the deleted owner to be removed');
  assert.equal(shared.metadata.ownerReferences![0].uid, other.metadata.uid, 'the living owner keeps it');
});

test('owners are identified by uid: a same-named owner with another uid does not keep a dependent', async () => {
  await configMap('uid-owner');
  const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'uid-owner', uid: '3b0d5a52-0000-4000-8000-000000000001' };
  await configMap('uid-dep', [ghost]);
  await gone(configMapsResource, 'uid-dep', ns);
  assert.ok(await exists(configMapsResource, 'uid-owner', ns), 'the same-named object is untouched');
});

test('foreground: dependents are deleted (nested ones in foreground too) before the owner, which waits for blockOwnerDeletion dependents', async () => {
  const seen: WatchEvent[] = [];
  const abort = new AbortController();
  const watching = (async () => {
    for await (const event of client.watch(configMapsResource, { namespace: ns, signal: abort.signal })) seen.push(event);
  })();
  const owner = await configMap('fg-owner');
  const mid = await configMap('fg-mid', [ownerRef(owner, { blockOwnerDeletion: true })]);
  await configMap('fg-leaf', [ownerRef(mid, { blockOwnerDeletion: true })]);
  await configMap('fg-plain', [ownerRef(owner)]);
  await configMap('fg-held', [ownerRef(owner, { blockOwnerDeletion: true })], { finalizers: ['test.slipway.dev/hold'] });

  await client.delete(configMapsResource, 'fg-owner', { namespace: ns, propagationPolicy: 'Foreground' });
  await gone(configMapsResource, 'fg-leaf', ns);
  await gone(configMapsResource, 'fg-mid', ns);
  await gone(configMapsResource, 'fg-plain', ns);
  const held = await eventually(async () => {
    const obj = await client.get(configMapsResource, 'fg-held', ns);
    return obj.metadata.deletionTimestamp ? obj : undefined;
  }, 'the held dependent to be deleted');
  await new Promise((r) => setTimeout(r, 300));
  const waitingOwner = await exists(configMapsResource, 'fg-owner', ns);
  assert.ok(waitingOwner?.metadata.deletionTimestamp, 'the owner waits for its blocking dependent');
  assert.deepEqual(waitingOwner.metadata.finalizers, ['foregroundDeletion']);

  await client.patch(configMapsResource, 'fg-held', { metadata: { resourceVersion: held.metadata.resourceVersion, finalizers: null } }, { type: 'merge', namespace: ns });
  await gone(configMapsResource, 'fg-owner', ns);
  abort.abort();
  await watching;

  const deletedOrder = seen.filter((e) => e.type === 'DELETED').map((e) => (e.object as KubeObject).metadata.name);
  assert.ok(deletedOrder.indexOf('fg-leaf') < deletedOrder.indexOf('fg-mid'), `leaf before mid: ${deletedOrder}`);
  assert.ok(deletedOrder.indexOf('fg-mid') < deletedOrder.indexOf('fg-owner'), `mid before owner: ${deletedOrder}`);
  const midInForeground = seen.some((e) => (e.object as KubeObject).metadata.name === 'fg-mid' && (e.object as KubeObject).metadata.finalizers?.includes('foregroundDeletion'));
  assert.ok(midInForeground, 'the dependent with dependents of its own was deleted in foreground');
});

test('orphan: dependents lose their reference to the owner and stay; then the owner goes', async () => {
  const owner = await configMap('orphan-owner');
  const other = await configMap('orphan-other');
  await configMap('orphan-dep', [ownerRef(owner)]);
  await client.create(widgetsResource, { ...widget('orphan-widget', ns), metadata: { name: 'orphan-widget', namespace: ns, ownerReferences: [ownerRef(owner), ownerRef(other)] } });

  await client.delete(configMapsResource, 'orphan-owner', { namespace: ns, propagationPolicy: 'Orphan' });
  await gone(configMapsResource, 'orphan-owner', ns);
  const dep = await client.get(configMapsResource, 'orphan-dep', ns);
  assert.equal(dep.metadata.ownerReferences, undefined);
  const w = await client.get(widgetsResource, 'orphan-widget', ns);
  assert.deepEqual(w.metadata.ownerReferences?.map((r) => r.name), ['orphan-other']);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await exists(configMapsResource, 'orphan-dep', ns), 'an orphan is not collected later');
});
