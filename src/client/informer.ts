// A shared informer: a local cache of one resource kept current by list + watch. Watches ask for
// bookmarks, resume from the last resourceVersion seen when a connection drops (so a restarted
// server replays what was missed), and fall back to a fresh list when the server answers 410
// (history compacted); a re-list is diffed against the cache so handlers see exactly the adds,
// updates and deletes that happened. Cached objects are shared: treat them as read-only.
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { KubeObject } from '../api/meta.ts';
import type { ResourceRef, RestClient } from './rest-client.ts';
import { isExpired, refApiVersion } from './rest-client.ts';
import { abortableSleep } from './abortable-sleep.ts';

export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T): void;
  onUpdate?(oldObj: T, newObj: T): void;
  /** On a re-list, the last state this cache saw of an object deleted in the meantime. */
  onDelete?(obj: T): void;
}

/** Index values of an object (an object may be in several buckets, or none). */
export type IndexFunc<T extends KubeObject> = (obj: T) => string[];

export const NAMESPACE_INDEX = 'namespace';
export const OWNER_UID_INDEX = 'ownerUid';

/** The cache key: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(obj: { metadata: { namespace?: string; name?: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name ?? '';
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size of lists (default 500). */
  pageSize?: number;
  logger?: Logger;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export class Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceRef;
  private readonly client: RestClient;
  private readonly options: InformerOptions;
  private readonly logger: Logger;
  private readonly items = new Map<string, T>();
  private readonly assumed = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private readonly syncWaiters = new Set<() => void>();
  private synced = false;
  private resourceVersion = '';
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(client: RestClient, resource: ResourceRef, options: InformerOptions = {}) {
    this.client = client;
    this.resource = resource;
    this.options = options;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ informer: `${resource.plural}${resource.group ? `.${resource.group}` : ''}` });
    this.addIndexer(NAMESPACE_INDEX, (obj) => (obj.metadata.namespace ? [obj.metadata.namespace] : []));
    this.addIndexer(OWNER_UID_INDEX, (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid));
  }

  /** Adds handlers; when the cache already holds objects, onAdd is called for each of them first. */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    for (const obj of this.items.values()) this.call(handlers, 'onAdd', obj);
    return () => { this.handlers.delete(handlers); };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`indexer ${name} already exists`);
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    for (const [key, obj] of this.items) for (const value of fn(obj)) addTo(index, value, key);
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
    for (const waiter of this.syncWaiters) waiter();
    this.syncWaiters.clear();
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** Whether the first list has been loaded into the cache. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once synced; rejects when the signal aborts (or has aborted) or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    // An aborted signal never fires again: a waiter added after the abort would wait forever.
    if (signal?.aborted) return Promise.reject(new Error(`informer for ${this.resource.plural} stopped before it synced`));
    return new Promise((resolve, reject) => {
      const done = () => {
        this.syncWaiters.delete(done);
        signal?.removeEventListener('abort', done);
        if (this.synced) resolve();
        else reject(new Error(`informer for ${this.resource.plural} stopped before it synced`));
      };
      this.syncWaiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** The resourceVersion the cache is current to. */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  /** The cached object, or this process's own newer write of it (see assume). */
  get(key: string): T | undefined {
    const cached = this.items.get(key);
    const assumed = this.assumed.get(key);
    if (!assumed) return cached;
    if (cached && isNewer(assumed, cached)) return assumed;
    this.assumed.delete(key);
    return cached;
  }

  getByName(namespace: string | undefined, name: string): T | undefined {
    return this.get(namespace ? `${namespace}/${name}` : name);
  }

  /**
   * A write this process just made, seen by get() until the watch delivers it or something newer (as
   * client-go's MutationCache): a controller's next reconcile then starts from its own write instead of
   * failing a compare-and-swap against the stale cached version. Handlers and indexes still follow the
   * watch only. Ignored unless both resourceVersions are integers (etcd revisions) and the write is newer.
   */
  assume(obj: T): void {
    const key = objectKey(obj);
    const cached = this.items.get(key);
    if (cached && isNewer(obj, cached)) this.assumed.set(key, withTypeMeta(obj, this.resource));
  }

  list(): T[] {
    return [...this.items.values()];
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`no indexer named ${indexName}`);
    return [...(index.get(value) ?? [])].map((key) => this.items.get(key)!);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let needList = true;
    let backoff = MIN_BACKOFF_MS;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        needList = await this.watch(signal);
        backoff = MIN_BACKOFF_MS;
      } catch (error) {
        if (signal.aborted) break;
        if (isExpired(error)) {
          this.logger.info({ resourceVersion: this.resourceVersion }, 'watch history expired; re-listing');
          needList = true;
          continue;
        }
        this.logger.warn({ err: error, retryInMs: backoff }, 'list/watch failed; retrying');
        await abortableSleep(backoff * (1 + Math.random() * 0.2), signal);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const { namespace, labelSelector, fieldSelector, pageSize = 500 } = this.options;
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      let page;
      try {
        page = await this.client.list<T>(this.resource, { namespace, labelSelector, fieldSelector, limit: pageSize, continue: cont });
      } catch (error) {
        // The continue token's snapshot was compacted away: start the list over.
        if (cont && isExpired(error)) {
          fresh.clear();
          cont = undefined;
          continue;
        }
        throw error;
      }
      if (signal.aborted) return;
      for (const obj of page.items) fresh.set(objectKey(obj), withTypeMeta(obj, this.resource));
      cont = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (cont);
    for (const [key, old] of this.items) if (!fresh.has(key)) this.remove(key, old);
    for (const [key, obj] of fresh) this.upsert(key, obj);
    this.resourceVersion = resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const waiter of [...this.syncWaiters]) waiter();
    }
  }

  /** Follows one watch stream until it ends; true when the cache must be re-listed. */
  private async watch(signal: AbortSignal): Promise<boolean> {
    const { namespace, labelSelector, fieldSelector } = this.options;
    const events = this.client.watch<T>(this.resource, { namespace, labelSelector, fieldSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, signal });
    for await (const event of events) {
      if (event.type === 'ERROR') {
        if (event.object.code === 410) {
          this.logger.info({ message: event.object.message }, 'watch history expired; re-listing');
          return true;
        }
        this.logger.warn({ status: event.object }, 'watch ended with an error');
        return false;
      }
      const obj = event.object;
      if (event.type !== 'BOOKMARK') {
        const key = objectKey(obj);
        if (event.type === 'DELETED') {
          const old = this.items.get(key);
          if (old) this.remove(key, withTypeMeta(obj, this.resource));
        } else {
          this.upsert(key, withTypeMeta(obj, this.resource));
        }
      }
      if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
    }
    return false;
  }

  private upsert(key: string, obj: T): void {
    const old = this.items.get(key);
    if (old && old.metadata.resourceVersion === obj.metadata.resourceVersion) return;
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    this.index(key, obj);
    for (const h of this.handlers) {
      if (old) this.call(h, 'onUpdate', old, obj);
      else this.call(h, 'onAdd', obj);
    }
  }

  private remove(key: string, last: T): void {
    this.assumed.delete(key);
    const old = this.items.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.items.delete(key);
    for (const h of this.handlers) this.call(h, 'onDelete', last);
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) for (const value of fn(obj)) addTo(this.indices.get(name)!, value, key);
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  /** A failing handler is logged; it must not stop the informer or the other handlers. */
  private call(handlers: InformerHandlers<T>, which: 'onAdd' | 'onDelete', obj: T): void;
  private call(handlers: InformerHandlers<T>, which: 'onUpdate', old: T, obj: T): void;
  private call(handlers: InformerHandlers<T>, which: keyof InformerHandlers<T>, a: T, b?: T): void {
    try {
      if (which === 'onUpdate') handlers.onUpdate?.(a, b!);
      else handlers[which]?.(a);
    } catch (error) {
      this.logger.error({ err: error, handler: which }, 'informer handler failed');
    }
  }
}

const REVISION = /^[0-9]{1,30}$/;

/** Whether `a` is a later version of the object than `b`, by integer resourceVersions (false when either is opaque). */
function isNewer(a: KubeObject, b: KubeObject): boolean {
  const ra = a.metadata.resourceVersion ?? '';
  const rb = b.metadata.resourceVersion ?? '';
  return REVISION.test(ra) && REVISION.test(rb) && BigInt(ra) > BigInt(rb);
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

/** Items of a list carry no apiVersion/kind on some servers; the cache always has them. */
function withTypeMeta<T extends KubeObject>(obj: T, resource: ResourceRef): T {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: obj.apiVersion || refApiVersion(resource), kind: obj.kind || resource.kind || '' };
}
