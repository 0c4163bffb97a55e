// What every infrastructure provider's controllers do alike around their objects: find the Cluster
// an object belongs to (for pausing) and the Machine that owns it, hold a finalizer while the object
// lives, and let go of it once whatever it stands for is torn down.
import type { KubeObject } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import { clusterNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { group as coreGroup } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { Cluster } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import { group as infrastructureGroup } from '../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { isNotFound, type ResourceRef } from '../../client/rest-client.ts';
import { clustersResource, machinesResource } from '../../controllers/cluster/resources.ts';

/** Maps a Cluster to the key of its infrastructure cluster of `kind` (for a provider's watch on Clusters). */
export const infrastructureClusterOf = (kind: string) => (obj: KubeObject): string[] => {
  const ref = (obj as Cluster).spec?.infrastructureRef;
  return ref?.apiGroup === infrastructureGroup && ref.kind === kind ? [`${obj.metadata.namespace}/${ref.name}`] : [];
};

/** Maps a Machine to the key of its infrastructure machine of `kind` (for a provider's watch on Machines). */
export const infrastructureMachineOf = (kind: string) => (obj: KubeObject): string[] => {
  const ref = (obj as Machine).spec?.infrastructureRef;
  return ref?.apiGroup === infrastructureGroup && ref.kind === kind ? [`${obj.metadata.namespace}/${ref.name}`] : [];
};

/** The Cluster named by the object's cluster-name label, from the shared cache. */
export async function clusterOf(ctx: ManagerContext, obj: KubeObject): Promise<KubeObject | undefined> {
  const name = obj.metadata.labels?.[clusterNameLabel];
  if (!name) return undefined;
  const informer = ctx.informer(clustersResource);
  await informer.waitForSync(ctx.signal);
  return informer.getByName(obj.metadata.namespace, name);
}

/** The Cluster API Machine owning the object (by uid, so a re-created namesake does not count), from the shared cache. */
export function owningMachine(ctx: ManagerContext, obj: KubeObject): (Machine & KubeObject) | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.kind === 'Machine' && splitApiVersion(r.apiVersion).group === coreGroup);
  if (!ref) return undefined;
  const machine = ctx.informer<Machine & KubeObject>(machinesResource).getByName(obj.metadata.namespace, ref.name);
  return machine?.metadata.uid === ref.uid ? machine : undefined;
}

export const hasFinalizer = (obj: KubeObject, finalizer: string) => obj.metadata.finalizers?.includes(finalizer) === true;

export const withFinalizer = (obj: KubeObject, finalizer: string): KubeObject['metadata'] =>
  hasFinalizer(obj, finalizer) ? obj.metadata : { ...obj.metadata, finalizers: [...(obj.metadata.finalizers ?? []), finalizer] };

/** Drops the finalizer from an object being deleted (conditional on the version read: a stale cache retries), recording `message` as a Deleted event. */
export async function releaseFinalizer(ctx: ManagerContext, resource: ResourceRef, obj: KubeObject, finalizer: string, message: string): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  try {
    await ctx.client.update(resource, { ...obj, metadata: { ...obj.metadata, finalizers: obj.metadata.finalizers!.filter((f) => f !== finalizer) } });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    return;
  }
  ctx.recorder.event(obj, 'Normal', 'Deleted', message);
}
