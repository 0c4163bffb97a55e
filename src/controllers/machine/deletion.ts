// Deleting a Machine in Cluster API's order, one step per reconcile: wait while a pre-drain hook
// annotation is present; (draining the node and waiting for its volumes does not apply: Slipway
// has no workload cluster to evict pods from); wait while a pre-terminate hook annotation is
// present; delete the infrastructure machine and wait until it is gone; the same for the bootstrap
// config; (deleting the Node does not apply either). Then the finalizer may go.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { MachineReason, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { preDrainDeleteHookAnnotationPrefix, preTerminateDeleteHookAnnotationPrefix } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { deleteExternal } from '../provider-contract/external.ts';
import type { TrackedObject } from '../provider-contract/tracked.ts';

export interface MachineDeletionStep {
  reason: string;
  message: string;
  done: boolean;
}

/** Annotation keys of a hook kind ("<prefix>/<name>"), sorted. */
export function hooksOf(machine: Machine, prefix: string): string[] {
  return Object.keys(machine.metadata.annotations ?? {}).filter((k) => k.startsWith(`${prefix}/`)).sort();
}

export async function deleteMachineStep(ctx: ManagerContext, machine: Machine, infra: TrackedObject, bootstrap: TrackedObject | undefined): Promise<MachineDeletionStep> {
  const preDrain = hooksOf(machine, preDrainDeleteHookAnnotationPrefix);
  if (preDrain.length > 0) {
    return { reason: MachineReason.DeletingWaitingForPreDrainHook, message: `Waiting for pre-drain hooks to succeed (hooks: ${preDrain.join(',')})`, done: false };
  }
  const preTerminate = hooksOf(machine, preTerminateDeleteHookAnnotationPrefix);
  if (preTerminate.length > 0) {
    return { reason: MachineReason.DeletingWaitingForPreTerminateHook, message: `Waiting for pre-terminate hooks to succeed (hooks: ${preTerminate.join(',')})`, done: false };
  }
  const namespace = machine.metadata.namespace!;
  for (const [tracked, reason] of [[infra, MachineReason.DeletingWaitingForInfrastructureDeletion], [bootstrap, MachineReason.DeletingWaitingForBootstrapDeletion]] as const) {
    if (!tracked?.object) continue;
    // Deleted from the server's view: a cached copy may lag behind a deletion already done.
    if (!tracked.object.metadata.deletionTimestamp && (await deleteExternal(ctx, tracked.ref, namespace))) continue;
    return { reason, message: `Waiting for ${tracked.ref.kind} to be deleted`, done: false };
  }
  return { reason: Reason.DeletionCompleted, message: 'Deletion completed', done: true };
}
