// The one write path every create, update, patch, apply, subresource write and delete goes
// through, in kube-apiserver's order: server-set fields, kind strategy, pruning (with the
// fieldValidation directive), defaulting, validation (all violations at once), namespace
// lifecycle, managedFields, then a compare-and-swap write (retried for unconditional updates).
// Dry runs do everything but the write.
import { randomUUID, randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ObjectMeta, StatusCause } from '../api/meta.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ResourceType } from '../api/resource.ts';
import { fieldError } from '../api/builtin/field-errors.ts';
import { StoreError } from '../storage/store.ts';
import type { ApiContext } from './api-context.ts';
import { strategyFor } from './kinds/index.ts';
import { decodeObject, withRevision } from './object-store.ts';
import { recordUpdate } from './patch/managed-fields.ts';
import { applyDefaults } from './schema/defaults.ts';
import { nameRuleFor, validateObjectMeta } from './schema/object-meta.ts';
import { pruneUnknownFields } from './schema/prune.ts';
import { validateAgainstSchema } from './schema/validate.ts';
import { ApiError, badRequest, conflict, forbidden, invalid, notFound, staleObjectMessage } from './status-errors.ts';

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface WriteOptions {
  manager: string;
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** Warnings for the response's Warning headers; writes append to it. */
  warnings: string[];
  /** The subresource written through (status, scale, finalize), if any. */
  subresource?: string;
  /** managedFields are already computed (server-side apply); do not record an Update. */
  managedFieldsSet?: boolean;
}

const MAX_CONFLICT_RETRIES = 20;
const GENERATED_NAME_ATTEMPTS = 5;
const nameSuffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** RFC 3339 with second precision, like metav1.Time. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

function generatedSuffix(): string {
  return [...randomBytes(5)].map((b) => nameSuffixAlphabet[b % nameSuffixAlphabet.length]).join('');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fields the server owns must at least have the right JSON type before the server overwrites them. */
function systemFieldTypeCauses(meta: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  const expect = (field: string, type: 'string' | 'integer') => {
    const value = meta[field];
    if (value === undefined || value === null) return;
    const ok = type === 'string' ? typeof value === 'string' : Number.isInteger(value);
    if (!ok) causes.push(fieldError.typeInvalid(`metadata.${field}`, value, `must be of type ${type}`));
  };
  for (const field of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'name', 'generateName', 'namespace']) expect(field, 'string');
  for (const field of ['generation', 'deletionGracePeriodSeconds']) expect(field, 'integer');
  return causes;
}

/** The object's metadata as an object, or a 422 naming it. */
export function requireMetadata(type: ResourceType, obj: Record<string, unknown>): ObjectMeta {
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (!isObject(obj.metadata)) throw invalid(type.kind, type.group, '', [fieldError.typeInvalid('metadata', obj.metadata, 'must be of type object')]);
  const causes = systemFieldTypeCauses(obj.metadata);
  if (causes.length > 0) throw invalid(type.kind, type.group, typeof obj.metadata.name === 'string' ? obj.metadata.name : '', causes);
  return obj.metadata as ObjectMeta;
}

/** Everything but metadata (and status when it is a subresource): what metadata.generation tracks. */
function specPart(type: ResourceType, obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return type.subresources.status ? rest : { ...rest, status };
}

/** Equality for no-op detection: managedFields timestamps alone do not make a change. */
function sameContent(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => ({
    ...o,
    metadata: { ...o.metadata, resourceVersion: undefined, managedFields: o.metadata.managedFields?.map((m) => ({ ...m, time: undefined })) },
  });
  return isDeepStrictEqual(strip(a), strip(b));
}

