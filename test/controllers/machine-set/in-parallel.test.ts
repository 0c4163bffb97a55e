// forEachInParallel: every item is worked on, never more than the limit at once, and a failure neither stops the
// others nor goes unnoticed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachInParallel } from '../../../src/controllers/machine-set/in-parallel.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

test('works on every item with at most `limit` in flight', async () => {
  let inFlight = 0;
  let most = 0;
  const done: number[] = [];
  await forEachInParallel(Array.from({ length: 20 }, (_, i) => i), async (i) => {
    most = Math.max(most, ++inFlight);
    await tick();
    done.push(i);
    inFlight--;
  }, 4);
  assert.equal(most, 4);
  assert.deepEqual(done.sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
});

test('a failure does not stop the other items; the first error is thrown once all are done', async () => {
  const done: number[] = [];
  await assert.rejects(forEachInParallel([1, 2, 3, 4, 5], async (i) => {
    await tick();
    if (i === 2 || i === 4) throw new Error(`item ${i} failed`);
    done.push(i);
  }, 2), /item 2 failed/);
  assert.deepEqual(done.sort(), [1, 3, 5]);
});

test('no items, no work', async () => {
  await forEachInParallel([], async () => { throw new Error('never called'); });
});
