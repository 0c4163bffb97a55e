// The templates a MachineSet (or MachineDeployment) clones from: whether they exist, and the Cluster as their
// owner (Cluster API makes templates part of the Cluster so they are collected with it).
import type { MachineTemplateSpec } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { templateSuffix } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { ensureOwnerReference, getExternal, ownerReferenceTo, type ProviderReference } from '../provider-contract/external.ts';

/** Kinds of the referenced templates that do not exist; the others get the Cluster as an owner. */
export async function reconcileTemplateReferences(ctx: ManagerContext, template: MachineTemplateSpec, namespace: string, cluster: KubeObject): Promise<string[]> {
  const refs: ProviderReference[] = [template.spec.infrastructureRef, ...(template.spec.bootstrap.configRef ? [template.spec.bootstrap.configRef] : [])];
  const clusterOwner = ownerReferenceTo(cluster);
  const missing: string[] = [];
  for (const ref of refs) {
    // A reference to a non-template object is used as is (not cloned); it is not ours to own.
    if (!ref.kind.endsWith(templateSuffix)) continue;
    const obj = await getExternal(ctx, ref, namespace);
    if (!obj) {
      missing.push(ref.kind);
      continue;
    }
    if (!obj.metadata.ownerReferences?.some((owner) => owner.uid === clusterOwner.uid)) {
      await ensureOwnerReference(ctx, ref, namespace, clusterOwner, { controller: false });
    }
  }
  return missing;
}
