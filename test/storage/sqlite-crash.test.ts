// Acknowledged means durable: SIGKILL a process in the middle of a stream of writes, reopen the
// store, and every write it acknowledged is there, with a revision log that has no gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import type { WatchEvent } from '../../src/storage/store.ts';

const fixture = path.join(import.meta.dirname, 'fixtures', 'stream-creates.ts');

async function killMidStream(file: string, durability: 'full' | 'normal', acknowledgedAtLeast: number): Promise<Map<string, number>> {
  const child = spawn(process.execPath, [fixture, file, durability], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const acknowledged = new Map<string, number>();
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const [key, revision] = line.split(' ');
      acknowledged.set(key, Number(revision));
      if (acknowledged.size === acknowledgedAtLeast) child.kill('SIGKILL');
    }
    await exited;
    assert.equal(child.signalCode, 'SIGKILL', `the writer died on its own: ${stderr}`);
  } finally {
    child.kill('SIGKILL');
  }
  return acknowledged;
}

for (const durability of ['full', 'normal'] as const) {
  test(`SIGKILL mid-stream (durability ${durability}): every acknowledged write survives, revisions stay gapless`, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-sqlite-crash-'));
    try {
      const file = path.join(dir, 'store.db');
      const acknowledged = await killMidStream(file, durability, 500);
      assert.ok(acknowledged.size >= 500, `only ${acknowledged.size} writes acknowledged`);

      const store = await openSqliteStore(file, { durability });
      try {
        for (const [key, revision] of acknowledged) {
          const kv = await store.get(key);
          assert.equal(kv?.modRevision, revision, `acknowledged ${key}@${revision} is present`);
        }
        // Replaying the whole log: exactly one event per revision 1..current, in order.
        const current = await store.currentRevision();
        assert.ok(current >= acknowledged.size);
        const events: WatchEvent[] = [];
        const watch = store.watch('/', 0, { onEvents: (batch) => events.push(...batch), onError: (error) => assert.fail(error) });
        const deadline = Date.now() + 10_000;
        while (events.length < current && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        await watch.close();
        assert.deepEqual(events.map((e) => e.kv.modRevision), Array.from({ length: current }, (_, i) => i + 1));
        assert.equal((await store.list('/crash/')).items.length, current, 'every logged write is a live key');
        // And the next write continues the sequence.
        assert.equal((await store.create('/after-crash', 'x')).modRevision, current + 1);
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
