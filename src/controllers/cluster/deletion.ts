// Deleting a Cluster in Cluster API's order, one step per reconcile, each waiting for the previous
// one to finish: the workers (MachineDeployments, MachineSets of none, Machines of neither — and the
// control plane Machines when there is no control plane object), then the control plane object,
// then the infrastructure cluster; only then may the finalizer go. The returned step is what the
// Deleting condition reports.
import type { KubeObject } from '../../api/meta.ts';
import { ClusterReason, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { isNotFound, type ResourceRef } from '../../client/rest-client.ts';
import { deleteExternal } from '../provider-contract/external.ts';
import type { TrackedObject } from '../provider-contract/tracked.ts';
import { machineDeploymentsResource, machinesResource, machineSetsResource } from './resources.ts';
import { isControlPlaneMachine, isStandaloneMachine, isStandaloneMachineSet, type ClusterObservation } from './status.ts';

export interface DeletionStep {
  reason: string;
  message: string;
  /** Everything is gone: the finalizer can be removed. */
  done: boolean;
}

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name ?? '').sort();

/** Lists at most `max` names, then how many more. */
function listNames(list: string[], max = 5): string {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')}, ... (${list.length - max} more)`;
}

export async function deleteClusterStep(ctx: ManagerContext, o: ClusterObservation): Promise<DeletionStep> {
  const workerMachines = o.machines.filter((m) => !isControlPlaneMachine(m) || !o.controlPlane);
  const standaloneSets = o.machineSets.filter(isStandaloneMachineSet);
  // Owners take their dependents with them (garbage collection): only the tops are deleted here.
  const tops: [ResourceRef, KubeObject[]][] = [
    [machineDeploymentsResource, o.machineDeployments],
    [machineSetsResource, standaloneSets],
    [machinesResource, workerMachines.filter(isStandaloneMachine)],
  ];
  for (const [resource, objs] of tops) {
    for (const obj of objs) if (!obj.metadata.deletionTimestamp) await deleteObject(ctx, resource, obj);
  }
  const pending: string[] = [];
  if (o.machineDeployments.length > 0) pending.push(`* MachineDeployments: ${listNames(names(o.machineDeployments))}`);
  if (o.machineSets.length > 0) pending.push(`* MachineSets: ${listNames(names(o.machineSets))}`);
  const cpMachines = workerMachines.filter(isControlPlaneMachine);
  if (cpMachines.length > 0) pending.push(`* Control plane Machines: ${listNames(names(cpMachines))}`);
  const workers = workerMachines.filter((m) => !isControlPlaneMachine(m));
  if (workers.length > 0) pending.push(`* Worker Machines: ${listNames(names(workers))}`);
  if (pending.length > 0) return { reason: ClusterReason.DeletingWaitingForWorkersDeletion, message: pending.join('\n'), done: false };

  for (const [tracked, reason] of [[o.controlPlane, ClusterReason.DeletingWaitingForControlPlaneDeletion], [o.infra, ClusterReason.DeletingWaitingForInfrastructureDeletion]] as const) {
    if (!tracked?.object) continue;
    if (!tracked.object.metadata.deletionTimestamp) await deleteTracked(ctx, tracked, o.cluster.metadata.namespace!);
    return { reason, message: `Waiting for ${tracked.ref.kind} to be deleted`, done: false };
  }
  return { reason: Reason.DeletionCompleted, message: 'Deletion completed', done: true };
}

async function deleteObject(ctx: ManagerContext, resource: ResourceRef, obj: KubeObject): Promise<void> {
  try {
    // The uid precondition: never delete a same-named successor of what was observed.
    await ctx.client.delete(resource, obj.metadata.name!, { namespace: obj.metadata.namespace, propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
    ctx.logger.info({ kind: resource.kind, name: obj.metadata.name }, 'deleting a descendant of the deleted cluster');
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

async function deleteTracked(ctx: ManagerContext, tracked: TrackedObject, namespace: string): Promise<void> {
  await deleteExternal(ctx, tracked.ref, namespace);
  ctx.logger.info({ kind: tracked.ref.kind, name: tracked.ref.name }, 'deleting a provider object of the deleted cluster');
}
