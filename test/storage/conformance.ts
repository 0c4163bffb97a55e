// The one conformance suite every Store backend must pass.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, StoreError, WatchEvent } from '../../src/storage/store.ts';

export interface OpenedStore {
  store: Store;
  cleanup(): Promise<void>;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    assert.equal((error as StoreError).code, code, String(error));
    return error as StoreError;
  }
  assert.fail(`expected ${code}`);
}

function collect(store: Store, prefix: string, after: number) {
  const events: WatchEvent[] = [];
  const errors: StoreError[] = [];
  const watch = store.watch(prefix, after, { onEvents: (batch) => events.push(...batch), onError: (e) => errors.push(e) });
  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) assert.fail(`watch on ${prefix} timed out with ${events.length} events`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { events, errors, watch, until };
}

export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    let n = 0;
    // Every test works under its own prefix, so tests don't see each other's keys.
    const fresh = () => `/t${++n}/`;

    before(async () => {
      opened = await open();
      store = opened.store;
    });
    after(async () => opened?.cleanup());

    test('create, get, AlreadyExists', async () => {
      const p = fresh();
      const kv = await store.create(`${p}a`, 'one');
      assert.equal(kv.value, 'one');
      assert.equal(kv.createRevision, kv.modRevision);
      assert.deepEqual(await store.get(`${p}a`), kv);
      assert.equal(await store.get(`${p}missing`), undefined);
      await rejectsWith(store.create(`${p}a`, 'two'), 'AlreadyExists');
      assert.equal((await store.get(`${p}a`))!.value, 'one', 'failed create changes nothing');
    });

    test('compare-and-swap update: success, Conflict, NotFound', async () => {
      const p = fresh();
      const created = await store.create(`${p}a`, 'v1');
      const updated = await store.update(`${p}a`, 'v2', created.modRevision);
      assert.equal(updated.value, 'v2');
      assert.equal(updated.createRevision, created.createRevision);
      assert.ok(updated.modRevision > created.modRevision);
      const conflict = await rejectsWith(store.update(`${p}a`, 'v3', created.modRevision), 'Conflict');
      assert.ok(conflict.message.length > 0);
      await rejectsWith(store.update(`${p}nope`, 'x', 1), 'NotFound');
      assert.equal((await store.get(`${p}a`))!.value, 'v2');
    });

    test('delete with and without compare-and-swap; re-create after delete', async () => {
      const p = fresh();
      const a = await store.create(`${p}a`, 'a');
      await rejectsWith(store.delete(`${p}a`, a.modRevision - 1), 'Conflict');
      const deleted = await store.delete(`${p}a`, a.modRevision);
      assert.equal(deleted.value, 'a', 'delete returns the last value');
      assert.ok(deleted.modRevision > a.modRevision, 'delete has its own revision');
      assert.equal(await store.get(`${p}a`), undefined);
      await rejectsWith(store.delete(`${p}a`), 'NotFound');
      await store.create(`${p}b`, 'b');
      await store.delete(`${p}b`);
      const again = await store.create(`${p}a`, 'a2');
      assert.ok(again.createRevision > a.createRevision, 'a re-created key has a new create revision');
    });

    test('revisions are global, increasing and gapless; failed writes use none', async () => {
      const p = fresh();
      const r0 = await store.currentRevision();
      const a = await store.create(`${p}a`, '1');
      await rejectsWith(store.create(`${p}a`, '1'), 'AlreadyExists');
      await rejectsWith(store.update(`${p}a`, '2', a.modRevision + 100), 'Conflict');
      const b = await store.update(`${p}a`, '2', a.modRevision);
      const c = await store.delete(`${p}a`);
      assert.deepEqual([a.modRevision, b.modRevision, c.modRevision], [r0 + 1, r0 + 2, r0 + 3]);
      assert.equal(await store.currentRevision(), r0 + 3);
    });

    test('list: prefix isolation, order, limit and paging', async () => {
      const p = fresh();
      for (const k of ['c', 'a', 'b', 'd', 'e']) await store.create(`${p}x/${k}`, k);
      await store.create(`${p}xy/z`, 'not under x/');
      await store.create(`${p}x`, 'the prefix itself without slash');
      const all = await store.list(`${p}x/`);
      assert.deepEqual(all.items.map((i) => i.value), ['a', 'b', 'c', 'd', 'e']);
      assert.equal(all.more, false);
      const page1 = await store.list(`${p}x/`, { limit: 2 });
      assert.deepEqual(page1.items.map((i) => i.value), ['a', 'b']);
      assert.equal(page1.more, true);
      // Writes between pages do not show: every page is read at the first page's revision.
      await store.create(`${p}x/bb`, 'bb');
      await store.delete(`${p}x/c`);
      const page2 = await store.list(`${p}x/`, { limit: 2, after: page1.items[1].key, revision: page1.revision });
      assert.deepEqual(page2.items.map((i) => i.value), ['c', 'd']);
      assert.equal(page2.revision, page1.revision);
      const page3 = await store.list(`${p}x/`, { limit: 2, after: page2.items[1].key, revision: page1.revision });
      assert.deepEqual(page3.items.map((i) => i.value), ['e']);
      assert.equal(page3.more, false);
    });

    test('list and get at an older revision see the past', async () => {
      const p = fresh();
      const a = await store.create(`${p}a`, 'old');
      await store.create(`${p}b`, 'b');
      const then = await store.currentRevision();
      await store.update(`${p}a`, 'new', a.modRevision);
      await store.delete(`${p}b`);
      await store.create(`${p}c`, 'c');
      const past = await store.list(p, { revision: then });
      assert.deepEqual(past.items.map((i) => `${i.key.slice(p.length)}=${i.value}`), ['a=old', 'b=b']);
      assert.equal(past.revision, then);
      assert.equal((await store.get(`${p}a`, then))!.value, 'old');
      const now = await store.list(p);
      assert.deepEqual(now.items.map((i) => `${i.key.slice(p.length)}=${i.value}`), ['a=new', 'c=c']);
    });

    test('watch: history replayed from a revision, then live, for the prefix only', async () => {
      const p = fresh();
      const a = await store.create(`${p}w/a`, '1');
      await store.update(`${p}w/a`, '2', a.modRevision);
      await store.create(`${p}other`, 'x');
      const w = collect(store, `${p}w/`, a.modRevision - 1);
      try {
        await w.until(() => w.events.length >= 2);
        await store.create(`${p}w/b`, '3');
        const deleted = await store.delete(`${p}w/a`);
        await store.create(`${p}wx`, 'outside');
        await w.until(() => w.events.length >= 4);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(w.events.map((e) => `${e.type} ${e.kv.key.slice(p.length)} ${e.kv.value}`), ['put w/a 1', 'put w/a 2', 'put w/b 3', 'delete w/a 2']);
        const revisions = w.events.map((e) => e.kv.modRevision);
        assert.deepEqual(revisions, [...revisions].sort((x, y) => x - y), 'in revision order');
        assert.equal(w.events[1].prev?.value, '1', 'updates carry the previous value');
        assert.equal(w.events[3].prev?.value, '2', 'deletes carry the previous value');
        assert.equal(w.events[3].kv.modRevision, deleted.modRevision, 'a delete event is at the deletion revision');
        assert.equal(w.events[3].kv.createRevision, a.createRevision);
        assert.deepEqual(w.errors, []);
      } finally {
        await w.watch.close();
      }
    });

    test('watch from now sees only new events, and close stops delivery', async () => {
      const p = fresh();
      await store.create(`${p}old`, 'old');
      const w = collect(store, p, await store.currentRevision());
      await store.create(`${p}new`, 'new');
      await w.until(() => w.events.length >= 1);
      await w.watch.close();
      await store.create(`${p}later`, 'later');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(w.events.map((e) => e.kv.value), ['new']);
    });

    test('compaction: older reads and watches answer Compacted; newer ones still work', async () => {
      const p = fresh();
      const a = await store.create(`${p}a`, '1');
      const b = await store.update(`${p}a`, '2', a.modRevision);
      await store.update(`${p}a`, '3', b.modRevision);
      const current = await store.currentRevision();
      await store.compact(current);
      assert.ok((await store.compactedRevision()) >= a.modRevision, 'compacted revision reported');
      const compacted = await store.compactedRevision();
      const listError = await rejectsWith(store.list(p, { revision: a.modRevision }), 'Compacted');
      assert.equal(listError.revision, compacted, 'Compacted names the oldest readable revision');
      await rejectsWith(store.get(`${p}a`, a.modRevision), 'Compacted');
      await store.compact(a.modRevision);
      assert.equal(await store.compactedRevision(), compacted, 'compacting to an older revision changes nothing');
      assert.equal((await store.get(`${p}a`))!.value, '3');
      assert.deepEqual((await store.list(p, { revision: current })).items.map((i) => i.value), ['3']);
      const w = collect(store, p, a.modRevision - 1);
      await w.until(() => w.errors.length > 0);
      assert.equal(w.errors[0].code, 'Compacted');
      assert.equal(w.errors[0].revision, compacted);
      assert.deepEqual(w.events, []);
      await w.watch.close();
      // A watch from just before the compacted revision still works: that revision is kept.
      const kept = collect(store, p, compacted - 1);
      await store.create(`${p}b`, 'after compaction');
      await kept.until(() => kept.events.length >= 2);
      assert.deepEqual(kept.events.map((e) => e.kv.value), ['3', 'after compaction']);
      assert.deepEqual(kept.errors, []);
      await kept.watch.close();
    });

    test('compaction keeps every read and watch at or after the compacted revision intact', async () => {
      const p = fresh();
      const a = await store.create(`${p}a`, 'a1');
      await store.update(`${p}a`, 'a2', a.modRevision);
      await store.create(`${p}b`, 'b1');
      await store.delete(`${p}b`);
      const c = await store.create(`${p}c`, 'c1');
      const mid = await store.currentRevision();
      await store.update(`${p}c`, 'c2', c.modRevision);
      await store.delete(`${p}a`);
      await store.create(`${p}b`, 'b2');
      const now = await store.currentRevision();
      const readAll = async () => {
        const lists: string[][] = [];
        for (let r = mid; r <= now; r++) lists.push((await store.list(p, { revision: r })).items.map((kv) => `${kv.key.slice(p.length)}=${kv.value}@${kv.modRevision}`));
        const w = collect(store, p, mid - 1);
        await w.until(() => w.events.length >= now - mid + 1);
        await w.watch.close();
        return { lists, events: w.events.map((e) => `${e.type} ${e.kv.key.slice(p.length)}=${e.kv.value}@${e.kv.modRevision}`) };
      };
      const before = await readAll();
      await store.compact(mid);
      assert.equal(await store.compactedRevision(), mid);
      assert.deepEqual(await readAll(), before);
      assert.deepEqual(before.lists[0], [`a=a2@${a.modRevision + 1}`, `c=c1@${c.modRevision}`]);
    });

    test('200 concurrent creates are all acknowledged with distinct revisions', async () => {
      const p = fresh();
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(`${p}${i}`, String(i))));
      const revisions = results.map((r) => r.modRevision).sort((x, y) => x - y);
      const r0 = revisions[0];
      assert.deepEqual(revisions, Array.from({ length: 200 }, (_, i) => r0 + i), 'distinct and gapless');
      assert.equal((await store.list(p)).items.length, 200);
    });

    test('an unlimited list returns everything, however large', async () => {
      const p = fresh();
      const big = 'x'.repeat(3000);
      await Promise.all(Array.from({ length: 2500 }, (_, i) => store.create(`${p}${String(i).padStart(5, '0')}`, big)));
      const all = await store.list(p);
      assert.equal(all.items.length, 2500);
      assert.equal(all.more, false);
      assert.equal(all.items[2499].key, `${p}02499`);
    });

    test('concurrent compare-and-swap on one key: exactly one wins', async () => {
      const p = fresh();
      const kv = await store.create(`${p}k`, '0');
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.update(`${p}k`, String(i + 1), kv.modRevision)));
      assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
      for (const o of outcomes) if (o.status === 'rejected') assert.equal((o.reason as StoreError).code, 'Conflict');
    });

    test('a watch from a future revision starts there', async () => {
      const p = fresh();
      const now = await store.currentRevision();
      const w = collect(store, p, now + 2);
      try {
        await store.create(`${p}1`, '1');
        await store.create(`${p}2`, '2');
        await store.create(`${p}3`, '3');
        await w.until(() => w.events.length >= 1);
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(w.events.map((e) => e.kv.value), ['3']);
      } finally {
        await w.watch.close();
      }
    });

    test('a watch opened while writes stream in sees every revision once: replay, then live', async () => {
      const p = fresh();
      const acknowledged: number[] = [];
      const writer = (async () => {
        for (let i = 0; i < 30; i++) {
          const batch = await Promise.all(Array.from({ length: 5 }, (_, j) => store.create(`${p}${i}-${j}`, 'v')));
          acknowledged.push(...batch.map((kv) => kv.modRevision));
        }
      })();
      while (acknowledged.length < 40) await new Promise((r) => setTimeout(r, 1));
      const w = collect(store, p, acknowledged[9]);
      try {
        await writer;
        const last = Math.max(...acknowledged);
        await w.until(() => (w.events.at(-1)?.kv.modRevision ?? 0) >= last);
        await new Promise((r) => setTimeout(r, 100));
        const expected = acknowledged.filter((r) => r > acknowledged[9]).sort((x, y) => x - y);
        assert.deepEqual(w.events.map((e) => e.kv.modRevision), expected);
      } finally {
        await w.watch.close();
      }
    });

    // Last: it closes the store.
    test('close ends open watches with Unavailable; later calls fail with Unavailable', async () => {
      const p = fresh();
      const w = collect(store, p, await store.currentRevision());
      await store.close();
      await w.until(() => w.errors.length > 0);
      assert.equal(w.errors[0].code, 'Unavailable');
      await rejectsWith(store.create(`${p}a`, 'a'), 'Unavailable');
      await rejectsWith(store.list(p), 'Unavailable');
      await store.close();
    });
  });
}
