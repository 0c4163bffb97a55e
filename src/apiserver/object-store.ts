// Objects ↔ Store keys and values. Keys are `/registry/<group|core>/<plural>/[<namespace>/]<name>`
// (one prefix per resource, version-independent); values are the object's JSON in its storage
// version without resourceVersion, which is the key's modRevision and is added on the way out.
import type { KubeObject } from '../api/meta.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ResourceType } from '../api/resource.ts';
import { StoreError, type KeyValue, type Store } from '../storage/store.ts';
import { alreadyExists, conflict, notFound, staleObjectMessage } from './status-errors.ts';

export const registryRoot = '/registry/';

export function resourcePrefix(type: { group: string; plural: string }): string {
  return `${registryRoot}${type.group || 'core'}/${type.plural}/`;
}

/** Keys of one namespace, or of all namespaces (and cluster-scoped kinds) when `namespace` is absent. */
export function collectionPrefix(type: ResourceType, namespace?: string): string {
  return type.namespaced && namespace ? `${resourcePrefix(type)}${namespace}/` : resourcePrefix(type);
}

export function objectKey(type: ResourceType, namespace: string | undefined, name: string): string {
  return type.namespaced ? `${resourcePrefix(type)}${namespace}/${name}` : `${resourcePrefix(type)}${name}`;
}

/** The resource prefix a key belongs to (`/registry/core/configmaps/`), or undefined. */
export function resourcePrefixOfKey(key: string): string | undefined {
  const groupEnd = key.indexOf('/', registryRoot.length);
  if (groupEnd < 0) return undefined;
  const pluralEnd = key.indexOf('/', groupEnd + 1);
  return pluralEnd < 0 ? undefined : key.slice(0, pluralEnd + 1);
}

/** The stored form: apiVersion, kind and metadata first (so reads can splice in resourceVersion), no resourceVersion. */
export function encodeObject(obj: KubeObject, type: ResourceType): string {
  const { apiVersion: _a, kind, metadata, ...rest } = obj;
  const { resourceVersion: _rv, ...meta } = metadata;
  return JSON.stringify({ apiVersion: apiVersionOf(type.group, type.storageVersion), kind, metadata: meta, ...rest });
}

/** Parses a stored value into the object as served in `type`'s version. */
export function decodeObject(kv: KeyValue, type: ResourceType): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.apiVersion = apiVersionOf(type.group, type.version);
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

const splicePrefixes = new WeakMap<ResourceType, string>();

/** The object's JSON text as served, without a parse/serialise round trip when the stored text allows. */
export function objectJson(kv: KeyValue, type: ResourceType): string {
  let prefix = splicePrefixes.get(type);
  if (prefix === undefined) {
    prefix = `{"apiVersion":${JSON.stringify(apiVersionOf(type.group, type.storageVersion))},"kind":`;
    splicePrefixes.set(type, prefix);
  }
  if (type.version === type.storageVersion && kv.value.startsWith(prefix)) {
    const at = kv.value.indexOf('"metadata":{', prefix.length);
    if (at > 0) {
      const insertAt = at + '"metadata":{'.length;
      const rv = `"resourceVersion":"${kv.modRevision}"`;
      return kv.value.slice(0, insertAt) + (kv.value[insertAt] === '}' ? rv : `${rv},`) + kv.value.slice(insertAt);
    }
  }
  return JSON.stringify(decodeObject(kv, type));
}

/** Store operations on objects, with store errors turned into the Status kube-apiserver gives. */
export class ObjectStore {
  readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }

  async get(type: ResourceType, namespace: string | undefined, name: string, revision?: number): Promise<KeyValue | undefined> {
    return this.store.get(objectKey(type, namespace, name), revision);
  }

  async create(type: ResourceType, obj: KubeObject): Promise<KubeObject> {
    try {
      const kv = await this.store.create(objectKey(type, obj.metadata.namespace, obj.metadata.name!), encodeObject(obj, type));
      return withRevision(obj, kv.modRevision);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'AlreadyExists') throw alreadyExists(type, obj.metadata.name!);
      throw error;
    }
  }

  /** Compare-and-swap against `expectedRevision`; a StoreError Conflict passes through for callers that retry. */
  async update(type: ResourceType, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    try {
      const kv = await this.store.update(objectKey(type, obj.metadata.namespace, obj.metadata.name!), encodeObject(obj, type), expectedRevision);
      return withRevision(obj, kv.modRevision);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NotFound') throw notFound(type, obj.metadata.name!);
      throw error;
    }
  }

  async delete(type: ResourceType, obj: KubeObject, expectedRevision: number): Promise<KubeObject> {
    try {
      const kv = await this.store.delete(objectKey(type, obj.metadata.namespace, obj.metadata.name!), expectedRevision);
      return withRevision(obj, kv.modRevision);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NotFound') throw notFound(type, obj.metadata.name!);
      if (error instanceof StoreError && error.code === 'Conflict') throw conflict(type, obj.metadata.name!, staleObjectMessage);
      throw error;
    }
  }
}

export function withRevision(obj: KubeObject, revision: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(revision) } };
}
