// The controller runtime against the real server: reconcile on changes of the primary object,
// of owned children (mapped to their controlling owner) and of watched objects; requeueAfter;
// errors retried with backoff; metrics; events; a clean stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { defineController, Manager, onlyStatusChanged } from '../../src/client/controller.ts';
import { splitKey } from '../../src/client/informer.ts';
import { isNotFound, type RestClient } from '../../src/client/rest-client.ts';
import { configMapsResource, eventsResource, namespacesResource } from '../../src/client/resources.ts';
import { EventRecorder } from '../../src/client/events.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFor, eventually, installTestKinds, widget, widgetsResource } from './helpers.ts';

let server: TestServer;
let client: RestClient;
const ns = 'ctrl';
const silent = pino({ level: 'silent' });

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

test('reconcile runs for the primary object, for its owned children and for watched objects; stop is clean', async () => {
  const reconciled: string[] = [];
  const controller = defineController({
    name: 'widget-children',
    for: widgetsResource,
    owns: [configMapsResource],
    watches: [{ resource: configMapsResource, mapFn: (obj) => (obj.metadata.labels?.['watches'] ? [`${obj.metadata.namespace}/${obj.metadata.labels['watches']}`] : []) }],
    concurrency: 2,
    async reconcile(key, ctx) {
      reconciled.push(key);
      const { namespace, name } = splitKey(key);
      const owner = ctx.informer(widgetsResource).get(key);
      if (!owner || owner.metadata.deletionTimestamp) return;
      try {
        await ctx.client.get(configMapsResource, `${name}-child`, namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await ctx.client.create(configMapsResource, {
          apiVersion: 'v1', kind: 'ConfigMap',
          metadata: { name: `${name}-child`, namespace, ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true }] },
          data: { made: 'by-controller' },
        });
      }
    },
  });
  const manager = new Manager({ client, logger: silent });
  manager.add(controller);
  await manager.start();
  try {
    await client.create(widgetsResource, widget('w', ns));
    const child = await eventually(() => client.get(configMapsResource, 'w-child', ns), 'the child to be created');
    assert.equal(child.metadata.ownerReferences?.[0].name, 'w');

    reconciled.length = 0;
    await client.patch(configMapsResource, 'w-child', { data: { made: 'by-hand' } }, { type: 'merge', namespace: ns });
    await eventually(() => reconciled.includes(`${ns}/w`), 'a change of the child to reconcile its owner');

    await client.delete(configMapsResource, 'w-child', { namespace: ns });
    await eventually(async () => ((await client.get(configMapsResource, 'w-child', ns)).data as Record<string, string>).made === 'by-controller', 'the deleted child to be re-created');

    reconciled.length = 0;
    await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pointer', namespace: ns, labels: { watches: 'w' } } });
    await eventually(() => reconciled.includes(`${ns}/w`), 'a watched object mapped to its key');
    await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: ns } });

    const metrics = await manager.registry.getSingleMetricAsString('controller_runtime_reconcile_total');
    assert.match(metrics, /controller_runtime_reconcile_total\{controller="widget-children",result="success"\} [1-9]/);
  } finally {
    await manager.stop();
  }
  const after = reconciled.length;
  await client.create(widgetsResource, widget('late', ns));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(reconciled.length, after, 'nothing reconciles after stop');
});

test('requeueAfter reconciles the key again later; errors are retried with backoff and counted', async () => {
  const times = new Map<string, number[]>();
  let failuresLeft = 2;
  const manager = new Manager({ client, logger: silent });
  manager.add(defineController({
    name: 'requeuer',
    for: widgetsResource,
    reconcile(key) {
      if (!key.startsWith(`${ns}/rq-`)) return;
      const seen = times.get(key) ?? [];
      seen.push(Date.now());
      times.set(key, seen);
      if (key === `${ns}/rq-again`) return seen.length < 3 ? { requeueAfter: 150 } : undefined;
      if (failuresLeft-- > 0) throw new Error('transient failure');
    },
  }));
  await manager.start();
  try {
    await client.create(widgetsResource, widget('rq-again', ns));
    await client.create(widgetsResource, widget('rq-fail', ns));
    await eventually(() => (times.get(`${ns}/rq-again`)?.length ?? 0) >= 3 && (times.get(`${ns}/rq-fail`)?.length ?? 0) >= 3, 'requeues and retries');
    const again = times.get(`${ns}/rq-again`)!;
    assert.ok(again[1] - again[0] >= 140 && again[2] - again[1] >= 140, `requeued after ~150 ms: ${again.map((t) => t - again[0])}`);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(times.get(`${ns}/rq-again`)!.length, 3, 'no requeue once reconcile asks for none');
    assert.equal(times.get(`${ns}/rq-fail`)!.length, 3, 'two failures, then success');
    const errors = await manager.registry.getSingleMetricAsString('controller_runtime_reconcile_errors_total');
    assert.match(errors, /controller="requeuer"\} 2/);
  } finally {
    await manager.stop();
  }
});

