// Provider objects (infrastructure clusters and machines, bootstrap configs, control planes) read
// and written generically, as Cluster API's controllers/external package does: references name a
// group and a kind, never a version; the version comes from the contract label on the kind's CRD
// (`cluster.x-k8s.io/v1beta2: v1alpha1_v1alpha2`), so a provider can move its storage version
// without every Cluster, Machine and template being rewritten.
import { randomInt } from 'node:crypto';
import type { KubeObject, OwnerReference } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import { contractVersionLabel, clusterNameLabel, templateClonedFromGroupKindAnnotation, templateClonedFromNameAnnotation, templateSuffix } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { compareVersions } from '../../apiserver/resource-registry.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { customResourceDefinitionsResource } from '../../client/resources.ts';
import { ApiError, isAlreadyExists, isConflict, isNotFound, refApiVersion, type ResourceRef } from '../../client/rest-client.ts';

/** What the helpers need of a manager context (tests and CLIs can pass a client and a discovery). */
export type ProviderContext = Pick<ManagerContext, 'client' | 'discovery'> & Partial<Pick<ManagerContext, 'informer'>>;

/** Cluster API's ContractVersionedObjectReference. */
export interface ProviderReference {
  apiGroup: string;
  kind: string;
  name: string;
}

/** The contract this Slipway implements, then the older ones it still reads labels of (as Cluster API does while v1beta1 is supported). */
export const CONTRACT_VERSIONS = ['v1beta2', 'v1beta1'] as const;

/** How long a resolved version is trusted before the CRD is read again (a provider upgrade changes it). */
const RESOLUTION_TTL_MS = 10_000;
const resolutions = new WeakMap<object, Map<string, { ref: Promise<ResourceRef>; at: number }>>();

/** The reference's kind is served by nothing: the provider is not installed (or not yet). */
export class UnknownProviderKindError extends ApiError {
  constructor(apiGroup: string, kind: string) {
    super({ apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: `no resource serves kind ${kind} in group ${apiGroup}: is its provider installed?` });
    this.name = 'UnknownProviderKindError';
  }
}

/**
 * The resource (and so the version) to read a provider kind in: the highest version listed by the
 * CRD's contract label for the newest contract labelled, else the group's preferred version.
 */
export function resolveReference(ctx: ProviderContext, ref: { apiGroup: string; kind: string }): Promise<ResourceRef> {
  let cache = resolutions.get(ctx.discovery);
  if (!cache) resolutions.set(ctx.discovery, (cache = new Map()));
  const key = `${ref.kind}.${ref.apiGroup}`;
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < RESOLUTION_TTL_MS) return cached.ref;
  // One resolution at a time: the callers arriving meanwhile (a MachineSet cloning a hundred templates) share it.
  const resolution = { ref: resolve(ctx, ref, key), at: Date.now() };
  cache.set(key, resolution);
  resolution.ref.catch(() => { if (cache.get(key) === resolution) cache.delete(key); });
  return resolution.ref;
}

async function resolve(ctx: ProviderContext, ref: { apiGroup: string; kind: string }, key: string): Promise<ResourceRef> {
  const find = async (refresh: boolean) => {
    const all = refresh ? await ctx.discovery.refresh() : await ctx.discovery.resources();
    return all.filter((r) => r.group === ref.apiGroup && r.kind === ref.kind);
  };
  let served = await find(false);
  if (served.length === 0) served = await find(true);
  if (served.length === 0) throw new UnknownProviderKindError(ref.apiGroup, ref.kind);

  const version = (await contractVersion(ctx, `${served[0].plural}.${ref.apiGroup}`)) ?? (served.find((r) => r.preferred) ?? served[0]).version;
  const chosen = served.find((r) => r.version === version);
  if (!chosen) throw new Error(`the CRD of ${key} names version ${version} in its ${contractVersionLabel(CONTRACT_VERSIONS[0])} label, but that version is not served`);
  return { group: chosen.group, version: chosen.version, plural: chosen.plural, namespaced: chosen.namespaced, kind: chosen.kind };
}

