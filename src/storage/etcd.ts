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

const UNLIMITED_LIST_PAGE = 1000;

function toKeyValue(kv: RawKeyValue): KeyValue {
  return { key: kv.key.toString(), value: kv.value.toString(), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
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

function translate(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/compacted/.test(message)) return new StoreError('Compacted', message);
  return new StoreError('Unavailable', `etcd: ${message}`);
}

class EtcdStore implements Store {
  private readonly client: Etcd3;

  constructor(options: EtcdStoreOptions) {
    const config: IOptions = { hosts: options.endpoints };
    if (options.tls) config.credentials = { rootCertificate: Buffer.from(options.tls.ca), certChain: Buffer.from(options.tls.cert), privateKey: Buffer.from(options.tls.key) };
    this.client = new Etcd3(config);
  }

  async currentRevision(): Promise<number> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from([0]), limit: 1, count_only: true });
      return Number(res.header.revision);
    } catch (error) {
      throw translate(error);
    }
  }

  async compactedRevision(): Promise<number> {
    // etcd does not report its compaction point; probe with a read at the oldest revisions.
    const current = await this.currentRevision();
    let low = 1;
    let high = current;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      try {
        await this.client.kv.range({ key: Buffer.from([0]), limit: 1, count_only: true, revision: mid });
        high = mid;
      } catch (error) {
        if (translate(error).code !== 'Compacted') throw translate(error);
        low = mid + 1;
      }
    }
    return low <= 1 ? 0 : low;
  }

  async get(key: string, revision?: number): Promise<KeyValue | undefined> {
    try {
      const res = await this.client.kv.range({ key: Buffer.from(key), revision: revision ?? 0 });
      return res.kvs.length > 0 ? toKeyValue(res.kvs[0] as RawKeyValue) : undefined;
    } catch (error) {
      throw translate(error);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    // gRPC caps one response (4 MiB by default), so an unlimited list is read in pages, all at
    // the revision of the first one.
    const end = rangeEnd(prefix);
    const items: KeyValue[] = [];
    let after = options.after !== undefined && options.after >= prefix ? options.after : undefined;
    let revision = options.revision ?? 0;
    const wanted = options.limit && options.limit > 0 ? options.limit : Infinity;
    try {
      for (;;) {
        const start = after !== undefined ? Buffer.concat([Buffer.from(after), Buffer.from([0])]) : Buffer.from(prefix);
        const page = Math.min(wanted - items.length, UNLIMITED_LIST_PAGE);
        const res = await this.client.kv.range({ key: start, range_end: end, limit: page, revision });
        revision ||= Number(res.header.revision);
        for (const kv of res.kvs) items.push(toKeyValue(kv as RawKeyValue));
        if (!res.more) return { items, revision, more: false };
        if (items.length >= wanted) return { items, revision, more: true };
        after = items[items.length - 1].key;
      }
    } catch (error) {
      throw translate(error);
    }
  }

  async create(key: string, value: string): Promise<KeyValue> {
    const k = Buffer.from(key);
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
        success: [{ request_put: { key: k, value: Buffer.from(value) } }],
        failure: [],
      });
      if (!res.succeeded) throw new StoreError('AlreadyExists', `key ${key} already exists`);
      const revision = Number(res.header.revision);
      return { key, value, createRevision: revision, modRevision: revision };
    } catch (error) {
      throw translate(error);
    }
  }

  async update(key: string, value: string, expectedRevision: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    try {
      const res = await this.client.kv.txn({
        compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedRevision }],
        success: [{ request_put: { key: k, value: Buffer.from(value), prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) {
        const current = res.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined;
        if (!current) throw new StoreError('NotFound', `key ${key} not found`);
        throw new StoreError('Conflict', `key ${key} is at revision ${current.mod_revision}, not ${expectedRevision}`, Number(current.mod_revision));
      }
      const prev = res.responses[0]?.response_put?.prev_kv as RawKeyValue | undefined;
      const revision = Number(res.header.revision);
      return { key, value, createRevision: prev ? Number(prev.create_revision) : revision, modRevision: revision };
    } catch (error) {
      throw translate(error);
    }
  }

  async delete(key: string, expectedRevision?: number): Promise<KeyValue> {
    const k = Buffer.from(key);
    const compare = expectedRevision === undefined
      ? [{ key: k, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 }]
      : [{ key: k, target: 'Mod' as const, result: 'Equal' as const, mod_revision: expectedRevision }];
    try {
      const res = await this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      });
      if (!res.succeeded) {
        const current = res.responses[0]?.response_range?.kvs?.[0] as RawKeyValue | undefined;
        if (!current) throw new StoreError('NotFound', `key ${key} not found`);
        throw new StoreError('Conflict', `key ${key} is at revision ${current.mod_revision}, not ${expectedRevision}`, Number(current.mod_revision));
      }
      const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0] as RawKeyValue;
      return { ...toKeyValue(prev), modRevision: Number(res.header.revision) };
    } catch (error) {
      throw translate(error);
    }
  }

  watch(prefix: string, afterRevision: number, handlers: WatchHandlers): Watch {
    let closed = false;
    let failed = false;
    const builder = this.client.watch().prefix(prefix).withPreviousKV().startRevision(String(afterRevision + 1));
    const watcher = builder.create();
    const fail = (error: StoreError) => {
      if (closed || failed) return;
      failed = true;
      handlers.onError(error);
      void watcher.then((w) => w.cancel()).catch(() => {});
    };
    void watcher.then((w) => {
      w.on('data', (res: { events: { type: string; kv: RawKeyValue; prev_kv?: RawKeyValue }[] }) => {
        if (closed || failed || res.events.length === 0) return;
        const events: WatchEvent[] = res.events.map((ev) => {
          const prev = ev.prev_kv ? toKeyValue(ev.prev_kv) : undefined;
          if (ev.type === 'Delete') {
            const deletion = Number(ev.kv.mod_revision);
            return { type: 'delete', kv: prev ? { ...prev, modRevision: deletion } : toKeyValue(ev.kv), prev };
          }
          return { type: 'put', kv: toKeyValue(ev.kv), prev };
        });
        handlers.onEvents(events);
      });
      // etcd 3.4 cancels a watch on a compacted revision with an empty reason: tell by the compaction point.
      w.on('error', (error: unknown) => {
        void this.compactedRevision().then(
          (compacted) => fail(afterRevision + 1 < compacted ? new StoreError('Compacted', `revision ${afterRevision + 1} has been compacted`, compacted) : translate(error)),
          () => fail(translate(error)),
        );
      });
    }, (error: unknown) => fail(translate(error)));
    return {
      async close() {
        closed = true;
        await watcher.then((w) => w.cancel()).catch(() => {});
      },
    };
  }

  async compact(revision: number): Promise<void> {
    try {
      await this.client.kv.compact({ revision, physical: true });
    } catch (error) {
      const translated = translate(error);
      // Compacting to a revision already compacted is a no-op, as in the sqlite backend.
      if (translated.code !== 'Compacted') throw translated;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

export async function openEtcdStore(options: EtcdStoreOptions): Promise<Store> {
  const store = new EtcdStore(options);
  await store.currentRevision();
  return store;
}
