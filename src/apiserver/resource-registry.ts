// Which kinds the server serves right now: the built-ins plus one ResourceType per served version
// of every CustomResourceDefinition. CRD writes update it synchronously (a new kind is usable as
// soon as its CRD is created); listeners (discovery and OpenAPI caches) are told of each change.
import type { KubeObject } from '../api/meta.ts';
import type { CustomResourceValidator, ResourceType } from '../api/resource.ts';
import { resourceTypesFromCRD } from '../api/builtin/custom-resource-definition.ts';

export interface GroupVersions {
  group: string;
  /** Served versions, the preferred (highest priority) first. */
  versions: string[];
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first, then others by name. */
export function compareVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const level = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [level, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [la, ma, na] = rank(a);
  const [lb, mb, nb] = rank(b);
  if (la !== lb) return lb - la;
  if (la === 0) return a < b ? -1 : a > b ? 1 : 0;
  return mb - ma || nb - na;
}

export class ResourceRegistry {
  private readonly builtins: ResourceType[];
  private readonly validators: ReadonlyMap<string, CustomResourceValidator>;
  private readonly crdTypes = new Map<string, ResourceType[]>();
  private byPath = new Map<string, ResourceType>();
  private groupVersionList: GroupVersions[] = [];
  private readonly listeners = new Set<() => void>();
  /** Bumped on every change; caches compare it. */
  generation = 0;

  /** `validators`: extra validation of custom kinds, by "group/Kind", attached to their types whenever a CRD serves them. */
  constructor(builtins: ResourceType[], validators: ReadonlyMap<string, CustomResourceValidator> = new Map()) {
    this.builtins = builtins;
    this.validators = validators;
    this.rebuild();
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** Every served type, built-ins first. */
  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  groupVersions(): GroupVersions[] {
    return this.groupVersionList;
  }

  servesGroupVersion(group: string, version: string): boolean {
    return this.groupVersionList.some((g) => g.group === group && g.versions.includes(version));
  }

  typesIn(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.version === version);
  }

  /** The types a CRD defines, replacing what it defined before. */
  setCRD(crd: KubeObject): void {
    const name = crd.metadata.name!;
    const types = resourceTypesFromCRD(crd).map((type) => {
      const validate = this.validators.get(`${type.group}/${type.kind}`);
      return validate ? { ...type, validate } : type;
    });
    const previous = this.crdTypes.get(name);
    if (previous && JSON.stringify(previous) === JSON.stringify(types)) return;
    this.crdTypes.set(name, types);
    this.changed();
  }

  removeCRD(name: string): void {
    if (this.crdTypes.delete(name)) this.changed();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.rebuild();
    this.generation++;
    for (const listener of this.listeners) listener();
  }

  private rebuild(): void {
    const byPath = new Map<string, ResourceType>();
    for (const type of [...this.builtins, ...[...this.crdTypes.values()].flat()]) {
      const path = `${type.group}/${type.version}/${type.plural}`;
      // A CRD cannot shadow a built-in kind.
      if (!byPath.has(path)) byPath.set(path, type);
    }
    const groups = new Map<string, Set<string>>();
    for (const type of byPath.values()) {
      if (!groups.has(type.group)) groups.set(type.group, new Set());
      groups.get(type.group)!.add(type.version);
    }
    this.byPath = byPath;
    this.groupVersionList = [...groups].map(([group, versions]) => ({ group, versions: [...versions].sort(compareVersions) }));
  }
}
