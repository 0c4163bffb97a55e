// API discovery: /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version> in the legacy
// form, and /api and /apis as aggregated discovery (apidiscovery.k8s.io/v2) for clients that ask,
// which saves kubectl one request per group version. Documents are built once per registry change.
import type { ResourceType } from '../api/resource.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ResourceRegistry } from './resource-registry.ts';

const objectVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const subresourceVerbs = ['get', 'patch', 'update'];

interface Subresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

function subresourcesOf(type: ResourceType): Subresource[] {
  const subresources: Subresource[] = [];
  if (type.builtin && type.group === '' && type.kind === 'Namespace') subresources.push({ name: 'finalize', kind: 'Namespace', verbs: ['update'] });
  if (type.subresources.scale) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: subresourceVerbs });
  if (type.subresources.status) subresources.push({ name: 'status', kind: type.kind, verbs: subresourceVerbs });
  return subresources;
}

function apiResourceList(types: ResourceType[], group: string, version: string): object {
  const resources: object[] = [];
  for (const type of types) {
    resources.push({
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: objectVerbs,
      ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
      ...(type.categories.length ? { categories: type.categories } : {}),
    });
    for (const sub of subresourcesOf(type)) {
      resources.push({ name: `${type.plural}/${sub.name}`, singularName: '', namespaced: type.namespaced, ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}), kind: sub.kind, verbs: sub.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function discoveredResource(type: ResourceType): object {
  return {
    resource: type.plural,
    responseKind: { group: type.group, version: type.version, kind: type.kind },
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: objectVerbs,
    ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
    ...(type.categories.length ? { categories: type.categories } : {}),
    subresources: subresourcesOf(type).map((sub) => ({
      subresource: sub.name,
      responseKind: { group: sub.group ?? type.group, version: sub.version ?? type.version, kind: sub.kind },
      verbs: sub.verbs,
    })),
  };
}

export const aggregatedContentType = (version: string) => `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

export class Discovery {
  private readonly registry: ResourceRegistry;
  private readonly serverAddress: () => string;
  private cache = new Map<string, string>();

  constructor(registry: ResourceRegistry, serverAddress: () => string) {
    this.registry = registry;
    this.serverAddress = serverAddress;
    registry.onChange(() => { this.cache = new Map(); });
  }

  private cached(key: string, build: () => object | undefined): string | undefined {
    let json = this.cache.get(key);
    if (json === undefined) {
      const doc = build();
      if (doc === undefined) return undefined;
      json = JSON.stringify(doc);
      this.cache.set(key, json);
    }
    return json;
  }

  /** /api */
  coreVersions(): string {
    return this.cached('/api', () => ({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }] }))!;
  }

  private groupDoc(group: string, versions: string[]): object {
    const list = versions.map((version) => ({ groupVersion: apiVersionOf(group, version), version }));
    return { name: group, versions: list, preferredVersion: list[0] };
  }

  /** /apis */
  groups(): string {
    return this.cached('/apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.registry.groupVersions().filter((g) => g.group !== '').map((g) => this.groupDoc(g.group, g.versions)),
    }))!;
  }

  /** /apis/<group>, undefined when the group is not served. */
  group(group: string): string | undefined {
    return this.cached(`/apis/${group}`, () => {
      const found = this.registry.groupVersions().find((g) => g.group === group && group !== '');
      return found ? { kind: 'APIGroup', apiVersion: 'v1', ...this.groupDoc(group, found.versions) } : undefined;
    });
  }

  /** /api/v1 or /apis/<group>/<version>, undefined when not served. */
  resources(group: string, version: string): string | undefined {
    return this.cached(`${group}/${version}`, () => {
      if (!this.registry.servesGroupVersion(group, version)) return undefined;
      return apiResourceList(this.registry.typesIn(group, version), group, version);
    });
  }

  /** Aggregated discovery for /api (core) or /apis (every other group). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): string {
    return this.cached(`aggregated:${core}:${version}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: this.registry.groupVersions().filter((g) => (g.group === '') === core).map((g) => ({
        metadata: { name: g.group },
        versions: g.versions.map((v) => ({ version: v, resources: this.registry.typesIn(g.group, v).map(discoveredResource), freshness: 'Current' })),
      })),
    }))!;
  }
}
