// Crash safety: SIGKILL the server in the middle of a stream of writes. After a restart every
// acknowledged write is there, and the store's revision log has no gap and no duplicate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rawRequest } from '../support/http.ts';
import { startSlipwayProcess, type SlipwayProcess } from '../support/slipway-process.ts';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import type { WatchEvent } from '../../src/storage/store.ts';

test('every acknowledged write survives SIGKILL, and revisions have no gap or duplicate', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-crash-'));
  let slipway: SlipwayProcess | undefined;
  try {
    const first = await startSlipwayProcess(dataDir);
    slipway = first;
    const port = new URL(first.url).port;
    const acknowledged = new Map<string, string>();
    let stopWriting = false;
    const writer = async (id: number) => {
      for (let i = 0; !stopWriting; i++) {
        const name = `w${id}-${i}`;
        try {
          const res = await rawRequest(first, 'POST', '/api/v1/namespaces/default/configmaps', {
            body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }),
          });
          if (res.status === 201) acknowledged.set(name, res.json().metadata.resourceVersion);
        } catch {
          return; // the connection died with the server
        }
      }
    };
    const writers = Array.from({ length: 16 }, (_, id) => writer(id));
    await new Promise((r) => setTimeout(r, 1500 + Math.random() * 1000));
    await slipway.kill();
    await Promise.all(writers);
    stopWriting = true;
    assert.ok(acknowledged.size > 50, `a real stream of writes was acknowledged (${acknowledged.size})`);

    const second = await startSlipwayProcess(dataDir, { port: Number(port) });
    slipway = second;
    const listed = await rawRequest(second, 'GET', '/api/v1/namespaces/default/configmaps');
    assert.equal(listed.status, 200, listed.text);
    const stored = new Map<string, string>(listed.json().items.map((o: any) => [o.metadata.name, o.metadata.resourceVersion]));
    for (const [name, rv] of acknowledged) {
      assert.equal(stored.get(name), rv, `acknowledged write ${name}@${rv} present after restart`);
    }
    await second.stop();
    slipway = undefined;

    const store = await openSqliteStore(path.join(dataDir, 'store.db'));
    try {
      const events: WatchEvent[] = [];
      const current = await store.currentRevision();
      const watch = store.watch('/', 0, { onEvents: (batch) => events.push(...batch), onError: (e) => assert.fail(e) });
      const deadline = Date.now() + 10_000;
      while ((events.at(-1)?.kv.modRevision ?? 0) < current && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await watch.close();
      const revisions = events.map((e) => e.kv.modRevision);
      assert.equal(revisions.length, current, 'one event per revision');
      revisions.forEach((rev, i) => assert.equal(rev, i + 1, `revision ${i + 1} present exactly once`));
    } finally {
      await store.close();
    }
  } finally {
    await slipway?.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
});
