// Finding, from a provider object, the core objects that reference it (the Cluster naming an
// infrastructure cluster, the Machines naming an infrastructure machine or bootstrap config) through
// an index on the shared informer, so a provider event maps to its owners without a scan, even
// before the owner reference is in place.
import type { KubeObject } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import type { IndexFunc, Informer } from '../../client/informer.ts';
import { objectKey } from '../../client/informer.ts';
import type { ProviderReference } from './external.ts';

/** Adds the indexer unless the shared informer already has one of that name (whoever asks first adds it). */
export function ensureIndexer<T extends KubeObject>(informer: Informer<T>, name: string, fn: IndexFunc<T>): void {
  try {
    informer.byIndex(name, '');
  } catch {
    informer.addIndexer(name, fn);
  }
}

const referenceKey = (apiGroup: string, kind: string, namespace: string | undefined, name: string) => `${apiGroup}/${kind}/${namespace ?? ''}/${name}`;

/** Indexes `informer`'s objects by the provider objects they reference (in their own namespace). */
export function indexReferences<T extends KubeObject>(informer: Informer<T>, indexName: string, referencesOf: (obj: T) => (ProviderReference | undefined)[]): void {
  ensureIndexer(informer, indexName, (obj) => referencesOf(obj)
    .filter((r): r is ProviderReference => r !== undefined)
    .map((r) => referenceKey(r.apiGroup, r.kind, obj.metadata.namespace, r.name)));
}

/** Keys of the indexed objects that reference `target`. */
export function referencingKeys(informer: Informer, indexName: string, target: KubeObject): string[] {
  const key = referenceKey(splitApiVersion(target.apiVersion).group, target.kind, target.metadata.namespace, target.metadata.name ?? '');
  return informer.byIndex(indexName, key).map((obj) => objectKey(obj));
}
