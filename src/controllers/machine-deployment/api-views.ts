// cluster.x-k8s.io/v1beta2 MachineDeployment and MachineSet objects seen as the pure rollout logic's views, with
// Cluster API's defaults applied (replicas 1, strategy RollingUpdate).
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';

export const DEFAULT_REPLICAS = 1;

export function deploymentView(md: MachineDeployment): MachineDeploymentView {
  const strategy = md.spec.rollout?.strategy;
  return {
    name: md.metadata.name!,
    replicas: md.spec.replicas ?? DEFAULT_REPLICAS,
    strategy: { type: strategy?.type ?? 'RollingUpdate', ...(strategy?.rollingUpdate ? { rollingUpdate: strategy.rollingUpdate } : {}) },
    paused: md.spec.paused,
    rolloutAfter: md.spec.rollout?.after,
    template: md.spec.template,
    annotations: md.metadata.annotations,
    deletionTimestamp: md.metadata.deletionTimestamp,
    generation: md.metadata.generation,
    statusReplicas: md.status?.replicas,
  };
}

/** The MachineSet's view, keeping the object itself at hand. */
export function machineSetView(ms: MachineSet): MachineSetView & { object: MachineSet } {
  return {
    object: ms,
    name: ms.metadata.name!,
    creationTimestamp: ms.metadata.creationTimestamp,
    deletionTimestamp: ms.metadata.deletionTimestamp,
    annotations: ms.metadata.annotations,
    generation: ms.metadata.generation,
    replicas: ms.spec.replicas ?? DEFAULT_REPLICAS,
    status: {
      replicas: ms.status?.replicas,
      readyReplicas: ms.status?.readyReplicas,
      availableReplicas: ms.status?.availableReplicas,
      upToDateReplicas: ms.status?.upToDateReplicas,
      observedGeneration: ms.status?.observedGeneration,
    },
    template: ms.spec.template,
  };
}