test('statusUpdateBatchMs delays reconciles for status-only updates (not spec or metadata changes); ownsBatchMs gathers a burst of child changes into one', async () => {
  const reconciled: { key: string; at: number }[] = [];
  const manager = new Manager({ client, logger: silent });
  manager.add(defineController({
    name: 'batcher',
    for: widgetsResource,
    owns: [configMapsResource],
    ownsBatchMs: 1000,
    statusUpdateBatchMs: 300,
    reconcile(key) { if (key.startsWith(`${ns}/batched`)) reconciled.push({ key, at: Date.now() }); },
  }));
  await manager.start();
  try {
    const created = await client.create(widgetsResource, widget('batched', ns));
    await eventually(() => reconciled.length === 1, 'the reconcile of the new Widget');
    const after = async (write: () => Promise<unknown>) => {
      await new Promise((r) => setTimeout(r, 400));
      reconciled.length = 0;
      const t0 = Date.now();
      await write();
      await eventually(() => reconciled.length > 0, 'a reconcile after the write');
      return reconciled[0].at - t0;
    };
    const statusDelay = await after(() => client.patch(widgetsResource, 'batched', { status: { observed: 'yes' } }, { type: 'merge', namespace: ns, subresource: 'status' }));
    assert.ok(statusDelay >= 250, `a status-only update waits for the batch: ${statusDelay} ms`);
    const specDelay = await after(() => client.patch(widgetsResource, 'batched', { spec: { colour: 'red' } }, { type: 'merge', namespace: ns }));
    assert.ok(specDelay < 250, `a spec change is reconciled at once: ${specDelay} ms`);
    const labelDelay = await after(() => client.patch(widgetsResource, 'batched', { metadata: { labels: { tier: 'a' } } }, { type: 'merge', namespace: ns }));
    assert.ok(labelDelay < 250, `a metadata change is reconciled at once: ${labelDelay} ms`);

    await new Promise((r) => setTimeout(r, 400));
    reconciled.length = 0;
    const owner = [{ apiVersion: created.apiVersion, kind: 'Widget', name: 'batched', uid: created.metadata.uid!, controller: true }];
    await Promise.all(Array.from({ length: 5 }, (_, i) => client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `batched-${i}`, namespace: ns, ownerReferences: owner } })));
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(reconciled.length, 1, `five children created at once make one reconcile: ${reconciled.length}`);
  } finally {
    await manager.stop();
  }
});

test('onlyStatusChanged: status, resourceVersion and managedFields do not count; spec and other metadata do', () => {
  const base = { apiVersion: 'v1', kind: 'Widget', metadata: { name: 'w', resourceVersion: '1', labels: { a: 'b' }, managedFields: [] }, spec: { replicas: 1 }, status: { observed: 'no' } } as KubeObject;
  assert.equal(onlyStatusChanged(base, { ...base, metadata: { ...base.metadata, resourceVersion: '2', managedFields: [{ manager: 'x', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }] }, status: { observed: 'yes' } }), true);
  assert.equal(onlyStatusChanged(base, { ...base, spec: { replicas: 2 } }), false);
  assert.equal(onlyStatusChanged(base, { ...base, metadata: { ...base.metadata, labels: { a: 'c' } } }), false);
  assert.equal(onlyStatusChanged(base, { ...base, metadata: { ...base.metadata, deletionTimestamp: '2025-01-01T00:00:00Z' } }), false);
});

test('the event recorder writes Events and aggregates repeats into a count', async () => {
  const subject = await client.create(widgetsResource, widget('evented', ns));
  const recorder = new EventRecorder(client, { component: 'test-controller', instance: 'test-1' });
  recorder.event(subject, 'Warning', 'Broken', 'it broke');
  recorder.event(subject, 'Warning', 'Broken', 'it broke');
  recorder.event(subject, 'Normal', 'Fixed', 'it works');
  await recorder.flush();
  const events = (await client.list(eventsResource, { namespace: ns })).items.filter((e) => (e.involvedObject as KubeObject['metadata'])?.name === 'evented');
  const broken = events.find((e) => e.reason === 'Broken')!;
  assert.equal(events.length, 2);
  assert.equal(broken.count, 2);
  assert.equal(broken.type, 'Warning');
  assert.equal(broken.reportingComponent, 'test-controller');
  assert.deepEqual(broken.involvedObject, { apiVersion: 'test.slipway.dev/v1', kind: 'Widget', name: 'evented', namespace: ns, uid: subject.metadata.uid, resourceVersion: subject.metadata.resourceVersion });
  assert.equal(events.find((e) => e.reason === 'Fixed')!.count, 1);
});

test('the event recorder drops new events while too many wait to be written, and records again once they are', async () => {
  const subject = await client.create(widgetsResource, widget('flooded', ns));
  const recorder = new EventRecorder(client, { component: 'test-controller', instance: 'test-1', maxQueued: 3 });
  for (let i = 0; i < 5; i++) recorder.event(subject, 'Normal', 'Step', `step ${i}`);
  await recorder.flush();
  recorder.event(subject, 'Normal', 'Step', 'after the burst');
  await recorder.flush();
  const messages = (await client.list(eventsResource, { namespace: ns })).items
    .filter((e) => (e.involvedObject as KubeObject['metadata'])?.name === 'flooded').map((e) => e.message).sort();
  assert.deepEqual(messages, ['after the burst', 'step 0', 'step 1', 'step 2']);
});