/** Pruning, defaulting and validation; throws 400 (strict unknown fields) or 422 with every violation. */
function admit(type: ResourceType, obj: KubeObject, old: KubeObject | undefined, options: WriteOptions): void {
  const removed = pruneUnknownFields(type.schema, obj);
  if (removed.length > 0 && options.fieldValidation !== 'Ignore') {
    const described = removed.map((path) => `unknown field ${JSON.stringify(path.replace(/^\./, ''))}`);
    if (options.fieldValidation === 'Strict') throw badRequest(`strict decoding error: ${described.join(', ')}`);
    options.warnings.push(...described);
  }
  applyDefaults(type.schema, obj);
  const causes = [
    ...validateObjectMeta(obj.metadata, type.namespaced, { isCreate: old === undefined, nameRule: nameRuleFor(type) }),
    ...validateAgainstSchema(type.schema, obj),
    ...(strategyFor(type).validate?.(obj, old) ?? []),
  ];
  if (old?.metadata.deletionTimestamp) {
    const before = new Set(old.metadata.finalizers ?? []);
    const added = (obj.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) causes.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`));
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, obj.metadata.name || obj.metadata.generateName || '', causes);
}

/** Throws the 422 (or strict-field 400) a write of `obj` would get, without changing it. */
export function assertValid(type: ResourceType, obj: KubeObject, old: KubeObject | undefined): void {
  admit(type, structuredClone(obj), old, { manager: '', dryRun: true, fieldValidation: 'Ignore', warnings: [] });
}

async function checkNamespace(ctx: ApiContext, type: ResourceType, namespace: string): Promise<void> {
  const state = await ctx.namespaces.state(namespace);
  if (state === 'Missing') throw notFound({ group: '', plural: 'namespaces' }, namespace);
  if (state === 'Terminating') throw forbidden(`${type.plural} "${namespace}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
}

/** Creates `input` (already checked against the URL); returns the stored object. */
export async function createObject(ctx: ApiContext, type: ResourceType, namespace: string | undefined, input: Record<string, unknown>, options: WriteOptions): Promise<KubeObject> {
  const now = timestamp();
  const meta = requireMetadata(type, input);
  const obj = { ...input, apiVersion: apiVersionOf(type.group, type.version), kind: type.kind } as KubeObject;
  const { resourceVersion: _rv, deletionTimestamp: _dt, deletionGracePeriodSeconds: _dg, ...kept } = meta;
  obj.metadata = { ...kept, uid: randomUUID(), creationTimestamp: now, generation: 1 };
  if (type.namespaced) obj.metadata.namespace = namespace;
  else delete obj.metadata.namespace;
  if (type.subresources.status) delete obj.status;
  const generateName = !obj.metadata.name && obj.metadata.generateName;
  if (generateName) obj.metadata.name = `${generateName}${generatedSuffix()}`;

  const strategy = strategyFor(type);
  strategy.prepareForCreate?.(obj, now);
  if (type.namespaced && namespace) await checkNamespace(ctx, type, namespace);
  admit(type, obj, undefined, options);
  if (!options.managedFieldsSet) {
    const managedFields = recordUpdate(undefined, obj, { manager: options.manager, schema: type.schema, now, operation: 'Update', subresource: options.subresource });
    if (managedFields.length > 0) obj.metadata.managedFields = managedFields;
    else delete obj.metadata.managedFields;
  }
  if (options.dryRun) return obj;
  for (let attempt = 1; ; attempt++) {
    try {
      const stored = await ctx.objects.create(type, obj);
      strategy.afterWrite?.(ctx, stored, false);
      return stored;
    } catch (error) {
      if (!(generateName && error instanceof ApiError && error.reason === 'AlreadyExists' && attempt < GENERATED_NAME_ATTEMPTS)) throw error;
      obj.metadata.name = `${generateName}${generatedSuffix()}`;
    }
  }
}

export interface UpdateOptions extends WriteOptions {
  /** Server-side apply creates the object when absent: returns what to create. */
  createIfMissing?: () => Promise<Record<string, unknown>>;
}

/**
 * Reads the object, lets `compute` produce the desired object from a copy of it, and writes the
 * result. A resourceVersion in the result is a precondition (409 when stale); without one the
 * read-compute-write cycle is retried on concurrent changes.
 */
export async function updateObject(
  ctx: ApiContext, type: ResourceType, namespace: string | undefined, name: string,
  compute: (current: KubeObject) => KubeObject | Promise<KubeObject>, options: UpdateOptions,
): Promise<{ object: KubeObject; created: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const kv = await ctx.objects.get(type, namespace, name);
    if (!kv) {
      if (options.createIfMissing) return { object: await createObject(ctx, type, namespace, await options.createIfMissing(), options), created: true };
      throw notFound(type, name);
    }
    const current = decodeObject(kv, type);
    const candidate = await compute(structuredClone(current));
    const outcome = await writeUpdate(ctx, type, current, kv.modRevision, candidate, options, attempt < MAX_CONFLICT_RETRIES);
    if (outcome !== 'retry') return { object: outcome, created: false };
  }
}

