// Annotations a MachineDeployment keeps on its MachineSets (Cluster API v1beta2):
// - its own annotations, except bookkeeping ones that belong to the MachineSet;
// - desired-replicas = spec.replicas and max-replicas = spec.replicas + maxSurge, which let proportional
//   scaling estimate each MachineSet's share and tell whether the new MachineSet is saturated;
// - disable-machine-create: "true" only on old MachineSets under OnDelete, so Machines the user deletes are not
//   recreated from the old template;
// - the revision (see revision.ts): highest on the new MachineSet, carried over unchanged on old ones.

import { DISABLE_MACHINE_CREATE_ANNOTATION } from '../machine-set/replica-sync.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { maxSurgeOf } from './replica-arithmetic.ts';
import { REVISION_ANNOTATION } from './revision.ts';

export const DESIRED_REPLICAS_ANNOTATION = 'machinedeployment.clusters.x-k8s.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'machinedeployment.clusters.x-k8s.io/max-replicas';

const NOT_COPIED = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  'machinedeployment.clusters.x-k8s.io/revision-history',
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  // Conversion bookkeeping of one object must not leak to another (Cluster API excludes it to avoid loops).
  'cluster.x-k8s.io/conversion-data',
]);

/** An integer annotation value, or undefined when absent or not an integer. */
export function intAnnotation(annotations: Record<string, string> | undefined, key: string): number | undefined {
  const value = annotations?.[key];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The annotations a MachineSet should carry. `revision` is the new MachineSet's revision (see
 * newMachineSetRevision); old MachineSets keep their own.
 */
export function desiredMachineSetAnnotations(
  md: MachineDeploymentView,
  ms: Pick<MachineSetView, 'annotations'> | undefined,
  role: { current: true; revision: string } | { current: false },
): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(md.annotations ?? {})) {
    if (!NOT_COPIED.has(key)) annotations[key] = value;
  }
  annotations[DESIRED_REPLICAS_ANNOTATION] = String(md.replicas);
  annotations[MAX_REPLICAS_ANNOTATION] = String(md.replicas + maxSurgeOf(md));
  if (role.current) {
    annotations[REVISION_ANNOTATION] = role.revision;
    annotations[DISABLE_MACHINE_CREATE_ANNOTATION] = 'false';
  } else {
    const revision = ms?.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined) annotations[REVISION_ANNOTATION] = revision;
    annotations[DISABLE_MACHINE_CREATE_ANNOTATION] = md.strategy.type === 'OnDelete' ? 'true' : 'false';
  }
  return annotations;
}
