// The ContainerCluster controller: a cluster's infrastructure is its Network, so the ContainerCluster
// is provisioned (and Ready) once that Network is Ready; it publishes the failure domains of its
// spec. The control plane endpoint is left to the control plane provider when unset. Nothing is
// made on the host for the cluster itself, so deletion only lets go of the finalizer.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../api/meta.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { ContainerCluster, ContainerClusterStatus } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-cluster.ts';
import { DEFAULT_NETWORK_NAME } from '../../../api/slipway.dev/v1alpha1/network.ts';
import { defineController, type ControllerDefinition, type ManagerContext } from '../../../client/controller.ts';
import { clusterSpecOrLifecycleChanged, clustersResource } from '../../../controllers/cluster/resources.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import { isConditionTrue, setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { clusterOf, hasFinalizer, infrastructureClusterOf, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import type { NetworkObject } from './network-controller.ts';
import { containerClusterFinalizer, containerClustersResource, networksResource } from './resources.ts';

type ContainerClusterObject = ContainerCluster & KubeObject;

export const ContainerClusterReason = { WaitingForNetwork: 'WaitingForNetwork' } as const;

/** The Network a ContainerCluster's machines attach to. */
export const clusterNetworkName = (cluster: ContainerCluster) => cluster.spec.network ?? DEFAULT_NETWORK_NAME;

export function containerClusterController(): ControllerDefinition {
  return defineController({
    name: 'containercluster',
    for: containerClustersResource,
    // A Cluster's spec.paused pauses its infrastructure.
    watches: [{ resource: clustersResource, mapFn: infrastructureClusterOf('ContainerCluster'), updateMatters: clusterSpecOrLifecycleChanged }],
    reconcile: reconcileContainerCluster,
  });
}

async function reconcileContainerCluster(key: string, ctx: ManagerContext): Promise<void> {
  // Networks are few and change rarely: every ContainerCluster on a changed Network is found by listing.
  ctx.watchResource(networksResource, (network) => ctx.informer<ContainerClusterObject>(containerClustersResource).list()
    .filter((c) => clusterNetworkName(c) === network.metadata.name).map((c) => `${c.metadata.namespace}/${c.metadata.name}`));
  let cluster = ctx.informer<ContainerClusterObject>(containerClustersResource).get(key);
  if (!cluster) return;
  if (cluster.metadata.deletionTimestamp) {
    await releaseFinalizer(ctx, containerClustersResource, cluster, containerClusterFinalizer, 'ContainerCluster deleted');
    return;
  }
  const paused = pausedCondition(cluster, await clusterOf(ctx, cluster));
  if (!hasFinalizer(cluster, containerClusterFinalizer) && paused.status === 'False') {
    cluster = await ctx.client.update(containerClustersResource, { ...cluster, metadata: withFinalizer(cluster, containerClusterFinalizer) });
  }
  const generation = cluster.metadata.generation;
  const status: ContainerClusterStatus = { ...structuredClone(cluster.status ?? {}), ...(generation ? { observedGeneration: generation } : {}) };
  const set = (state: ConditionState) => { status.conditions = setCondition(status.conditions ?? [], state, generation) as Condition[]; };
  set(paused);
  let provisionedNow = false;
  if (paused.status === 'False') {
    const networkName = clusterNetworkName(cluster);
    const network = ctx.informer<NetworkObject>(networksResource).get(networkName);
    if (network && isConditionTrue(network, ConditionType.Ready)) {
      provisionedNow = !status.initialization?.provisioned;
      status.initialization = { provisioned: true };
      set({ type: ConditionType.Ready, status: 'True', reason: Reason.Ready, message: `Network ${networkName} is ready` });
    } else {
      const why = network ? network.status?.conditions?.find((c) => c.type === ConditionType.Ready)?.message || 'not ready yet' : 'does not exist: create it, or name an existing one in spec.network';
      set({ type: ConditionType.Ready, status: 'False', reason: ContainerClusterReason.WaitingForNetwork, message: `Network ${networkName} ${why}` });
    }
    if (status.initialization?.provisioned && cluster.spec.failureDomains?.length) status.failureDomains = cluster.spec.failureDomains;
    else delete status.failureDomains;
  }
  if (!isDeepStrictEqual(status, cluster.status ?? {})) {
    await ctx.client.updateStatus(containerClustersResource, { ...cluster, status });
    if (provisionedNow) ctx.recorder.event(cluster, 'Normal', 'Provisioned', `Cluster infrastructure provisioned on Network ${clusterNetworkName(cluster)}`);
  }
}
