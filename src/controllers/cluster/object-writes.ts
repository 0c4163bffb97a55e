// The two writes a core controller makes per reconcile, both conditional on the resourceVersion it
// computed from (a stale cache makes them fail with 409 and the key is retried, never overwriting
// what another controller wrote meanwhile): metadata/spec through a merge patch, then status
// through the status subresource, each only when something changed.
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { ResourceRef } from '../../client/rest-client.ts';

/** Merge-patches metadata and spec fields (only those given); returns the object as written. */
export async function patchMetadataAndSpec<T extends KubeObject>(ctx: ManagerContext, resource: ResourceRef, obj: T, patch: { metadata?: Partial<KubeObject['metadata']>; spec?: Record<string, unknown> }): Promise<T> {
  return ctx.client.patch<T>(resource, obj.metadata.name!, {
    ...patch,
    metadata: { ...patch.metadata, resourceVersion: obj.metadata.resourceVersion },
  }, { type: 'merge', namespace: obj.metadata.namespace });
}

/** Writes `status` when it differs from the object's; returns the object as it now is. */
export async function writeStatus<T extends KubeObject>(ctx: ManagerContext, resource: ResourceRef, obj: T, status: Record<string, unknown>): Promise<T> {
  if (sameJSON(obj.status, status)) return obj;
  return ctx.client.updateStatus<T>(resource, { ...obj, status } as T);
}

/** Structural equality of JSON values, ignoring key order. */
export function sameJSON(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((v, i) => sameJSON(v, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJSON((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