function checkIdentity(type: ResourceType, current: KubeObject, candidate: KubeObject): void {
  const meta = requireMetadata(type, candidate);
  const name = current.metadata.name!;
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  if (type.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== current.metadata.namespace) {
    throw badRequest(`the namespace of the object (${meta.namespace}) does not match the namespace on the URL (${current.metadata.namespace})`);
  }
  if (meta.uid !== undefined && meta.uid !== '' && meta.uid !== current.metadata.uid) {
    throw invalid(type.kind, type.group, name, [fieldError.invalid('metadata.uid', meta.uid, 'field is immutable')]);
  }
}

/** The desired object once the subresource written through has had its say. */
function mergeSubresource(type: ResourceType, current: KubeObject, candidate: KubeObject, subresource: string | undefined): KubeObject {
  if (subresource === 'status' || subresource === 'finalize') {
    // Only status (or, for /finalize, spec.finalizers) comes from the request; managedFields too,
    // since they track this very change.
    const merged = structuredClone(current);
    merged.metadata.managedFields = candidate.metadata.managedFields;
    if (subresource === 'status') {
      if (candidate.status === undefined) delete merged.status;
      else merged.status = candidate.status;
    } else {
      const spec = isObject(candidate.spec) ? candidate.spec : {};
      merged.spec = { ...(isObject(current.spec) ? current.spec : {}), finalizers: spec.finalizers };
    }
    return merged;
  }
  const merged: KubeObject = { ...candidate, apiVersion: current.apiVersion, kind: current.kind };
  if (type.subresources.status) {
    if (current.status === undefined) delete merged.status;
    else merged.status = current.status;
  }
  return merged;
}

async function writeUpdate(
  ctx: ApiContext, type: ResourceType, current: KubeObject, currentRevision: number, candidate: KubeObject,
  options: WriteOptions, mayRetry: boolean,
): Promise<KubeObject | 'retry'> {
  checkIdentity(type, current, candidate);
  const requested = candidate.metadata.resourceVersion;
  const hasPrecondition = requested !== undefined && requested !== '';
  if (hasPrecondition) {
    if (!/^\d+$/.test(requested)) throw badRequest(`metadata.resourceVersion: Invalid value: ${JSON.stringify(requested)}: must be the resourceVersion of the object as last read`);
    if (Number(requested) !== currentRevision) throw conflict(type, current.metadata.name!, staleObjectMessage);
  }
  const now = timestamp();
  const obj = mergeSubresource(type, current, candidate, options.subresource);
  const { uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, generation, name, namespace } = current.metadata;
  obj.metadata = { ...obj.metadata, uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, generation, name, namespace, resourceVersion: undefined };
  for (const key of Object.keys(obj.metadata) as (keyof ObjectMeta)[]) if (obj.metadata[key] === undefined) delete obj.metadata[key];

  const strategy = strategyFor(type);
  strategy.prepareForUpdate?.(obj, current, options.subresource, now);
  admit(type, obj, current, options);
  if (!isDeepStrictEqual(specPart(type, obj), specPart(type, current))) obj.metadata.generation = (current.metadata.generation ?? 1) + 1;
  if (!options.managedFieldsSet) {
    const managedFields = recordUpdate(current, obj, { manager: options.manager, schema: type.schema, now, operation: 'Update', subresource: options.subresource });
    if (managedFields.length > 0) obj.metadata.managedFields = managedFields;
    else delete obj.metadata.managedFields;
  }
  if (sameContent(obj, current)) return current;

  if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && !strategy.blocksRemoval?.(obj)) {
    // The last finalizer is gone: the update completes the deletion.
    if (options.dryRun) return withRevision(obj, currentRevision);
    return removeObject(ctx, type, obj, currentRevision, mayRetry && !hasPrecondition);
  }
  if (options.dryRun) return withRevision(obj, currentRevision);
  try {
    const stored = await ctx.objects.update(type, obj, currentRevision);
    strategy.afterWrite?.(ctx, stored, false);
    return stored;
  } catch (error) {
    if (error instanceof StoreError && error.code === 'Conflict') {
      if (mayRetry && !hasPrecondition) return 'retry';
      throw conflict(type, current.metadata.name!, staleObjectMessage);
    }
    throw error;
  }
}