test('watchResource: a resource chosen during reconcile re-queues the calling controller with mapped keys; calling it again adds nothing', async () => {
  const reconciled: string[] = [];
  const mapCalls: string[] = [];
  const manager = new Manager({ client, logger: silent });
  manager.add(defineController({
    name: 'dynamic-watcher',
    for: widgetsResource,
    reconcile(key, ctx) {
      if (!key.startsWith(`${ns}/dyn-`)) return;
      reconciled.push(key);
      // Every reconcile asks again, as a controller following a provider reference does.
      ctx.watchResource(configMapsResource, (obj) => {
        mapCalls.push(obj.metadata.name!);
        const target = obj.metadata.labels?.['points-at'];
        return target ? [`${obj.metadata.namespace}/${target}`] : [];
      });
    },
  }));
  let runnableError: unknown;
  manager.add({
    name: 'runnable-without-queue',
    async run(ctx) {
      try {
        ctx.watchResource(configMapsResource, () => []);
      } catch (error) {
        runnableError = error;
      }
    },
  });
  await manager.start();
  try {
    await client.create(widgetsResource, widget('dyn-a', ns));
    await client.create(widgetsResource, widget('dyn-b', ns));
    await eventually(() => reconciled.includes(`${ns}/dyn-a`) && reconciled.includes(`${ns}/dyn-b`), 'both widgets reconciled');
    assert.match(String(runnableError), /runnable has no queue/);

    reconciled.length = 0;
    mapCalls.length = 0;
    await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dyn-pointer', namespace: ns, labels: { 'points-at': 'dyn-b' } } });
    await eventually(() => reconciled.includes(`${ns}/dyn-b`), 'the watched ConfigMap to re-queue the widget it points at');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(mapCalls.filter((n) => n === 'dyn-pointer').length, 1, 'one handler for the resource, however often watchResource was called');
    assert.ok(!reconciled.includes(`${ns}/dyn-a`), 'only the mapped key is queued');

    reconciled.length = 0;
    await client.delete(configMapsResource, 'dyn-pointer', { namespace: ns });
    await eventually(() => reconciled.includes(`${ns}/dyn-b`), 'a delete of the watched object to re-queue the mapped key');
  } finally {
    await manager.stop();
  }
});

test('watch options: updateMatters filters updates (adds always count); batchMs turns a burst of changes into one reconcile', async () => {
  const filtered: string[] = [];
  const batched: string[] = [];
  const manager = new Manager({ client, logger: silent });
  const pointsAt = (obj: KubeObject) => (obj.metadata.labels?.['summary-of'] ? [`${obj.metadata.namespace}/${obj.metadata.labels['summary-of']}`] : []);
  manager.add(defineController({
    name: 'filtered',
    for: widgetsResource,
    watches: [{ resource: configMapsResource, mapFn: pointsAt, updateMatters: (old, obj) => (old.data as Record<string, string>)?.kind !== (obj.data as Record<string, string>)?.kind }],
    reconcile(key) { if (key === `${ns}/opt-filtered`) filtered.push(key); },
  }));
  manager.add(defineController({
    name: 'batched',
    for: widgetsResource,
    watches: [{ resource: configMapsResource, mapFn: pointsAt, batchMs: 500 }],
    reconcile(key) { if (key === `${ns}/opt-batched`) batched.push(key); },
  }));
  await manager.start();
  try {
    await client.create(widgetsResource, widget('opt-filtered', ns));
    await client.create(widgetsResource, widget('opt-batched', ns));
    await eventually(() => filtered.length === 1 && batched.length === 1, 'the widgets reconciled once each');
    const child = (name: string, of: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { 'summary-of': of } }, data: { kind: 'a', n: '0' } });
    await client.create(configMapsResource, child('opt-f', 'opt-filtered'));
    await eventually(() => filtered.length === 2, 'an add always queues');
    for (let i = 1; i <= 5; i++) await client.patch(configMapsResource, 'opt-f', { data: { n: String(i) } }, { type: 'merge', namespace: ns });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(filtered.length, 2, 'updates that do not matter queue nothing');
    await client.patch(configMapsResource, 'opt-f', { data: { kind: 'b' } }, { type: 'merge', namespace: ns });
    await eventually(() => filtered.length === 3, 'an update that matters queues');

    await client.create(configMapsResource, child('opt-b', 'opt-batched'));
    for (let i = 1; i <= 10; i++) await client.patch(configMapsResource, 'opt-b', { data: { n: String(i) } }, { type: 'merge', namespace: ns });
    await new Promise((r) => setTimeout(r, 1200));
    assert.ok(batched.length >= 2 && batched.length <= 3, `11 changes within the window made one or two reconciles (${batched.length - 1})`);
  } finally {
    await manager.stop();
  }
});
