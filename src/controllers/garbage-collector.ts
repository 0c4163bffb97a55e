// Owner-reference garbage collection, as Kubernetes' garbage collector does it, through the API
// only: a graph of every object of every discovered kind (from shared informers) indexed by owner
// uid drives two queues.
// - attempt-to-delete: an object whose owners may be gone. Owners are checked by uid (a re-created
//   owner with the same name is a different owner; absent from the cache → verified with a live
//   GET). No owner left → the object is deleted (Foreground when an owner waits for its
//   dependents and the object has dependents of its own). Some owners left → references to gone
//   or foreground-deleting owners are removed and the object stays.
// - owner: an object being deleted with the `orphan` finalizer (dependents lose their reference
//   to it, then the finalizer goes) or `foregroundDeletion` (dependents are deleted; once none with
//   blockOwnerDeletion remains, the finalizer goes).
// Every write carries the resourceVersion or uid it was computed from, so a stale decision fails
// (and is retried) instead of acting on a newer object.
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import type { ManagerContext, Runnable } from '../client/controller.ts';
import type { DiscoveredResource } from '../client/discovery.ts';
import type { InformerHandlers } from '../client/informer.ts';
import { isConflict, isNotFound, refApiVersion } from '../client/rest-client.ts';
import { abortableSleep } from '../client/abortable-sleep.ts';
import { WorkQueue } from '../client/workqueue.ts';

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export interface GarbageCollectorOptions {
  /** Workers per queue (default 4). */
  workers?: number;
  /** How often discovery is re-read to start watching new kinds (default 30 s). */
  resyncIntervalMs?: number;
  /** Resources never collected nor watched (default: core and events.k8s.io events, as Kubernetes). */
  ignoredResources?: { group: string; plural: string }[];
}

/** What the collector knows of one object. */
interface GraphNode {
  uid: string;
  resource: DiscoveredResource;
  namespace?: string;
  name: string;
  owners: OwnerReference[];
  deletionTimestamp?: string;
  finalizers: string[];
}

const defaultIgnored = [{ group: '', plural: 'events' }, { group: 'events.k8s.io', plural: 'events' }];

const has = (node: { finalizers: string[] } | undefined, finalizer: string) => node?.finalizers.includes(finalizer) ?? false;
const isDeletingDependents = (node: GraphNode | undefined) => Boolean(node?.deletionTimestamp) && has(node, FOREGROUND_FINALIZER);

function nodeOf(obj: KubeObject, resource: DiscoveredResource): GraphNode {
  return {
    uid: obj.metadata.uid!,
    resource,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name!,
    owners: obj.metadata.ownerReferences ?? [],
    deletionTimestamp: obj.metadata.deletionTimestamp,
    finalizers: obj.metadata.finalizers ?? [],
  };
}

export function garbageCollector(options: GarbageCollectorOptions = {}): Runnable {
  return { name: 'garbage-collector', run: (ctx) => new GarbageCollection(ctx, options).run() };
}

class GarbageCollection {
  private readonly ctx: ManagerContext;
  private readonly options: Required<GarbageCollectorOptions>;
  private readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids (owners may be absent: that is what the collector looks for) */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly attemptToDelete = new WorkQueue<string>();
  private readonly owners = new WorkQueue<string>();
  private readonly watched = new Map<string, () => void>();

  constructor(ctx: ManagerContext, options: GarbageCollectorOptions) {
    this.ctx = ctx;
    this.options = { workers: options.workers ?? 4, resyncIntervalMs: options.resyncIntervalMs ?? 30_000, ignoredResources: options.ignoredResources ?? defaultIgnored };
  }