async function removeObject(ctx: ApiContext, type: ResourceType, obj: KubeObject, revision: number, mayRetry: boolean): Promise<KubeObject | 'retry'> {
  const strategy = strategyFor(type);
  await strategy.beforeRemoval?.(ctx, obj);
  try {
    const removed = await ctx.objects.delete(type, obj, revision);
    strategy.afterWrite?.(ctx, removed, true);
    return removed;
  } catch (error) {
    if (mayRetry && error instanceof ApiError && error.reason === 'Conflict') return 'retry';
    throw error;
  }
}

export interface DeleteOptions {
  dryRun: boolean;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

const propagationFinalizers: Record<string, string | undefined> = { Orphan: 'orphan', Foreground: 'foregroundDeletion', Background: undefined };

/**
 * Deletes the object, or — while finalizers (or the kind) hold it back — marks it with a
 * deletionTimestamp and leaves it for the update that clears the last finalizer.
 */
export async function deleteObject(ctx: ApiContext, type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions): Promise<{ object: KubeObject; removed: boolean }> {
  const strategy = strategyFor(type);
  for (let attempt = 0; ; attempt++) {
    const kv = await ctx.objects.get(type, namespace, name);
    if (!kv) throw notFound(type, name);
    const current = decodeObject(kv, type);
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw conflict(type, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const finalizers = [...(current.metadata.finalizers ?? [])];
    const extra = propagationFinalizers[options.propagationPolicy ?? 'Background'];
    if (extra && !finalizers.includes(extra)) finalizers.push(extra);
    const mayRetry = attempt < MAX_CONFLICT_RETRIES && !pre?.resourceVersion;

    if (finalizers.length === 0 && !strategy.blocksRemoval?.(current)) {
      if (options.dryRun) return { object: current, removed: true };
      const removed = await removeObject(ctx, type, current, kv.modRevision, mayRetry);
      if (removed === 'retry') continue;
      return { object: removed, removed: true };
    }
    const unchanged = current.metadata.deletionTimestamp && finalizers.length === (current.metadata.finalizers ?? []).length;
    if (unchanged) return { object: current, removed: false };
    const marked = structuredClone(current);
    marked.metadata.finalizers = finalizers;
    if (finalizers.length === 0) delete marked.metadata.finalizers;
    if (!marked.metadata.deletionTimestamp) {
      marked.metadata.deletionTimestamp = timestamp();
      marked.metadata.deletionGracePeriodSeconds = 0;
      marked.metadata.generation = (current.metadata.generation ?? 1) + 1;
      strategy.beginDeletion?.(marked);
    }
    if (options.dryRun) return { object: marked, removed: false };
    try {
      const stored = await ctx.objects.update(type, marked, kv.modRevision);
      strategy.afterWrite?.(ctx, stored, false);
      return { object: stored, removed: false };
    } catch (error) {
      if (error instanceof StoreError && error.code === 'Conflict' && mayRetry) continue;
      if (error instanceof StoreError && error.code === 'Conflict') throw conflict(type, name, staleObjectMessage);
      throw error;
    }
  }
}
