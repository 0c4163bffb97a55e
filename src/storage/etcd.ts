// The distributed store: a real etcd 3.4 over its gRPC API. etcd already has the semantics the
// Store contract describes (one global revision, MVCC history, watch from a revision,
// compaction), so this backend is a thin mapping: creates and compare-and-swaps are transactions
// on a key's create or mod revision.
import { Etcd3, type IOptions } from 'etcd3';
import { StoreError, type KeyValue, type ListOptions, type ListResult, type Store, type Watch, type WatchEvent, type WatchHandlers } from './store.ts';

export interface EtcdStoreOptions {
  endpoints: string[];
  tls?: { ca: string; cert: string; key: string };
}

interface RawKeyValue {
  key: Buffer;
  value: Buffer;
  create_revision: string;
  mod_revision: string;
}

interface RawEvent {
  type: string;
  kv: RawKeyValue;
  prev_kv?: RawKeyValue;
}

interface OpenWatch {
  fail(error: StoreError): void;
}

/** gRPC caps one response (4 MiB by default), so an unlimited list is read in pages of this many keys. */
const LIST_PAGE = 1000;
/** A unary call that has not answered by then fails as Unavailable instead of hanging (watch streams have no deadline). */
const CALL_DEADLINE_MS = 20_000;

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/**
 * How long a broken watch stream waits before reconnecting: doubling from 50 ms up to 2 s. The
 * library's default grows to 30 s within a few failed attempts (each failure counts twice), which
 * would hold watches back long after etcd is back, and keep a closed client's process alive.
 */
function watchBackoff(duration = 50): WatchBackoff {
  return { duration, next: () => watchBackoff(Math.min(duration * 2, 2000)) };
}

function toKeyValue(kv: RawKeyValue): KeyValue {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
}

function toWatchEvent(ev: RawEvent): WatchEvent {
  const prev = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined;
  if (ev.type === 'Delete') {
    // etcd's delete event has an empty value; the contract carries the last one, at the deletion revision.
    const deletion = Number(ev.kv.mod_revision);
    return { type: 'delete', kv: prev ? { ...prev, modRevision: deletion } : toKeyValue(ev.kv), prev };
  }
  return { type: 'put', kv: toKeyValue(ev.kv), prev };
}

/** etcd's prefix range end: the prefix with its last byte incremented. */
function rangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

function isCompacted(error: unknown): boolean {
  return error instanceof Error && /required revision has been compacted/.test(error.message);
}

function unavailable(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return new StoreError('Unavailable', `etcd: ${error instanceof Error ? error.message : String(error)}`);
}

