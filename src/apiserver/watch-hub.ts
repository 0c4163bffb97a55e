// One store watch for the whole server, fanned out to every API watcher. Each resource keeps a
// window of its recent events, so watchers resuming from a recent resourceVersion are served from
// memory; older ones get their own store watch (which fails with Compacted → 410 when too old).
// Because the one store watch sees every revision, the hub also knows how far the server's view
// has progressed, which is what bookmarks report.
import type { Logger } from 'pino';
import type { KeyValue, Store, Watch, WatchEvent } from '../storage/store.ts';
import { resourcePrefixOfKey } from './object-store.ts';

export interface HubEvent {
  type: 'put' | 'delete';
  /** For put: the new value; for delete: the deleted value at the deletion revision. */
  kv: KeyValue;
  prev?: KeyValue;
  /** Per-event memo shared by all watchers (decoded objects, serialised lines). */
  memo?: Map<string, unknown>;
}

export interface HubSubscriber {
  onEvents(events: HubEvent[]): void;
  /** History needed by this subscriber is gone; it has been unsubscribed. */
  onExpired(message: string): void;
}

export interface Subscription {
  /** All events up to this revision have been delivered. */
  progressRevision(): number;
  close(): void;
}

interface ResourceWindow {
  events: HubEvent[];
  /** Every event of the resource with a revision above this is in `events`. */
  coveredFrom: number;
  subscribers: Set<LiveSubscriber>;
}

interface LiveSubscriber {
  keyPrefix: string;
  after: number;
  subscriber: HubSubscriber;
}

const RETRY_MS = 500;

function toHubEvent(e: WatchEvent): HubEvent {
  return e.type === 'delete' ? { type: 'delete', kv: { ...(e.prev ?? e.kv), modRevision: e.kv.modRevision }, prev: e.prev } : { type: 'put', kv: e.kv, prev: e.prev };
}

export class WatchHub {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly windowSize: number;
  private readonly windows = new Map<string, ResourceWindow>();
  private watch?: Watch;
  private startRevision: number;
  private lastRevision: number;
  private closed = false;
  private retryTimer?: NodeJS.Timeout;

  private constructor(store: Store, logger: Logger, startRevision: number, windowSize: number) {
    this.store = store;
    this.logger = logger;
    this.startRevision = startRevision;
    this.lastRevision = startRevision;
    this.windowSize = windowSize;
  }

  static async start(store: Store, logger: Logger, windowSize = 2048): Promise<WatchHub> {
    const hub = new WatchHub(store, logger, await store.currentRevision(), windowSize);
    hub.watchStore();
    return hub;
  }

  /** The revision up to which every event has been dispatched. */
  get revision(): number {
    return this.lastRevision;
  }

  /** Delivers events under `keyPrefix` with revision > `afterRevision`: replayed, then live. */
  subscribe(keyPrefix: string, afterRevision: number, subscriber: HubSubscriber): Subscription {
    const resource = resourcePrefixOfKey(keyPrefix) ?? keyPrefix;
    const window = this.windowFor(resource);
    if (afterRevision < window.coveredFrom) return this.subscribeFromStore(keyPrefix, afterRevision, subscriber);
    const replay = window.events.filter((e) => e.kv.modRevision > afterRevision && e.kv.key.startsWith(keyPrefix));
    if (replay.length > 0) subscriber.onEvents(replay);
    const live: LiveSubscriber = { keyPrefix, after: afterRevision, subscriber };
    window.subscribers.add(live);
    return {
      progressRevision: () => Math.max(live.after, this.lastRevision),
      close: () => { window.subscribers.delete(live); },
    };
  }

  /** How many subscribers are live per resource prefix (for metrics). */
  subscriberCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [prefix, window] of this.windows) counts.set(prefix, window.subscribers.size);
    return counts;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.watch?.close();
  }

  private windowFor(resource: string): ResourceWindow {
    let window = this.windows.get(resource);
    if (!window) {
      // No event of this resource since the hub (re)started, so the window covers everything since then.
      window = { events: [], coveredFrom: this.startRevision, subscribers: new Set() };
      this.windows.set(resource, window);
    }
    return window;
  }

  private watchStore(): void {
    this.watch = this.store.watch('/', this.lastRevision, {
      onEvents: (events) => this.dispatch(events),
      onError: (error) => {
        if (this.closed) return;
        this.logger.warn({ err: error.message, code: error.code }, 'store watch failed; restarting');
        if (error.code === 'Compacted') this.expireEveryone('the server lost its watch on the store; start a new watch');
        this.retryTimer = setTimeout(() => this.restart(error.code === 'Compacted'), RETRY_MS);
      },
    });
  }

  private async restart(fromCurrent: boolean): Promise<void> {
    if (this.closed) return;
    try {
      if (fromCurrent) {
        this.startRevision = this.lastRevision = await this.store.currentRevision();
        for (const window of this.windows.values()) { window.events = []; window.coveredFrom = this.startRevision; }
      }
      this.watchStore();
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'restarting the store watch failed; retrying');
      this.retryTimer = setTimeout(() => this.restart(fromCurrent), RETRY_MS);
    }
  }

  private expireEveryone(message: string): void {
    for (const window of this.windows.values()) {
      const subscribers = [...window.subscribers];
      window.subscribers.clear();
      for (const s of subscribers) s.subscriber.onExpired(message);
    }
  }

  private dispatch(batch: WatchEvent[]): void {
    const byResource = new Map<string, HubEvent[]>();
    for (const raw of batch) {
      if (raw.kv.modRevision <= this.lastRevision) continue;
      this.lastRevision = raw.kv.modRevision;
      const resource = resourcePrefixOfKey(raw.kv.key);
      if (!resource) continue;
      let list = byResource.get(resource);
      if (!list) byResource.set(resource, (list = []));
      list.push(toHubEvent(raw));
    }
    for (const [resource, events] of byResource) {
      const window = this.windowFor(resource);
      window.events.push(...events);
      if (window.events.length > this.windowSize * 1.5) {
        const dropped = window.events.splice(0, window.events.length - this.windowSize);
        window.coveredFrom = dropped[dropped.length - 1].kv.modRevision;
      }
      for (const live of window.subscribers) {
        const mine = events.filter((e) => e.kv.modRevision > live.after && e.kv.key.startsWith(live.keyPrefix));
        if (mine.length > 0) live.subscriber.onEvents(mine);
      }
    }
  }

  private subscribeFromStore(keyPrefix: string, afterRevision: number, subscriber: HubSubscriber): Subscription {
    let delivered = afterRevision;
    let open = true;
    const watch = this.store.watch(keyPrefix, afterRevision, {
      onEvents: (events) => {
        if (!open || events.length === 0) return;
        delivered = events[events.length - 1].kv.modRevision;
        subscriber.onEvents(events.map(toHubEvent));
      },
      onError: (error) => {
        if (!open) return;
        open = false;
        subscriber.onExpired(error.code === 'Compacted'
          ? `too old resource version: ${afterRevision} (${error.revision ?? 'newer'})`
          : `the watch on the store failed: ${error.message}`);
      },
    });
    return {
      progressRevision: () => delivered,
      close: () => { open = false; watch.close().catch(() => {}); },
    };
  }
}
