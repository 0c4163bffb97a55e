// The controller work queue, with client-go's semantics: an item is held at most once while
// waiting; an item added while it is being processed is queued again (once) when processing is
// done, so no two workers ever handle the same item at the same time; retries are rate limited per
// item (exponential backoff) and overall (token bucket); delayed adds keep the earliest time.

export interface RateLimiter<T> {
  /** How long to wait before the item may be retried (counts as one retry). */
  when(item: T): number;
  /** Forget the item's retries (it succeeded). */
  forget(item: T): void;
  retries(item: T): number;
}

/** Per item: base·2^retries milliseconds, capped. */
export class ExponentialBackoffRateLimiter<T> implements RateLimiter<T> {
  private readonly failures = new Map<T, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }
  when(item: T): number {
    const n = this.failures.get(item) ?? 0;
    this.failures.set(item, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }
  forget(item: T): void { this.failures.delete(item); }
  retries(item: T): number { return this.failures.get(item) ?? 0; }
}

/** Overall: `qps` retries a second with bursts of `burst`; each retry reserves the next free slot. */
export class TokenBucketRateLimiter<T> implements RateLimiter<T> {
  private tokens: number;
  private last = performance.now();
  private readonly qps: number;
  private readonly burst: number;
  constructor(qps = 10, burst = 100) {
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
  }
  when(): number {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
  forget(): void {}
  retries(): number { return 0; }
}

/** The longest wait any of the limiters asks for. */
export class MaxOfRateLimiter<T> implements RateLimiter<T> {
  private readonly limiters: RateLimiter<T>[];
  constructor(...limiters: RateLimiter<T>[]) { this.limiters = limiters; }
  when(item: T): number { return Math.max(...this.limiters.map((l) => l.when(item))); }
  forget(item: T): void { for (const l of this.limiters) l.forget(item); }
  retries(item: T): number { return Math.max(...this.limiters.map((l) => l.retries(item))); }
}

/** client-go's default controller limiter: 5 ms → ~16 min per item, 10 qps / burst 100 overall. */
export function defaultControllerRateLimiter<T>(): RateLimiter<T> {
  return new MaxOfRateLimiter<T>(new ExponentialBackoffRateLimiter<T>(5, 1_000_000), new TokenBucketRateLimiter<T>(10, 100));
}

export class WorkQueue<T = string> {
  private readonly rateLimiter: RateLimiter<T>;
  private queue: T[] = [];
  private head = 0;
  /** Items waiting to be processed (queued, or to be re-queued once their processing is done). */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly delayed = new Map<T, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((item: T | undefined) => void)[] = [];
  private shutdown = false;

  constructor(options: { rateLimiter?: RateLimiter<T> } = {}) {
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<T>();
  }

  add(item: T): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.take(item));
    else this.queue.push(item);
  }

  /** Adds the item after `ms`; an earlier pending delayed add of the same item wins. */
  addAfter(item: T, ms: number): void {
    if (this.shutdown) return;
    if (ms <= 0) {
      this.add(item);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.delayed.get(item);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(item);
      this.add(item);
    }, ms);
    this.delayed.set(item, { at, timer });
  }

  /** Adds the item after its rate-limited backoff (a retry after failure). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item succeeded: its backoff starts over. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.retries(item);
  }

  /** The next item (now marked processing), or undefined once the queue is shut down. */
  get(): Promise<T | undefined> {
    if (this.shutdown) return Promise.resolve(undefined);
    if (this.head < this.queue.length) {
      const item = this.queue[this.head++];
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return Promise.resolve(this.take(item));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of the item finished; if it was added meanwhile, it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item) && !this.shutdown) {
      this.dirty.delete(item);
      this.add(item);
    }
  }

  /** Items waiting (not counting delayed adds or items being processed). */
  len(): number {
    return this.queue.length - this.head;
  }

  get shuttingDown(): boolean {
    return this.shutdown;
  }

  /** Stops the queue: waiting and future get() calls return undefined, adds are ignored. */
  shutDown(): void {
    this.shutdown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private take(item: T): T {
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }
}
