// Expectations that a controller's informer cache has caught up with the controller's own writes, so that a
// reconcile never decides from a cache that does not show them yet (a second create, or a second delete, of the
// same Machine). This is what Cluster API does with DeferNextReconcileUntilCacheUpToDate and Kubernetes' ReplicaSet
// controller with its expectations: after a write, the owner's next reconcile waits until the informer has seen
// the resourceVersion the write returned (or, for an object removed at once, until the cache no longer holds it).
//
// Resource versions are compared as integers, which every Kubernetes-compatible server built on etcd-style
// revisions (Kubernetes itself, kine, Slipway) hands out. A version that is not an integer, or an event lost for
// good, is waited for at most `ttlMs`; expectations are memory only, so a restarted controller starts from a
// freshly listed cache, which shows every write made before the restart.
import type { KubeObject } from '../../api/meta.ts';
import { objectKey } from '../../client/informer.ts';

const DEFAULT_TTL_MS = 60_000;

/** What expectations read of an informer. */
export interface CacheView {
  readonly lastResourceVersion: string;
  get(key: string): KubeObject | undefined;
}

type Pending =
  | { informer: CacheView; resourceVersion: string; at: number }
  | { informer: CacheView; gone: { key: string; uid: string }; at: number };

function versionReached(informer: CacheView, resourceVersion: string): boolean {
  const seen = informer.lastResourceVersion;
  if (!/^\d+$/.test(seen) || !/^\d+$/.test(resourceVersion)) return false;
  return BigInt(seen) >= BigInt(resourceVersion);
}

export class CacheExpectations {
  private readonly pending = new Map<string, Pending[]>();
  private readonly ttlMs: number;

  constructor(options: { ttlMs?: number } = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  /** After a write of `written` (the object the server returned) on behalf of `owner`. */
  expectObserved(owner: string, informer: CacheView, written: KubeObject): void {
    const resourceVersion = written.metadata.resourceVersion;
    if (resourceVersion) this.add(owner, { informer, resourceVersion, at: Date.now() });
  }

  /** After a delete that removed `deleted` at once (the server answered with a Status, not the object). */
  expectGone(owner: string, informer: CacheView, deleted: KubeObject): void {
    this.add(owner, { informer, gone: { key: objectKey(deleted), uid: deleted.metadata.uid ?? '' }, at: Date.now() });
  }

  /** True when the cache reflects every write expected for `owner`; met expectations are dropped. */
  satisfied(owner: string): boolean {
    const list = this.pending.get(owner);
    if (!list) return true;
    const now = Date.now();
    const left = list.filter((p) => {
      if (now - p.at > this.ttlMs) return false;
      if ('resourceVersion' in p) return !versionReached(p.informer, p.resourceVersion);
      return p.informer.get(p.gone.key)?.metadata.uid === p.gone.uid;
    });
    if (left.length === 0) this.pending.delete(owner);
    else this.pending.set(owner, left);
    return left.length === 0;
  }

  /** The owner is gone: nothing to wait for any more. */
  forget(owner: string): void {
    this.pending.delete(owner);
  }

  private add(owner: string, pending: Pending): void {
    const list = this.pending.get(owner) ?? [];
    list.push(pending);
    this.pending.set(owner, list);
  }
}