/** The highest version the CRD's contract label lists, or undefined (no CRD, e.g. a built-in kind, or no label). */
async function contractVersion(ctx: ProviderContext, crdName: string): Promise<string | undefined> {
  let crd: KubeObject;
  try {
    crd = await ctx.client.get(customResourceDefinitionsResource, crdName);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const labels = crd.metadata.labels ?? {};
  for (const contract of CONTRACT_VERSIONS) {
    const versions = (labels[contractVersionLabel(contract)] ?? '').split('_').filter(Boolean);
    if (versions.length > 0) return versions.sort(compareVersions)[0];
  }
  return undefined;
}

/**
 * The referenced object in `namespace`, or undefined when it does not exist. Read from the
 * manager's shared cache once it is synced (a controller that called watchResource has it), else
 * from the server.
 */
export async function getExternal(ctx: ProviderContext, ref: ProviderReference, namespace: string): Promise<KubeObject | undefined> {
  const resource = await resolveReference(ctx, ref);
  const informer = ctx.informer?.(resource);
  if (informer?.hasSynced()) return informer.getByName(resource.namespaced ? namespace : undefined, ref.name);
  return getLive(ctx, resource, ref.name, namespace);
}

async function getLive(ctx: ProviderContext, resource: ResourceRef, name: string, namespace: string): Promise<KubeObject | undefined> {
  try {
    return await ctx.client.get(resource, name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export interface CloneFromTemplateInput {
  templateRef: ProviderReference;
  namespace: string;
  clusterName: string;
  /** The name of the new object (default: the template's name, a dash and five random characters). */
  name?: string;
  owner?: OwnerReference;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /**
   * An object of the given name that exists already is an error (AlreadyExists), not this clone: for a
   * caller that draws random names, to which such an object can only belong to someone else.
   */
  mustCreate?: boolean;
}

/**
 * Creates the object a template describes (kind: the template's minus "Template"; content:
 * template.spec.template's metadata and spec) marked as cloned from it and as part of the cluster.
 * With a given name, an object of that name that already exists is taken as this clone (a retry
 * after a crash must not create a second one), unless `mustCreate` says it cannot be.
 */
export async function cloneFromTemplate(ctx: ProviderContext, input: CloneFromTemplateInput): Promise<ProviderReference> {
  const { templateRef, namespace } = input;
  if (!templateRef.kind.endsWith(templateSuffix)) throw new Error(`${templateRef.kind} is not a template kind: its name must end in ${templateSuffix}`);
  const templateResource = await resolveReference(ctx, templateRef);
  // From the shared cache (one clone per Machine: a GET each would not scale), the server when the cache misses it.
  let template = await getExternal(ctx, templateRef, namespace);
  if (!template) {
    try {
      template = await ctx.client.get(templateResource, templateRef.name, namespace);
    } catch (error) {
      if (isNotFound(error)) throw new ApiError({ ...(error as ApiError).status, message: `template ${templateRef.kind} ${namespace}/${templateRef.name} does not exist` }, { cause: error });
      throw error;
    }
  }
  const kind = templateRef.kind.slice(0, -templateSuffix.length);
  const resource = await resolveReference(ctx, { apiGroup: templateRef.apiGroup, kind });
  const body = ((template.spec as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown } } | undefined)?.template) ?? {};
  const name = input.name ?? `${templateRef.name.slice(0, 57)}-${randomSuffix()}`;
  const obj: KubeObject = {
    apiVersion: refApiVersion(resource),
    kind,
    metadata: {
      name,
      namespace,
      labels: { ...body.metadata?.labels, ...input.labels, [clusterNameLabel]: input.clusterName },
      annotations: {
        ...body.metadata?.annotations,
        ...input.annotations,
        [templateClonedFromNameAnnotation]: templateRef.name,
        [templateClonedFromGroupKindAnnotation]: `${kind}${templateSuffix}.${templateRef.apiGroup}`,
      },
      ...(input.owner ? { ownerReferences: [input.owner] } : {}),
    },
    ...(body.spec !== undefined ? { spec: structuredClone(body.spec) } : {}),
  };
  try {
    await ctx.client.create(resource, obj);
  } catch (error) {
    if (!(input.name && !input.mustCreate && isAlreadyExists(error))) throw error;
    const existing = await ctx.client.get(resource, name, namespace);
    if (existing.metadata.annotations?.[templateClonedFromNameAnnotation] !== templateRef.name) {
      throw new Error(`${kind} ${namespace}/${name} already exists and was not cloned from ${templateRef.kind} ${templateRef.name}`, { cause: error });
    }
  }
  return { apiGroup: templateRef.apiGroup, kind, name };
}

/** Kubernetes' name-generator alphabet (no vowels, no look-alikes: no accidental words). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
function randomSuffix(): string {
  return Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}

export interface EnsureOwnerReferenceOptions {
  /** Make `owner` the controlling owner (an object has at most one). */
  controller: boolean;
  /** Owner references to drop at the same time (the hand-over from a MachineSet to its Machine). */
  removeOwners?: (ref: OwnerReference) => boolean;
  /** Labels the object must carry as well (e.g. the cluster-name label). */
  labels?: Record<string, string>;
}

/**
 * Makes `owner` an owner of the referenced object (and drops `removeOwners`), writing only when
 * something changes. The merge patch is not conditional on the version read (as Cluster API's
 * hand-over): the provider's own controller writes the object at the same time, and owner references
 * are only ever changed here, so a conflict would only cost retries.
 * Throws when another object already controls it; does nothing when the object does not exist.
 */
export async function ensureOwnerReference(ctx: ProviderContext, ref: ProviderReference, namespace: string, owner: OwnerReference, options: EnsureOwnerReferenceOptions): Promise<void> {
  const resource = await resolveReference(ctx, ref);
  const obj = await getExternal(ctx, ref, namespace);
  if (!obj) return;
  const desired = withOwner(obj, owner, options);
  if (!desired) return;
  await ctx.client.patch(resource, ref.name, {
    metadata: { ownerReferences: desired.ownerReferences, ...(options.labels ? { labels: options.labels } : {}) },
  }, { type: 'merge', namespace });
}

/** The object's owner references and labels with `owner` in place, or undefined when nothing changes. */
function withOwner(obj: KubeObject, owner: OwnerReference, options: EnsureOwnerReferenceOptions): { ownerReferences: OwnerReference[] } | undefined {
  const current = obj.metadata.ownerReferences ?? [];
  const kept = current.filter((r) => r.uid !== owner.uid && !(sameGroupKind(r, owner) && r.name === owner.name) && !options.removeOwners?.(r));
  if (options.controller) {
    const other = kept.find((r) => r.controller === true);
    if (other) throw new Error(`${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name} is already controlled by ${other.kind} ${other.name}`);
  }
  const entry: OwnerReference = { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: owner.uid, ...(options.controller ? { controller: true, blockOwnerDeletion: true } : {}) };
  const ownerReferences = [...kept, entry];
  const unchanged = JSON.stringify(ownerReferences.map(normalise).sort(byUid)) === JSON.stringify(current.map(normalise).sort(byUid))
    && Object.entries(options.labels ?? {}).every(([k, v]) => obj.metadata.labels?.[k] === v);
  return unchanged ? undefined : { ownerReferences };
}

const sameGroupKind = (a: OwnerReference, b: OwnerReference) => a.kind === b.kind && splitApiVersion(a.apiVersion).group === splitApiVersion(b.apiVersion).group;
const normalise = (r: OwnerReference) => [r.apiVersion, r.kind, r.name, r.uid, r.controller === true, r.blockOwnerDeletion === true];
const byUid = (a: unknown[], b: unknown[]) => String(a[3]).localeCompare(String(b[3]));

/** An owner reference to `obj` (which must have been read from the server: it needs its uid). */
export function ownerReferenceTo(obj: KubeObject, options: { controller?: boolean } = {}): OwnerReference {
  if (!obj.metadata.uid || !obj.metadata.name) throw new Error(`cannot reference ${obj.kind} ${obj.metadata.name ?? ''} as an owner: it has no uid (not read from the server)`);
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, uid: obj.metadata.uid, ...(options.controller ? { controller: true, blockOwnerDeletion: true } : {}) };
}

/** Deletes the referenced object (true once it is gone, false while it still exists, e.g. held by its finalizers). */
export async function deleteExternal(ctx: ProviderContext, ref: ProviderReference, namespace: string): Promise<boolean> {
  const resource = await resolveReference(ctx, ref);
  try {
    const answer = await ctx.client.delete(resource, ref.name, { namespace, propagationPolicy: 'Background' });
    return answer.kind === 'Status';
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
}
