// What both in-memory controllers do alike around their simulation: find the Cluster an object
// belongs to (for pausing), hold a finalizer while the object lives, and let go of it on deletion
// (a simulated object has nothing to tear down).
import type { KubeObject } from '../../../api/meta.ts';
import { clusterNameLabel } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { ManagerContext } from '../../../client/controller.ts';
import { isNotFound, type ResourceRef } from '../../../client/rest-client.ts';
import { clustersResource } from '../../../controllers/cluster/resources.ts';

/** The Cluster named by the object's cluster-name label, from the shared cache. */
export async function clusterOf(ctx: ManagerContext, obj: KubeObject): Promise<KubeObject | undefined> {
  const name = obj.metadata.labels?.[clusterNameLabel];
  if (!name) return undefined;
  const informer = ctx.informer(clustersResource);
  await informer.waitForSync(ctx.signal);
  return informer.getByName(obj.metadata.namespace, name);
}

export const hasFinalizer = (obj: KubeObject, finalizer: string) => obj.metadata.finalizers?.includes(finalizer) === true;

export const withFinalizer = (obj: KubeObject, finalizer: string): KubeObject['metadata'] =>
  hasFinalizer(obj, finalizer) ? obj.metadata : { ...obj.metadata, finalizers: [...(obj.metadata.finalizers ?? []), finalizer] };

/** Drops the finalizer from an object being deleted (conditional on the version read: a stale cache retries). */
export async function releaseFinalizer(ctx: ManagerContext, resource: ResourceRef, obj: KubeObject, finalizer: string): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  try {
    await ctx.client.update(resource, { ...obj, metadata: { ...obj.metadata, finalizers: obj.metadata.finalizers!.filter((f) => f !== finalizer) } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return;
  }
  ctx.recorder.event(obj, 'Normal', 'Deleted', `Simulated ${obj.kind} deleted`);
}
