// The scale subresource (autoscaling/v1 Scale) of kinds that declare one: replicas read from and
// written to the kind's specReplicasPath, status replicas and selector read from its status paths.
import type { KubeObject } from '../../api/meta.ts';
import type { ScaleSubresource, Schema } from '../../api/resource.ts';
import { fieldError } from '../../api/builtin/field-errors.ts';
import { decodeObject } from '../object-store.ts';
import { updateObject } from '../object-writer.ts';
import { badRequest, invalid, notFound } from '../status-errors.ts';
import { applyPatchDocument, patchTypeOf, readPatchDocument, withoutInheritedVersion } from './patch.ts';
import { checkKind, readObject, respond, writeOptions, type ResourceScope } from './request-scope.ts';

const scaleSchema: Schema = {
  type: 'object',
  properties: {
    spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
    status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
  },
};

function segments(path: string): string[] {
  return path.replace(/^\./, '').split('.').filter((s) => s !== '');
}

function readPath(obj: unknown, path: string): unknown {
  return segments(path).reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = segments(path);
  let target = obj;
  for (const part of parts.slice(0, -1)) {
    const next = target[part];
    target = (target[part] = next && typeof next === 'object' && !Array.isArray(next) ? { ...(next as object) } : {}) as Record<string, unknown>;
  }
  target[parts[parts.length - 1]] = value;
}

function scaleOf(obj: KubeObject, scale: ScaleSubresource): KubeObject {
  const replicas = readPath(obj, scale.specReplicasPath);
  const statusReplicas = readPath(obj, scale.statusReplicasPath);
  const selector = scale.labelSelectorPath ? readPath(obj, scale.labelSelectorPath) : undefined;
  const { name, namespace, uid, resourceVersion, creationTimestamp } = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, ...(namespace ? { namespace } : {}), uid, resourceVersion, creationTimestamp },
    spec: { replicas: typeof replicas === 'number' ? replicas : 0 },
    status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(typeof selector === 'string' ? { selector } : {}) },
  };
}

function scaleSubresource(scope: ResourceScope): ScaleSubresource {
  const scale = scope.type.subresources.scale;
  if (!scale) throw notFound(scope.type, `${scope.name}/scale`);
  return scale;
}

/** The object with the Scale's replicas written to it; a 422 for a bad replica count. */
function applyScale(scale: ScaleSubresource, current: KubeObject, desired: Record<string, unknown>): KubeObject {
  const replicas = (desired.spec as { replicas?: unknown } | undefined)?.replicas;
  if (!Number.isInteger(replicas) || (replicas as number) < 0) {
    throw invalid('Scale', 'autoscaling', current.metadata.name!, [fieldError.invalid('spec.replicas', replicas, 'must be a non-negative integer')]);
  }
  const meta = desired.metadata as { resourceVersion?: unknown } | undefined;
  const updated = structuredClone(current);
  writePath(updated, scale.specReplicasPath, replicas);
  updated.metadata.resourceVersion = typeof meta?.resourceVersion === 'string' ? meta.resourceVersion : undefined;
  return updated;
}

export async function getScale(scope: ResourceScope): Promise<void> {
  const scale = scaleSubresource(scope);
  const kv = await scope.ctx.objects.get(scope.type, scope.namespace, scope.name!);
  if (!kv) throw notFound(scope.type, scope.name!);
  respond(scope, 200, scaleOf(decodeObject(kv, scope.type), scale));
}

export async function updateScale(scope: ResourceScope): Promise<void> {
  const scale = scaleSubresource(scope);
  const options = writeOptions(scope, 'scale');
  const body = await readObject(scope);
  checkKind(scope.type, body, { apiVersion: 'autoscaling/v1', kind: 'Scale' });
  const meta = body.metadata as { name?: unknown } | undefined;
  if (meta?.name !== undefined && meta.name !== scope.name) throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${scope.name})`);
  const { object } = await updateObject(scope.ctx, scope.type, scope.namespace, scope.name!, (current) => applyScale(scale, current, body), options);
  respond(scope, 200, scaleOf(object, scale));
}

export async function patchScale(scope: ResourceScope): Promise<void> {
  const scale = scaleSubresource(scope);
  const patchType = patchTypeOf(scope, true);
  if (patchType === 'apply') throw badRequest('server-side apply is not supported on the scale subresource; use a merge patch');
  const options = writeOptions(scope, 'scale');
  const document = await readPatchDocument(scope, patchType);
  const { object } = await updateObject(scope.ctx, scope.type, scope.namespace, scope.name!, (current) => {
    const patched = withoutInheritedVersion(applyPatchDocument(patchType, scaleOf(current, scale), document, scaleSchema), current);
    return applyScale(scale, current, patched);
  }, options);
  respond(scope, 200, scaleOf(object, scale));
}