class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly watches = new Set<OpenWatch>();
  private closed = false;

  constructor(options: EtcdStoreOptions) {
    const config: IOptions = {
      hosts: options.endpoints,
      defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS }),
      faultHandling: { watchBackoff: watchBackoff() },
    };
    if (options.tls) config.credentials = { rootCertificate: Buffer.from(options.tls.ca), certChain: Buffer.from(options.tls.cert), privateKey: Buffer.from(options.tls.key) };
    this.client = new Etcd3(config);
  }

  /** Runs one etcd call, answering its failure as a StoreError (Compacted with the oldest readable revision). */
  private async call<T>(action: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('Unavailable', 'the store is closed');
    try {
      return await action();
    } catch (error) {
      if (!isCompacted(error)) throw unavailable(error);
      const compacted = await this.compactedRevision();
      throw new StoreError('Compacted', `${(error as Error).message}; the oldest available revision is ${compacted}`, compacted);
    }
  }

  currentRevision(): Promise<number> {
    return this.call(async () => Number((await this.client.kv.range({ key: Buffer.from([0]), count_only: true })).header.revision));
  }

  async compactedRevision(): Promise<number> {
    // etcd 3.4 does not report its compaction point: find the oldest revision a read still succeeds at.
    const current = await this.currentRevision();
    let low = 1;
    let high = current;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      try {
        await this.client.kv.range({ key: Buffer.from([0]), count_only: true, revision: mid });
        high = mid;
      } catch (error) {
        if (!isCompacted(error)) throw unavailable(error);
        low = mid + 1;
      }
    }
    return low <= 1 ? 0 : low;
  }

  get(key: string, revision?: number): Promise<KeyValue | undefined> {
    return this.call(async () => {
      const res = await this.client.kv.range({ key: Buffer.from(key), revision: revision ?? 0 });
      return res.kvs.length > 0 ? toKeyValue(res.kvs[0] as RawKeyValue) : undefined;
    });
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    return this.call(async () => {
      const end = rangeEnd(prefix);
      const items: KeyValue[] = [];
      let after = options.after !== undefined && options.after >= prefix ? options.after : undefined;
      // Every page is read at the revision of the first, so the whole list is one snapshot.
      let revision = options.revision ?? 0;
      const wanted = options.limit && options.limit > 0 ? options.limit : Infinity;
      for (;;) {
        const start = after !== undefined ? Buffer.concat([Buffer.from(after), Buffer.from([0])]) : Buffer.from(prefix);
        const page = Math.min(wanted - items.length, LIST_PAGE);
        const res = await this.client.kv.range({ key: start, range_end: end, limit: page, revision });
        revision ||= Number(res.header.revision);
        for (const kv of res.kvs) items.push(toKeyValue(kv as RawKeyValue));
        if (!res.more) return { items, revision, more: false };
        if (items.length >= wanted) return { items, revision, more: true };
        after = items[items.length - 1].key;
      }
    });
  }

  create(key: string, value: string): Promise<KeyValue> {
    const k = Buffer.from(key);
    return this.call(async () => {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      });
      if (!res.succeeded) {
        const current = res.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined;
        throw new StoreError('AlreadyExists', `key ${key} already exists`, current ? Number(current.mod_revision) : undefined);
      }
      const revision = Number(res.header.revision);
      return { key, value, createRevision: revision, modRevision: revision };
    });
  }

  /** A failed compare-and-swap: NotFound if the key is gone, else Conflict with its current revision. */
  private casFailure(key: string, expected: number | undefined, current: RawKeyValue | undefined): StoreError {
    if (!current) return new StoreError('NotFound', `key ${key} not found`);
    return new StoreError('Conflict', `key ${key} is at revision ${current.mod_revision}, not ${expected}`, Number(current.mod_revision));
  }

  update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    return this.call(async () => {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      });
      if (!res.succeeded) throw this.casFailure(key, expectedRevision, res.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined);
      const prev = res.responses[0]?.response_put?.prev_kv as RawKeyValue | undefined;
      const revision = Number(res.header.revision);
      return { key, value, createRevision: prev ? Number(prev.create_revision) : revision, modRevision: revision };
    });
  }

  delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const compare = expectedRevision === undefined
      ? [{ key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 }]
      : [{ key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision }];
    return this.call(async () => {
      const res = await this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k, keys_only: true } }],
      });
      if (!res.succeeded) throw this.casFailure(key, expectedRevision, res.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined);
      const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0] as RawKeyValue;
      return { ...toKeyValue(prev), modRevision: Number(res.header.revision) };
    });
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    if (this.closed) {
      queueMicrotask(() => handlers.onError(new StoreError('Unavailable', 'the store is closed')));
      return { close: async () => {} };
    }
    // The revision of the last event delivered. The watch resumes after it when the stream
    // reconnects (the client library would resume after the newest revision it has heard of,
    // skipping history still being replayed), and events at or before it are not delivered twice.
    let delivered = afterRevision;
    let open = true;
    // watcher(), not create(): listeners are attached before the first response can arrive.
    const watcher = this.client.watch().prefix(prefix).withPreviousKV().startRevision(String(afterRevision + 1)).watcher();
    const resumeAfterDelivered = () => { watcher.request.start_revision = delivered + 1; };
    const end = () => {
      open = false;
      this.watches.delete(subscription);
      return watcher.cancel().catch(() => {});
    };
    const subscription: OpenWatch = {
      fail: (error) => {
        if (!open) return;
        void end();
        handlers.onError(error);
      },
    };
    this.watches.add(subscription);
    watcher.on('connected', resumeAfterDelivered);
    watcher.on('data', (res: { events: RawEvent[] }) => {
      const fresh = res.events.filter((ev) => Number(ev.kv.mod_revision) > delivered);
      if (open && fresh.length > 0) {
        delivered = Number(fresh[fresh.length - 1].kv.mod_revision);
        handlers.onEvents(fresh.map(toWatchEvent));
      }
      resumeAfterDelivered();
    });
    // etcd cancels a watch whose start was compacted away (3.4 gives no reason) or that it cannot
    // serve for another cause; the compaction point tells which.
    watcher.on('error', (error: unknown) => {
      this.compactedRevision().then(
        (compacted) => subscription.fail(delivered + 1 < compacted
          ? new StoreError('Compacted', `revision ${delivered + 1} has been compacted; the oldest available is ${compacted}`, compacted)
          : unavailable(error)),
        () => subscription.fail(unavailable(error)),
      );
    });
    return { close: async () => { if (open) await end(); } };
  }

  async compact(revision: number): Promise<void> {
    try {
      // Like the sqlite backend, compacting past the current revision compacts to it.
      const target = Math.min(revision, await this.currentRevision());
      if (target < 1) return;
      await this.call(() => this.client.kv.compact({ revision: target, physical: true }));
    } catch (error) {
      // Compacting to a revision already compacted is a no-op, as in the sqlite backend.
      if ((error as StoreError).code !== 'Compacted') throw error;
    }
  }

  /** Ends open watches with Unavailable and shuts the gRPC client down. */
  async close(): Promise<void> {
    if (this.closed) return;
    const unavailableNow = new StoreError('Unavailable', 'the store is closed');
    for (const watch of [...this.watches]) watch.fail(unavailableNow);
    this.closed = true;
    this.client.close();
  }
}

export async function openEtcdStore(options: EtcdStoreOptions): Promise<Store> {
  const store = new EtcdStore(options);
  try {
    await store.currentRevision();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
