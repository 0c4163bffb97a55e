// API discovery (/api, /apis, /apis/<group>/<version>): every served resource with its kind, scope
// and verbs, for mapping kinds to resources and for controllers that act on every kind (the
// garbage collector, namespace deletion). Cached; refreshed on demand or when a lookup misses.
import { splitApiVersion } from '../api/meta.ts';
import type { ResourceRef, RestClient } from './rest-client.ts';
import { ApiError, isApiError } from './rest-client.ts';

export interface DiscoveredResource extends ResourceRef {
  kind: string;
  singular: string;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  /** Subresource names: status, scale, finalize… */
  subresources: string[];
  /** Whether this is the group's preferred version (each object is served in every version). */
  preferred: boolean;
}

interface ApiResource {
  name: string;
  singularName?: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

interface ApiGroup {
  name: string;
  versions: { groupVersion: string; version: string }[];
  preferredVersion?: { groupVersion: string; version: string };
}

export class Discovery {
  private readonly client: RestClient;
  private readonly maxAgeMs: number;
  private cached: DiscoveredResource[] | undefined;
  private fetchedAt = 0;
  private inflight: Promise<DiscoveredResource[]> | undefined;

  /** maxAgeMs: how long a discovery result is reused before the next call refreshes it. */
  constructor(client: RestClient, options: { maxAgeMs?: number } = {}) {
    this.client = client;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  /** All served resources in every served version (subresources folded into their resource). */
  async resources(): Promise<DiscoveredResource[]> {
    if (this.cached && Date.now() - this.fetchedAt < this.maxAgeMs) return this.cached;
    return this.refresh();
  }

  /** Fetches discovery again now (concurrent callers share one fetch). */
  refresh(): Promise<DiscoveredResource[]> {
    this.inflight ??= this.fetch().then((resources) => {
      this.cached = resources;
      this.fetchedAt = Date.now();
      return resources;
    }).finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  /**
   * One resource per group and plural, in the group's preferred version when it serves the
   * resource there: the set to list or watch when every object should be seen exactly once.
   */
  async preferredResources(): Promise<DiscoveredResource[]> {
    const all = await this.resources();
    const chosen = new Map<string, DiscoveredResource>();
    for (const r of all) {
      const key = `${r.group}/${r.plural}`;
      const seen = chosen.get(key);
      if (!seen || (r.preferred && !seen.preferred)) chosen.set(key, r);
    }
    return [...chosen.values()];
  }

  /** The resource serving apiVersion/kind; refreshes once when it is not (yet) known. */
  async resourceFor(apiVersion: string, kind: string): Promise<DiscoveredResource> {
    const { group, version } = splitApiVersion(apiVersion);
    const find = (list: DiscoveredResource[]) => list.find((r) => r.group === group && r.version === version && r.kind === kind);
    const found = find(await this.resources()) ?? find(await this.refresh());
    if (!found) {
      throw new ApiError({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `no resource serves kind "${kind}" in version "${apiVersion}"` });
    }
    return found;
  }

  /**
   * A resource by the name a user types: plural, singular, short name or kind (any case), with an
   * optional ".group" suffix (`machines.cluster.x-k8s.io`). Preferred versions win.
   */
  async lookup(name: string): Promise<DiscoveredResource | undefined> {
    const search = (list: DiscoveredResource[]) => {
      const lower = name.toLowerCase();
      const matches = list.filter((r) => {
        const names = [r.plural, r.singular, r.kind.toLowerCase(), ...r.shortNames];
        return names.includes(lower) || names.some((n) => `${n}.${r.group}` === lower);
      });
      return matches.find((r) => r.preferred && r.group === '') ?? matches.find((r) => r.preferred) ?? matches[0];
    };
    return search(await this.resources()) ?? search(await this.refresh());
  }

  private async fetch(): Promise<DiscoveredResource[]> {
    const core = await this.client.request<{ versions: string[] }>({ path: '/api' });
    const groups = await this.client.request<{ groups: ApiGroup[] }>({ path: '/apis' });
    const targets: { group: string; version: string; preferred: boolean; path: string }[] = core.versions.map((version, i) => ({ group: '', version, preferred: i === 0, path: `/api/${version}` }));
    for (const g of groups.groups) {
      const preferred = g.preferredVersion?.version ?? g.versions[0]?.version;
      for (const v of g.versions) targets.push({ group: g.name, version: v.version, preferred: v.version === preferred, path: `/apis/${g.name}/${v.version}` });
    }
    const lists = await Promise.all(targets.map(async (t) => {
      try {
        return { target: t, resources: (await this.client.request<{ resources: ApiResource[] }>({ path: t.path })).resources };
      } catch (error) {
        // A group version removed since /apis was read (a CRD deleted) is simply not served.
        if (isApiError(error, 'NotFound')) return { target: t, resources: [] };
        throw error;
      }
    }));
    const result: DiscoveredResource[] = [];
    for (const { target, resources } of lists) {
      const subresources = new Map<string, string[]>();
      for (const r of resources) {
        const slash = r.name.indexOf('/');
        if (slash < 0) continue;
        const parent = r.name.slice(0, slash);
        subresources.set(parent, [...(subresources.get(parent) ?? []), r.name.slice(slash + 1)]);
      }
      for (const r of resources) {
        if (r.name.includes('/')) continue;
        result.push({
          group: target.group,
          version: target.version,
          plural: r.name,
          namespaced: r.namespaced,
          kind: r.kind,
          singular: r.singularName || r.kind.toLowerCase(),
          verbs: r.verbs ?? [],
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          subresources: subresources.get(r.name) ?? [],
          preferred: target.preferred,
        });
      }
    }
    return result;
  }
}
