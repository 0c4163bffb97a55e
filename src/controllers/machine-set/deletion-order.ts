// Which Machines a MachineSet deletes when it scales down (Cluster API v1beta2 spec.deletion.order).
//
// Every order first ranks Machines into buckets, highest first:
//   1. already being deleted (deletionTimestamp set): counting them first keeps a scale-down from deleting
//      extra Machines while earlier deletions are still in progress;
//   2. annotated cluster.x-k8s.io/delete-machine (any value): the user asked for this Machine to go first;
//   3. unhealthy: no status.nodeRef, or NodeHealthy=False, or HealthCheckSucceeded=False (Unknown is not
//      treated as unhealthy): removing them unblocks rollouts without reducing availability;
//   4. healthy, ordered by the policy: Oldest (earliest creationTimestamp first), Newest (latest first), or
//      Random.
// Ties break by name, so the same input always yields the same order.
//
// Cluster API's "Random" is not actually random: all healthy Machines tie and fall back to name order. Slipway
// does the same when no seed is given; with a seed, healthy Machines are ordered by a hash of (seed, name), a
// deterministic shuffle that keeps each Machine's relative rank stable across reconciles.
// Oldest/Newest compare creation timestamps exactly; Cluster API maps age onto a float priority that saturates
// for Machines older than a few months (they then tie and fall back to name order), Slipway does not.
// A Machine without creationTimestamp is deleted last under Oldest and first among healthy Machines under Newest.

import { fnv1a32 } from './fnv1a.ts';
import type { MachineView } from './machine-view.ts';

export const DELETE_MACHINE_ANNOTATION = 'cluster.x-k8s.io/delete-machine';

export const DELETION_ORDERS = ['Random', 'Newest', 'Oldest'] as const;
export type DeletionOrder = (typeof DELETION_ORDERS)[number];

/** spec.deletion.order as stored (possibly empty) → a known order; empty means Random, as in Cluster API. */
export function parseDeletionOrder(value: string | undefined): DeletionOrder {
  if (value === undefined || value === '') return 'Random';
  if ((DELETION_ORDERS as readonly string[]).includes(value)) return value as DeletionOrder;
  throw new Error(`unsupported deletion order "${value}": must be one of 'Random', 'Newest', or 'Oldest'`);
}

/** Cluster API's notion of a healthy Machine for delete prioritisation. */
export function isMachineHealthy(machine: MachineView): boolean {
  return machine.hasNodeRef && machine.nodeHealthy !== 'False' && machine.healthCheckSucceeded !== 'False';
}

/** 0 = deleting, 1 = delete annotation, 2 = unhealthy, 3 = healthy (ordered by policy). */
export function deletionBucket(machine: MachineView): 0 | 1 | 2 | 3 {
  if (machine.deletionTimestamp) return 0;
  if (machine.annotations && DELETE_MACHINE_ANNOTATION in machine.annotations) return 1;
  if (!isMachineHealthy(machine)) return 2;
  return 3;
}

function creationMillis(machine: MachineView): number | undefined {
  if (!machine.creationTimestamp) return undefined;
  const millis = Date.parse(machine.creationTimestamp);
  return Number.isNaN(millis) ? undefined : millis;
}

/** Negative when a should be deleted before b, among healthy Machines. */
function comparePolicy(a: MachineView, b: MachineView, order: DeletionOrder, seed: number | undefined): number {
  if (order === 'Random') {
    return seed === undefined ? 0 : fnv1a32(`${seed}/${a.name}`) - fnv1a32(`${seed}/${b.name}`);
  }
  const ta = creationMillis(a);
  const tb = creationMillis(b);
  if (ta === tb) return 0;
  if (order === 'Oldest') {
    if (ta === undefined) return 1;
    if (tb === undefined) return -1;
    return ta - tb;
  }
  if (ta === undefined) return -1;
  if (tb === undefined) return 1;
  return tb - ta;
}

/** All Machines, first to delete first. Does not modify the input. */
export function sortMachinesForDeletion<M extends MachineView>(machines: readonly M[], order: DeletionOrder, seed?: number): M[] {
  return [...machines].sort((a, b) => {
    const bucketA = deletionBucket(a);
    const bucketB = deletionBucket(b);
    if (bucketA !== bucketB) return bucketA - bucketB;
    const byPolicy = bucketA === 3 ? comparePolicy(a, b, order, seed) : 0;
    if (byPolicy !== 0) return byPolicy;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
}

/** The `count` Machines to delete (or to wait for, when already deleting) to scale down by `count`. */
export function selectMachinesToDelete<M extends MachineView>(machines: readonly M[], count: number, order: DeletionOrder, seed?: number): M[] {
  if (count <= 0) return [];
  return sortMachinesForDeletion(machines, order, seed).slice(0, count);
}
