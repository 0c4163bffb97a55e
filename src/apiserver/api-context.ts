// What every request handler shares: the store and its object view, the served kinds, the
// watch fan-out, metrics, logging and the server's limits.
import type { Logger } from 'pino';
import type { Store } from '../storage/store.ts';
import type { ApiMetrics } from './metrics.ts';
import type { NamespaceLookup } from './namespace-lookup.ts';
import type { ObjectStore } from './object-store.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import type { WatchHub } from './watch-hub.ts';

export interface ApiContext {
  store: Store;
  objects: ObjectStore;
  registry: ResourceRegistry;
  hub: WatchHub;
  namespaces: NamespaceLookup;
  metrics: ApiMetrics;
  logger: Logger;
  maxRequestBodyBytes: number;
  bookmarkIntervalMs: number;
  /** host:port clients reach the server at, for discovery's serverAddressByClientCIDRs. */
  serverAddress: string;
}
