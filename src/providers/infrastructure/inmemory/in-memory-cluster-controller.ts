// The InMemoryCluster controller: simulated cluster infrastructure, provisioned provisioningDelay
// (+ the object's own jitter) after the controller first saw it. The InfraCluster contract fields
// come from the spec: spec.controlPlaneEndpoint is reported where it is (set to a simulated one when
// left out, as Cluster API's in-memory provider does), and spec.failureDomains are published in
// status.failureDomains once provisioned.
import type { KubeObject } from '../../../api/meta.ts';
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { InMemoryCluster, InMemoryClusterStatus } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-cluster.ts';
import { InMemoryMachineReason } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { clusterSpecOrLifecycleChanged, clustersResource } from '../../../controllers/cluster/resources.ts';
import { setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import { jitteredDelayMs } from './simulated-time.ts';
import { clusterOf, hasFinalizer, infrastructureClusterOf, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import { inMemoryClusterFinalizer, inMemoryClustersResource } from './resources.ts';

export function inMemoryClusterController(): ControllerDefinition {
  return defineController({
    name: 'inmemorycluster',
    for: inMemoryClustersResource,
    // A Cluster's spec.paused pauses its infrastructure.
    watches: [{ resource: clustersResource, mapFn: infrastructureClusterOf('InMemoryCluster'), updateMatters: clusterSpecOrLifecycleChanged }],
    reconcile: reconcileInMemoryCluster,
  });
}

type InMemoryClusterObject = InMemoryCluster & KubeObject;

/** An endpoint under the reserved .invalid domain: it names the simulated API server and resolves nowhere. */
const simulatedEndpoint = (cluster: InMemoryClusterObject) => ({ host: `${cluster.metadata.name}.${cluster.metadata.namespace}.in-memory.invalid`, port: 6443 });

async function reconcileInMemoryCluster(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  let cluster = ctx.informer<InMemoryClusterObject>(inMemoryClustersResource).get(key);
  if (!cluster) return;
  if (cluster.metadata.deletionTimestamp) {
    await releaseFinalizer(ctx, inMemoryClustersResource, cluster, inMemoryClusterFinalizer, 'Simulated InMemoryCluster deleted');
    return;
  }
  const paused = pausedCondition(cluster, await clusterOf(ctx, cluster));
  if ((!hasFinalizer(cluster, inMemoryClusterFinalizer) || !cluster.spec.controlPlaneEndpoint) && paused.status === 'False') {
    const spec = { ...cluster.spec, controlPlaneEndpoint: cluster.spec.controlPlaneEndpoint ?? simulatedEndpoint(cluster) };
    cluster = await ctx.client.update(inMemoryClustersResource, { ...cluster, metadata: withFinalizer(cluster, inMemoryClusterFinalizer), spec });
  }

  const nowMs = Date.now();
  const generation = cluster.metadata.generation;
  const status: InMemoryClusterStatus = { ...structuredClone(cluster.status ?? {}), ...(generation ? { observedGeneration: generation } : {}) };
  // Conditions written by setCondition always carry a message, as the schema requires.
  const set = (state: ConditionState, at = nowMs) => { status.conditions = setCondition(status.conditions ?? [], state, generation, new Date(at)) as Condition[]; };
  const ready = () => status.conditions?.find((c) => c.type === ConditionType.Ready);
  set(paused);
  let requeueAfter: number | undefined;
  let provisionedNow = false;
  if (paused.status === 'False') {
    if (!status.initialization?.provisioned) {
      const delayMs = jitteredDelayMs(cluster.spec.simulation?.provisioningDelay, cluster.spec.simulation?.jitter, cluster.metadata.uid ?? key);
      // The first Ready=False marks the start (kept in status, so a restart continues the wait); rounded up, it never ends early.
      if (delayMs > 0 && !ready()) set({ type: ConditionType.Ready, status: 'False', reason: InMemoryMachineReason.WaitingForProvisioningDelay }, Math.ceil(nowMs / 1000) * 1000);
      const started = ready();
      const remainingMs = delayMs > 0 && started ? Date.parse(started.lastTransitionTime) + delayMs - nowMs : 0;
      if (remainingMs > 0) requeueAfter = Math.ceil(remainingMs);
      else {
        status.initialization = { provisioned: true };
        set({ type: ConditionType.Ready, status: 'True', reason: Reason.Ready });
        provisionedNow = true;
      }
    }
    if (status.initialization?.provisioned) {
      if (cluster.spec.failureDomains?.length) status.failureDomains = cluster.spec.failureDomains;
      else delete status.failureDomains;
    }
  }
  if (!isDeepStrictEqual(status, cluster.status ?? {})) {
    await ctx.client.updateStatus(inMemoryClustersResource, { ...cluster, status });
    if (provisionedNow) ctx.recorder.event(cluster, 'Normal', 'Provisioned', 'Simulated cluster infrastructure provisioned');
  }
  return requeueAfter !== undefined ? { requeueAfter } : undefined;
}
