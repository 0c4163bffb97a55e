// The machinedeployment.clusters.x-k8s.io/revision annotation: a MachineDeployment's MachineSets are numbered in
// rollout order; the current (new) MachineSet always carries the highest number, and the MachineDeployment
// mirrors it. A MachineSet that becomes current again (template reverted) gets a fresh, higher number.
// Cluster API's deprecated revision-history annotation is not maintained by Slipway.

import type { MachineSetView } from './deployment-view.ts';

export const REVISION_ANNOTATION = 'machinedeployment.clusters.x-k8s.io/revision';

/** The revision of a MachineSet: 0 when unannotated; throws on a value that is not a non-negative integer. */
export function revisionOf(ms: Pick<MachineSetView, 'name' | 'annotations'>): number {
  const value = ms.annotations?.[REVISION_ANNOTATION];
  if (value === undefined) return 0;
  if (!/^\d+$/.test(value)) throw new Error(`MachineSet ${ms.name} has an invalid ${REVISION_ANNOTATION} annotation "${value}"`);
  return Number(value);
}

/** Highest revision among MachineSets; unparsable annotations are skipped (as Cluster API does), not fatal. */
export function maxRevision(machineSets: readonly Pick<MachineSetView, 'name' | 'annotations'>[]): number {
  let max = 0;
  for (const ms of machineSets) {
    try {
      max = Math.max(max, revisionOf(ms));
    } catch {
      continue;
    }
  }
  return max;
}

/**
 * The revision the new MachineSet must carry: one more than every old MachineSet, but never lower than what it
 * already has (old MachineSets may have been deleted since it was numbered).
 */
export function newMachineSetRevision(newMS: Pick<MachineSetView, 'name' | 'annotations'> | undefined, oldMSs: readonly Pick<MachineSetView, 'name' | 'annotations'>[]): string {
  const next = maxRevision(oldMSs) + 1;
  const current = newMS ? revisionOf(newMS) : 0;
  return String(Math.max(next, current));
}
