// PATCH in the four Kubernetes patch types: JSON merge patch, JSON patch, strategic merge patch
// (built-in kinds only, 415 for custom resources as in Kubernetes) and server-side apply.
import type { KubeObject } from '../../api/meta.ts';
import type { ResourceType, Schema } from '../../api/resource.ts';
import { fieldError } from '../../api/builtin/field-errors.ts';
import { assertValid, timestamp, updateObject } from '../object-writer.ts';
import { applyJsonPatch } from '../patch/json-patch.ts';
import { applyMergePatch } from '../patch/merge-patch.ts';
import { applyConflictError, serverSideApply } from '../patch/server-side-apply.ts';
import { applyStrategicMergePatch } from '../patch/strategic-merge-patch.ts';
import { mediaType, parseJson, parseYaml, readBody, requireObjectBody } from '../request-body.ts';
import { badRequest, invalid, unsupportedMediaType } from '../status-errors.ts';
import { checkKind, checkNamespace, fieldManager, respond, writeOptions, type ResourceScope } from './request-scope.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The patch type of the request; 415 for anything else (and for strategic merge on custom resources). */
export function patchTypeOf(scope: ResourceScope, allowStrategic: boolean): PatchType {
  const type = mediaType(scope.req.headers['content-type']);
  const patchType = patchTypes[type];
  const offered = Object.keys(patchTypes).filter((t) => allowStrategic || patchTypes[t] !== 'strategic');
  if (!patchType || (patchType === 'strategic' && !allowStrategic)) throw unsupportedMediaType(type, offered);
  return patchType;
}

export async function readPatchDocument(scope: ResourceScope, patchType: PatchType): Promise<unknown> {
  const text = (await readBody(scope.req, scope.ctx.maxRequestBodyBytes)).toString('utf8');
  return patchType === 'apply' ? parseYaml(text) : parseJson(text);
}

/** Applies a non-apply patch to `target`; the result must still be an object. */
export function applyPatchDocument(patchType: Exclude<PatchType, 'apply'>, target: unknown, patch: unknown, schema: Schema): Record<string, unknown> {
  const result = patchType === 'json' ? applyJsonPatch(target, patch)
    : patchType === 'merge' ? applyMergePatch(target, patch)
    : applyStrategicMergePatch(target, patch, schema);
  if (typeof result !== 'object' || result === null || Array.isArray(result)) throw badRequest('the patch turned the object into something that is not an object');
  return result as Record<string, unknown>;
}

/**
 * A patch result still carrying the resourceVersion it was computed from is not a precondition
 * (so a concurrent write makes the server re-read and re-apply); one the patch changed is.
 */
export function withoutInheritedVersion<T extends { metadata?: unknown }>(result: T, current: KubeObject): T {
  const meta = result.metadata as { resourceVersion?: unknown } | undefined;
  if (meta && typeof meta === 'object' && meta.resourceVersion === current.metadata.resourceVersion) delete meta.resourceVersion;
  return result;
}

function requireManager(scope: ResourceScope, type: ResourceType): string {
  const manager = fieldManager(scope);
  if (!manager) throw invalid(type.kind, type.group, scope.name!, [fieldError.required('fieldManager', 'is required for apply patch')]);
  return manager;
}

function parseForce(scope: ResourceScope, patchType: PatchType): boolean {
  const force = scope.query.get('force');
  if (force === null || force === '') return false;
  if (patchType !== 'apply') throw badRequest('force is only allowed for apply patches (application/apply-patch+yaml)');
  if (force !== 'true' && force !== 'false') throw badRequest(`force must be true or false, got ${JSON.stringify(force)}`);
  return force === 'true';
}

export async function patchHandler(scope: ResourceScope): Promise<void> {
  const { ctx, type } = scope;
  const patchType = patchTypeOf(scope, type.builtin);
  const force = parseForce(scope, patchType);
  const options = writeOptions(scope);
  if (patchType === 'apply') options.manager = requireManager(scope, type);
  const document = await readPatchDocument(scope, patchType);

  if (patchType === 'apply') {
    const applied = requireObjectBody(document);
    checkKind(type, applied);
    checkNamespace(scope, applied);
    const meta = applied.metadata as { name?: unknown } | undefined;
    if (meta && typeof meta === 'object' && meta.name !== undefined && meta.name !== scope.name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${scope.name})`);
    }
    const config = structuredClone(applied) as KubeObject;
    config.metadata = { ...(config.metadata as object), name: scope.name, ...(type.namespaced ? { namespace: scope.namespace } : {}) };
    const apply = (live: KubeObject | undefined): KubeObject => {
      const applyOptions = { manager: options.manager, force, schema: type.schema, now: timestamp(), subresource: scope.subresource };
      const { object, conflicts } = serverSideApply(live, config, applyOptions);
      if (conflicts.length > 0) {
        // An invalid configuration is reported as such, even when it also conflicts.
        if (live) assertValid(type, serverSideApply(live, config, { ...applyOptions, force: true }).object, live);
        throw applyConflictError(conflicts);
      }
      return live ? withoutInheritedVersion(object, live) : object;
    };
    const { object, created } = await updateObject(ctx, type, scope.namespace, scope.name!, apply, {
      ...options,
      managedFieldsSet: true,
      createIfMissing: scope.subresource ? undefined : async () => apply(undefined),
    });
    respond(scope, created ? 201 : 200, object);
    return;
  }

  const { object } = await updateObject(ctx, type, scope.namespace, scope.name!, (current) => {
    return withoutInheritedVersion(applyPatchDocument(patchType, current, document, type.schema), current) as KubeObject;
  }, options);
  respond(scope, 200, object);
}
