// The facts about a MachineDeployment and its MachineSets that the rollout logic needs. Controllers map
// cluster.x-k8s.io/v1beta2 objects onto these shapes (defaults already applied, see the field comments).

import type { MachineTemplateView } from './template-hash.ts';

/** intstr.IntOrString: an absolute number or a percentage string such as "25%". */
export type IntOrPercent = number | string;

export type RolloutStrategyType = 'RollingUpdate' | 'OnDelete';

export interface RolloutStrategy {
  /** spec.rollout.strategy.type; Cluster API defaults it to RollingUpdate. */
  type: RolloutStrategyType;
  /** spec.rollout.strategy.rollingUpdate; maxSurge defaults to 1, maxUnavailable to 0. */
  rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent };
}

export interface MachineDeploymentView {
  name: string;
  /** spec.replicas. */
  replicas: number;
  strategy: RolloutStrategy;
  /** spec.paused: no rollout progress, only proportional scaling. */
  paused?: boolean;
  /** spec.rollout.after (RFC 3339): MachineSets created before it are replaced once it has passed. */
  rolloutAfter?: string;
  template: MachineTemplateView;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  generation?: number;
  /** status.replicas as last observed (used by proportional scaling when a MachineSet lacks max-replicas). */
  statusReplicas?: number;
}

export interface MachineSetReplicaStatus {
  /** status.replicas: Machines that exist, including those being deleted. Undefined before the first status update. */
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  upToDateReplicas?: number;
  observedGeneration?: number;
}

export interface MachineSetView {
  name: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
  generation?: number;
  /** spec.replicas. */
  replicas: number;
  status: MachineSetReplicaStatus;
  template: MachineTemplateView;
}

/** creationTimestamp in milliseconds; a missing timestamp sorts first, like Go's zero time. */
export function creationMillis(object: { creationTimestamp?: string }): number {
  if (!object.creationTimestamp) return Number.NEGATIVE_INFINITY;
  const millis = Date.parse(object.creationTimestamp);
  if (Number.isNaN(millis)) throw new Error(`invalid creationTimestamp "${object.creationTimestamp}"`);
  return millis;
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Oldest first, name as tie-breaker. */
export function compareByCreation(a: MachineSetView, b: MachineSetView): number {
  return creationMillis(a) - creationMillis(b) || byName(a, b);
}

/** Most spec.replicas first, then oldest, then name. */
export function compareByDecreasingReplicas(a: MachineSetView, b: MachineSetView): number {
  return b.replicas - a.replicas || compareByCreation(a, b);
}
