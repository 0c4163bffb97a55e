// Whether a namespace exists and accepts new objects, asked on every namespaced create. Answered
// from a cache kept current by the watch hub; a miss falls back to the store, so a namespace
// created a moment ago is never reported missing.
import type { KubeObject } from '../api/meta.ts';
import type { ResourceType } from '../api/resource.ts';
import type { Store } from '../storage/store.ts';
import { collectionPrefix, objectKey } from './object-store.ts';
import type { Subscription, WatchHub } from './watch-hub.ts';

export type NamespaceState = 'Active' | 'Terminating' | 'Missing';

function stateOf(value: string): NamespaceState {
  const ns = JSON.parse(value) as KubeObject;
  return ns.metadata?.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === 'Terminating' ? 'Terminating' : 'Active';
}

export class NamespaceLookup {
  private readonly store: Store;
  private readonly type: ResourceType;
  private readonly states = new Map<string, NamespaceState>();
  private subscription?: Subscription;

  constructor(store: Store, namespaceType: ResourceType) {
    this.store = store;
    this.type = namespaceType;
  }

  /** Loads every namespace and follows changes from then on. */
  async start(hub: WatchHub): Promise<void> {
    const prefix = collectionPrefix(this.type);
    const revision = hub.revision;
    let after: string | undefined;
    for (;;) {
      const page = await this.store.list(prefix, { revision, limit: 500, after });
      for (const kv of page.items) this.states.set(kv.key.slice(prefix.length), stateOf(kv.value));
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
    this.subscription = hub.subscribe(prefix, revision, {
      onEvents: (events) => {
        for (const e of events) {
          const name = e.kv.key.slice(prefix.length);
          if (e.type === 'delete') this.states.delete(name);
          else this.states.set(name, stateOf(e.kv.value));
        }
      },
      onExpired: () => { this.states.clear(); },
    });
  }

  async state(name: string): Promise<NamespaceState> {
    const cached = this.states.get(name);
    if (cached !== undefined) return cached;
    const kv = await this.store.get(objectKey(this.type, undefined, name));
    return kv ? stateOf(kv.value) : 'Missing';
  }

  stop(): void {
    this.subscription?.close();
  }
}
