// Reading the provider object a core object references, and keeping the reader's controller
// watching that object's kind from then on (a provider kind is known only once a reference names it).
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { ResourceRef } from '../../client/rest-client.ts';
import { getExternal, resolveReference, UnknownProviderKindError, type ProviderReference } from './external.ts';

export interface TrackedObject {
  ref: ProviderReference;
  resource?: ResourceRef;
  /** The object, when it exists. */
  object?: KubeObject;
  /** Why it is absent when its kind itself is not served (the provider is not installed). */
  problem?: string;
}

/** Reads `ref` in `namespace`, after asking the manager to re-queue the caller with mapFn's keys on every change of that kind. */
export async function readTracked(ctx: ManagerContext, ref: ProviderReference, namespace: string, mapFn: (obj: KubeObject) => string[]): Promise<TrackedObject> {
  let resource: ResourceRef;
  try {
    resource = await resolveReference(ctx, ref);
  } catch (error) {
    if (error instanceof UnknownProviderKindError) return { ref, problem: error.message };
    throw error;
  }
  ctx.watchResource(resource, mapFn);
  return { ref, resource, object: await getExternal(ctx, ref, namespace) };
}
