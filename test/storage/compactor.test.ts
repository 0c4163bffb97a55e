import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import { startCompactor } from '../../src/storage/compactor.ts';

test('the compactor keeps one interval of history and compacts what is older', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-compactor-'));
  const store = await openSqliteStore(path.join(dir, 'store.db'));
  try {
    const first = await store.create('/k/a', '1');
    const compactor = startCompactor(store, { intervalMs: 200, logger: pino({ level: 'silent' }) });
    const second = await store.update('/k/a', '2', first.modRevision);
    assert.equal(await store.compactedRevision(), 0, 'nothing compacted at the first tick');
    const until = async (revision: number) => {
      const deadline = Date.now() + 10_000;
      while ((await store.compactedRevision()) !== revision) {
        assert.ok(Date.now() < deadline, `compaction to ${revision} did not happen`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await until(first.modRevision);
    assert.equal((await store.get('/k/a', second.modRevision))!.value, '2', 'history newer than the previous tick is kept');
    await until(second.modRevision);
    compactor.stop();
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
