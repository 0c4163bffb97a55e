// Picks the store backend from configuration. The etcd client (gRPC) loads only when asked for.
import type { Store } from './store.ts';
import { openSqliteStore } from './sqlite.ts';

export type StoreConfig =
  | { backend: 'sqlite'; path: string; durability?: 'full' | 'normal' }
  | { backend: 'etcd'; endpoints: string[]; tls?: { ca: string; cert: string; key: string } };

export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.backend === 'sqlite') return openSqliteStore(config.path, { durability: config.durability });
  const { openEtcdStore } = await import('./etcd.ts');
  return openEtcdStore({ endpoints: config.endpoints, tls: config.tls });
}
