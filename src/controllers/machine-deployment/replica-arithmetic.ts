// MachineDeployment replica arithmetic, with Cluster API's (and Kubernetes Deployments') rounding rules:
// maxSurge percentages round up, maxUnavailable percentages round down, and when both resolve to 0,
// maxUnavailable becomes 1 so a rollout can always make progress.

import type { IntOrPercent, MachineDeploymentView, MachineSetView } from './deployment-view.ts';

export const DEFAULT_MAX_SURGE: IntOrPercent = 1;
export const DEFAULT_MAX_UNAVAILABLE: IntOrPercent = 0;

/** intstr.GetScaledValueFromIntOrPercent: an integer as is, "N%" of total rounded up or down. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean, field = 'value'): number {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new Error(`${field} must be a non-negative integer or a percentage, got ${value}`);
    return value;
  }
  const match = /^(\d+)%$/.exec(value);
  if (!match) throw new Error(`${field} must be a non-negative integer or a percentage such as "25%", got "${value}"`);
  const product = Number(match[1]) * total;
  // Integer arithmetic: no floating-point surprises at exact multiples.
  return roundUp ? Math.ceil(product / 100) : Math.floor(product / 100);
}

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, replicas: number): Fenceposts {
  const surge = scaledValue(maxSurge, replicas, true, 'maxSurge');
  const unavailable = scaledValue(maxUnavailable, replicas, false, 'maxUnavailable');
  // Validation forbids 0/0, but rounding down can still produce it; surge might be impossible (quota), so allow one unavailable.
  if (surge === 0 && unavailable === 0) return { maxSurge: 0, maxUnavailable: 1 };
  return { maxSurge: surge, maxUnavailable: unavailable };
}

function rollingUpdateFenceposts(md: MachineDeploymentView): Fenceposts {
  const rollingUpdate = md.strategy.rollingUpdate ?? {};
  return resolveFenceposts(rollingUpdate.maxSurge ?? DEFAULT_MAX_SURGE, rollingUpdate.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, md.replicas);
}

/** Surge allowed above spec.replicas; 0 unless RollingUpdate. */
export function maxSurgeOf(md: MachineDeploymentView): number {
  return md.strategy.type === 'RollingUpdate' ? rollingUpdateFenceposts(md).maxSurge : 0;
}

/** Machines allowed to be unavailable; 0 unless RollingUpdate, never more than spec.replicas. */
export function maxUnavailableOf(md: MachineDeploymentView): number {
  if (md.strategy.type !== 'RollingUpdate' || md.replicas === 0) return 0;
  return Math.min(rollingUpdateFenceposts(md).maxUnavailable, md.replicas);
}

/** spec.replicas − maxUnavailable, floored at 0. */
export function minAvailableOf(md: MachineDeploymentView): number {
  return Math.max(md.replicas - maxUnavailableOf(md), 0);
}

/** Sum of spec.replicas. */
export function specReplicaSum(machineSets: readonly MachineSetView[]): number {
  return machineSets.reduce((sum, ms) => sum + ms.replicas, 0);
}

/**
 * Sum of max(spec.replicas, status.replicas): an upper bound of the Machines that exist or will exist, covering
 * both a scale-up not yet acted on and a scale-down whose Machines are still being deleted.
 */
export function machineCountUpperBound(machineSets: readonly MachineSetView[]): number {
  return machineSets.reduce((sum, ms) => sum + Math.max(ms.replicas, ms.status.replicas ?? 0), 0);
}

/** Sum of a status counter; undefined when no MachineSet reports it yet. */
export function statusSum(machineSets: readonly MachineSetView[], counter: 'replicas' | 'readyReplicas' | 'availableReplicas' | 'upToDateReplicas'): number | undefined {
  let total: number | undefined;
  for (const ms of machineSets) {
    const value = ms.status[counter];
    if (value !== undefined) total = (total ?? 0) + value;
  }
  return total;
}

export interface NewReplicas {
  replicas: number;
  /** Why, worded like Cluster API's rollout planner notes. */
  note: string;
}

/**
 * spec.replicas for the new MachineSet when it is below the MachineDeployment's spec.replicas.
 * RollingUpdate: grow while all Machines stay within spec.replicas + maxSurge.
 * OnDelete: grow only into room left by deleted Machines, i.e. while all Machines stay within spec.replicas.
 */
export function newMachineSetReplicas(md: MachineDeploymentView, allMachineSets: readonly MachineSetView[], newMSReplicas: number): NewReplicas {
  const current = machineCountUpperBound(allMachineSets);
  if (md.strategy.type === 'RollingUpdate') {
    const surge = scaledValue(md.strategy.rollingUpdate?.maxSurge ?? DEFAULT_MAX_SURGE, md.replicas, true, 'maxSurge');
    const maxTotal = md.replicas + surge;
    if (current >= maxTotal) {
      return { replicas: newMSReplicas, note: `${current} current Machines >= ${md.replicas} MachineDeployment spec.replicas + ${surge} maxSurge` };
    }
    const scaleUp = Math.min(maxTotal - current, md.replicas - newMSReplicas);
    return { replicas: newMSReplicas + scaleUp, note: `${current} current Machines < ${md.replicas} MachineDeployment spec.replicas + ${surge} maxSurge` };
  }
  if (current >= md.replicas) {
    return { replicas: newMSReplicas, note: `${current} current Machines >= ${md.replicas} MachineDeployment spec.replicas` };
  }
  return { replicas: newMSReplicas + md.replicas - current, note: `${current} current Machines < ${md.replicas} MachineDeployment spec.replicas` };
}
