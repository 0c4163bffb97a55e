// What a MachineSet reconcile does about its replica count: create the missing Machines, delete the excess
// ones (in deletion order), or nothing. Machines already being deleted still count as Machines until they are
// gone, exactly as in Cluster API, so a scale-down waits for them instead of deleting more.

import { selectMachinesToDelete } from './deletion-order.ts';
import type { DeletionOrder } from './deletion-order.ts';
import type { MachineView } from './machine-view.ts';

/** Set to "true" on a MachineSet to stop it from creating Machines (used on old MachineSets by OnDelete rollouts). */
export const DISABLE_MACHINE_CREATE_ANNOTATION = 'cluster.x-k8s.io/disable-machine-create';

export type ReplicaSyncAction<M extends MachineView> =
  | { kind: 'none' }
  | { kind: 'create'; count: number }
  | { kind: 'createDisabled'; count: number }
  | { kind: 'delete'; toDelete: M[]; waitingFor: M[] };

export interface ReplicaSyncInput<M extends MachineView> {
  /** spec.replicas of the MachineSet. */
  replicas: number;
  annotations?: Record<string, string>;
  deletionOrder: DeletionOrder;
  machines: readonly M[];
  /** Seed for the Random deletion order (see deletion-order.ts). */
  seed?: number;
}

export function planReplicaSync<M extends MachineView>(input: ReplicaSyncInput<M>): ReplicaSyncAction<M> {
  if (!Number.isInteger(input.replicas) || input.replicas < 0) {
    throw new Error(`MachineSet spec.replicas must be a non-negative integer, got ${input.replicas}`);
  }
  const diff = input.machines.length - input.replicas;
  if (diff < 0) {
    const disabled = input.annotations?.[DISABLE_MACHINE_CREATE_ANNOTATION] === 'true';
    return { kind: disabled ? 'createDisabled' : 'create', count: -diff };
  }
  if (diff > 0) {
    const selected = selectMachinesToDelete(input.machines, diff, input.deletionOrder, input.seed);
    return {
      kind: 'delete',
      toDelete: selected.filter((machine) => !machine.deletionTimestamp),
      waitingFor: selected.filter((machine) => machine.deletionTimestamp),
    };
  }
  return { kind: 'none' };
}