  async run(): Promise<void> {
    const { signal, logger } = this.ctx;
    const workers: Promise<void>[] = [];
    try {
      await this.watchDiscoveredResources();
      logger.info({ resources: this.watched.size }, 'garbage collector synced');
      for (let i = 0; i < this.options.workers; i++) {
        workers.push(this.work(this.attemptToDelete, (uid) => this.attemptToDeleteItem(uid)));
        workers.push(this.work(this.owners, (uid) => this.processDeletingOwner(uid)));
      }
      while (!signal.aborted) {
        await abortableSleep(this.options.resyncIntervalMs, signal);
        if (signal.aborted) break;
        await this.watchDiscoveredResources().catch((error) => logger.warn({ err: error }, 'garbage collector resync failed'));
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      this.attemptToDelete.shutDown();
      this.owners.shutDown();
      await Promise.all(workers);
      for (const unsubscribe of this.watched.values()) unsubscribe();
      this.watched.clear();
    }
  }

  /** Watches every kind that can be listed, watched and deleted; waits for the new caches. */
  private async watchDiscoveredResources(): Promise<void> {
    await this.ctx.discovery.refresh();
    const resources = (await this.ctx.discovery.preferredResources()).filter((r) =>
      ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))
      && !this.options.ignoredResources.some((i) => i.group === r.group && i.plural === r.plural));
    const current = new Set<string>();
    const syncing: Promise<void>[] = [];
    for (const resource of resources) {
      const key = `${resource.group}/${resource.plural}`;
      current.add(key);
      if (this.watched.has(key)) continue;
      const informer = this.ctx.informer(resource);
      this.watched.set(key, informer.addHandlers(this.handlers(resource)));
      syncing.push(informer.waitForSync(this.ctx.signal));
    }
    for (const [key, unsubscribe] of this.watched) {
      if (current.has(key)) continue;
      unsubscribe();
      this.watched.delete(key);
    }
    await Promise.all(syncing);
  }

  private handlers(resource: DiscoveredResource): InformerHandlers<KubeObject> {
    return {
      onAdd: (obj) => this.observe(undefined, nodeOf(obj, resource)),
      onUpdate: (old, obj) => this.observe(nodeOf(old, resource), nodeOf(obj, resource)),
      onDelete: (obj) => this.forget(nodeOf(obj, resource)),
    };
  }

  private observe(old: GraphNode | undefined, node: GraphNode): void {
    this.nodes.set(node.uid, node);
    const before = new Set(old?.owners.map((o) => o.uid));
    const after = new Set(node.owners.map((o) => o.uid));
    for (const ownerUid of before) {
      if (after.has(ownerUid)) continue;
      this.dependents.get(ownerUid)?.delete(node.uid);
      // An owner waiting for its dependents may be waiting for this one no longer.
      if (isDeletingDependents(this.nodes.get(ownerUid))) this.owners.add(ownerUid);
    }
    for (const ownerUid of after) {
      let set = this.dependents.get(ownerUid);
      if (!set) this.dependents.set(ownerUid, (set = new Set()));
      set.add(node.uid);
    }
    if (node.deletionTimestamp && (has(node, ORPHAN_FINALIZER) || has(node, FOREGROUND_FINALIZER))) this.owners.add(node.uid);
    if (node.owners.some((o) => !this.nodes.has(o.uid) || isDeletingDependents(this.nodes.get(o.uid)))) this.attemptToDelete.add(node.uid);
  }

  private forget(node: GraphNode): void {
    this.nodes.delete(node.uid);
    for (const dependentUid of this.dependents.get(node.uid) ?? []) this.attemptToDelete.add(dependentUid);
    for (const owner of node.owners) {
      const set = this.dependents.get(owner.uid);
      set?.delete(node.uid);
      if (set?.size === 0 && !this.nodes.has(owner.uid)) this.dependents.delete(owner.uid);
      if (isDeletingDependents(this.nodes.get(owner.uid))) this.owners.add(owner.uid);
    }
    if (this.dependents.get(node.uid)?.size === 0) this.dependents.delete(node.uid);
  }

  private async work(queue: WorkQueue<string>, process: (uid: string) => Promise<void>): Promise<void> {
    for (;;) {
      const uid = await queue.get();
      if (uid === undefined) return;
      try {
        await process(uid);
        queue.forget(uid);
      } catch (error) {
        if (!this.ctx.signal.aborted) this.ctx.logger.warn({ err: error, uid, retries: queue.numRequeues(uid) }, 'garbage collection step failed; retrying');
        queue.addRateLimited(uid);
      } finally {
        queue.done(uid);
      }
    }
  }

  /** The live object of a node, or undefined when it is gone or was replaced (another uid). */
  private async live(node: GraphNode): Promise<KubeObject | undefined> {
    try {
      const obj = await this.ctx.client.get(node.resource, node.name, node.namespace);
      return obj.metadata.uid === node.uid ? obj : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Where an owner stands: the cache first, a live read (by name, compared by uid) when not cached. */
  private async ownerState(dependent: GraphNode, ref: OwnerReference): Promise<'solid' | 'dangling' | 'waiting'> {
    const cached = this.nodes.get(ref.uid);
    if (cached) return isDeletingDependents(cached) ? 'waiting' : 'solid';
    const resource = await this.ctx.discovery.resourceFor(ref.apiVersion, ref.kind);
    // A cluster-scoped object cannot be owned by a namespaced one: the reference is unresolvable
    // and, as in Kubernetes, does not make the object collectable.
    if (resource.namespaced && !dependent.namespace) return 'solid';
    try {
      const owner = await this.ctx.client.get(resource, ref.name, resource.namespaced ? dependent.namespace : undefined);
      if (owner.metadata.uid !== ref.uid) return 'dangling';
      return owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'solid';
    } catch (error) {
      if (isNotFound(error)) return 'dangling';
      throw error;
    }
  }

  private async attemptToDeleteItem(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const latest = await this.live(node);
    // Gone, or already being deleted (its own finalizers are someone else's business).
    if (!latest || latest.metadata.deletionTimestamp) return;
    const current = nodeOf(latest, node.resource);
    if (current.owners.length === 0) return;
    const solid: OwnerReference[] = [];
    const gone: OwnerReference[] = [];
    let waiting = false;
    for (const ref of current.owners) {
      const state = await this.ownerState(current, ref);
      if (state === 'solid') solid.push(ref);
      else gone.push(ref);
      if (state === 'waiting') waiting = true;
    }
    const { client, logger } = this.ctx;
    if (solid.length > 0) {
      if (gone.length === 0) return;
      const goneUids = new Set(gone.map((r) => r.uid));
      await client.patch(node.resource, node.name, {
        metadata: { resourceVersion: latest.metadata.resourceVersion, ownerReferences: current.owners.filter((r) => !goneUids.has(r.uid)) },
      }, { type: 'merge', namespace: node.namespace });
      logger.info({ object: describe(node), removedOwners: gone.map((r) => r.uid) }, 'removed references to deleted owners');
      return;
    }
    const hasDependents = (this.dependents.get(uid)?.size ?? 0) > 0;
    const policy = has(current, ORPHAN_FINALIZER) ? 'Orphan'
      : has(current, FOREGROUND_FINALIZER) || (waiting && hasDependents) ? 'Foreground'
      : 'Background';
    try {
      await client.delete(node.resource, node.name, { namespace: node.namespace, propagationPolicy: policy, preconditions: { uid } });
      logger.info({ object: describe(node), propagationPolicy: policy }, 'deleted object whose owners are all gone');
    } catch (error) {
      // Gone or replaced since it was read: nothing to collect.
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
  }

  private async processDeletingOwner(uid: string): Promise<void> {
    const node = this.nodes.get(uid);
    if (!node) return;
    const latest = await this.live(node);
    if (!latest?.metadata.deletionTimestamp) return;
    const owner = nodeOf(latest, node.resource);
    const dependents = [...(this.dependents.get(uid) ?? [])].map((d) => this.nodes.get(d)).filter((d): d is GraphNode => d !== undefined);
    if (has(owner, ORPHAN_FINALIZER)) {
      for (const dependent of dependents) await this.removeOwnerReference(dependent, uid);
      await this.removeFinalizer(owner, latest, ORPHAN_FINALIZER);
      return;
    }
    if (has(owner, FOREGROUND_FINALIZER)) {
      for (const dependent of dependents) if (!dependent.deletionTimestamp) this.attemptToDelete.add(dependent.uid);
      const blocking = dependents.filter((d) => d.owners.some((r) => r.uid === uid && r.blockOwnerDeletion === true));
      if (blocking.length === 0) await this.removeFinalizer(owner, latest, FOREGROUND_FINALIZER);
    }
  }

  private async removeOwnerReference(dependent: GraphNode, ownerUid: string): Promise<void> {
    const latest = await this.live(dependent);
    const refs = latest?.metadata.ownerReferences ?? [];
    if (!latest || !refs.some((r) => r.uid === ownerUid)) return;
    const kept = refs.filter((r) => r.uid !== ownerUid);
    await this.ctx.client.patch(dependent.resource, dependent.name, {
      metadata: { resourceVersion: latest.metadata.resourceVersion, ownerReferences: kept.length > 0 ? kept : null },
    }, { type: 'merge', namespace: dependent.namespace });
    this.ctx.logger.info({ object: describe(dependent), owner: ownerUid }, 'orphaned dependent');
  }

  private async removeFinalizer(node: GraphNode, latest: KubeObject, finalizer: string): Promise<void> {
    const kept = node.finalizers.filter((f) => f !== finalizer);
    await this.ctx.client.patch(node.resource, node.name, {
      metadata: { resourceVersion: latest.metadata.resourceVersion, finalizers: kept.length > 0 ? kept : null },
    }, { type: 'merge', namespace: node.namespace });
    this.ctx.logger.info({ object: describe(node), finalizer }, 'removed finalizer');
  }
}

function describe(node: GraphNode): string {
  return `${refApiVersion(node.resource)} ${node.resource.kind} ${node.namespace ? `${node.namespace}/` : ''}${node.name} (${node.uid})`;
}
