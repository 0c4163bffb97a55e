import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialBackoffRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter, WorkQueue } from '../../src/client/workqueue.ts';

const noDelay = () => new WorkQueue<string>({ rateLimiter: new ExponentialBackoffRateLimiter<string>(1, 1) });

test('an item added several times while waiting is handed out once', async () => {
  const q = noDelay();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('an item added while it is processed is re-queued once, after done, never handed out twice at once', async () => {
  const q = noDelay();
  q.add('a');
  const first = await q.get();
  q.add('a');
  q.add('a');
  assert.equal(q.len(), 0, 'not queued while processing');
  let second: string | undefined;
  const pending = q.get().then((item) => { second = item; });
  await new Promise((r) => setImmediate(r));
  assert.equal(second, undefined, 'a second worker does not get the item being processed');
  q.done(first!);
  await pending;
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.len(), 0, 'the repeated adds collapsed into one re-queue');
});

test('a waiting get() receives an item added later', async () => {
  const q = noDelay();
  const got = q.get();
  q.add('x');
  assert.equal(await got, 'x');
});

test('addAfter delays the item, and the earliest of several delayed adds wins', async () => {
  const q = noDelay();
  const start = Date.now();
  q.addAfter('a', 400);
  q.addAfter('a', 60);
  q.addAfter('a', 300);
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), 'a');
  const waited = Date.now() - start;
  assert.ok(waited >= 50 && waited < 300, `waited ${waited} ms`);
  q.done('a');
  await new Promise((r) => setTimeout(r, 450));
  assert.equal(q.len(), 0, 'the later delayed adds were folded into the earliest');
});

test('per-item exponential backoff doubles and forget() resets it', () => {
  const limiter = new ExponentialBackoffRateLimiter<string>(5, 60);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => limiter.when('a')), [5, 10, 20, 40, 60]);
  assert.equal(limiter.when('b'), 5, 'items back off independently');
  assert.equal(limiter.retries('a'), 5);
  limiter.forget('a');
  assert.equal(limiter.when('a'), 5);
});

test('the token bucket allows a burst, then spaces retries at qps', () => {
  const bucket = new TokenBucketRateLimiter<string>(10, 3);
  assert.deepEqual([bucket.when(), bucket.when(), bucket.when()].map((d) => Math.round(d)), [0, 0, 0]);
  const fourth = bucket.when();
  const fifth = bucket.when();
  assert.ok(fourth > 90 && fourth <= 100, `fourth waits ~100 ms, got ${fourth}`);
  assert.ok(fifth > 190 && fifth <= 200, `fifth waits ~200 ms, got ${fifth}`);
  const combined = new MaxOfRateLimiter<string>(new ExponentialBackoffRateLimiter<string>(1000, 5000), new TokenBucketRateLimiter<string>(100, 100));
  assert.equal(combined.when('a'), 1000, 'the longer of the two waits');
});

test('addRateLimited backs off per item until forget', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ExponentialBackoffRateLimiter<string>(40, 1000) });
  const timings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = Date.now();
    q.addRateLimited('a');
    const item = await q.get();
    timings.push(Date.now() - start);
    q.done(item!);
  }
  assert.equal(q.numRequeues('a'), 3);
  assert.ok(timings[0] >= 35 && timings[1] >= 75 && timings[2] >= 155, `backoff grows: ${timings}`);
  q.forget('a');
  assert.equal(q.numRequeues('a'), 0);
});

test('shutDown releases waiting workers, drops delayed adds and ignores new ones', async () => {
  const q = noDelay();
  const waiting = [q.get(), q.get()];
  q.addAfter('later', 50);
  q.shutDown();
  assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
  q.add('x');
  assert.equal(await q.get(), undefined);
  assert.equal(q.len(), 0);
  assert.ok(q.shuttingDown);
});
