import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openEtcdStore } from '../../src/storage/etcd.ts';
import type { StoreError, WatchEvent } from '../../src/storage/store.ts';
import { startEtcd } from '../support/etcd.ts';
import { describeStoreConformance } from './conformance.ts';

describeStoreConformance('etcd', async () => {
  const etcd = await startEtcd({ name: 'conformance' });
  const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
  return { store, cleanup: async () => { await store.close(); await etcd.stop(); } };
});

async function eventually<T>(what: string, attempt: () => Promise<T>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) assert.fail(`${what}: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

describe('etcd store through an etcd outage', () => {
  test('calls fail with Unavailable while etcd is down; an open watch resumes after restart with no gap or duplicate', async (t) => {
    const etcd = await startEtcd({ name: 'outage' });
    t.after(() => etcd.stop());
    const store = await openEtcdStore({ endpoints: [etcd.endpoint] });
    t.after(() => store.close());

    for (let i = 0; i < 5; i++) await store.create(`/r/before-${i}`, 'v');
    const events: WatchEvent[] = [];
    const errors: StoreError[] = [];
    const watch = store.watch('/r/', 0, { onEvents: (batch) => events.push(...batch), onError: (e) => errors.push(e) });
    t.after(() => watch.close());
    await eventually('replay', async () => assert.equal(events.length, 5));

    etcd.kill();
    const failedAt = Date.now();
    await assert.rejects(store.create('/r/while-down', 'v'), (error: StoreError) => error.code === 'Unavailable');
    assert.ok(Date.now() - failedAt < 10_000, 'a call to a dead etcd fails promptly');

    await etcd.restart();
    // The client holds off a host that failed for a few seconds (circuit breaker); then writes work again.
    let n = 0;
    await eventually('a write after the restart', () => store.create(`/r/after-${n++}`, 'v'));
    for (let i = 0; i < 5; i++) await store.create(`/r/later-${i}`, 'v');

    const stored = (await store.list('/r/')).items.map((kv) => kv.modRevision).sort((a, b) => a - b);
    await eventually('the watch catching up', async () => assert.ok((events.at(-1)?.kv.modRevision ?? 0) >= stored.at(-1)!));
    assert.deepEqual(events.map((e) => e.kv.modRevision), stored, 'every write once, in order');
    assert.deepEqual(errors, []);
  });
});
