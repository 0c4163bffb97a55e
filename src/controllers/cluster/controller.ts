// The Cluster controller, with Cluster API's semantics: a finalizer first; while paused only the
// Paused condition; otherwise the infrastructure cluster and control plane objects are read through
// the provider contract (and get the Cluster as an owner and the cluster-name label), the endpoint
// is copied once known, initialization, failure domains, replica counters, phase and conditions
// are written; a deleted Cluster takes its descendants down in order before letting go.
import type { KubeObject } from '../../api/meta.ts';
import type { Cluster, ClusterStatus } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { clusterFinalizer, clusterNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { group as coreGroup } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { splitApiVersion } from '../../api/meta.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../client/controller.ts';
import { ensureOwnerReference, ownerReferenceTo, type ProviderReference } from '../provider-contract/external.ts';
import { infraCluster } from '../provider-contract/contract.ts';
import { conditionsOf, setConditions } from '../provider-contract/conditions.ts';
import { indexReferences, referencingKeys } from '../provider-contract/reference-index.ts';
import { readTracked, type TrackedObject } from '../provider-contract/tracked.ts';
import { deleteClusterStep } from './deletion.ts';
import { patchMetadataAndSpec, writeStatus } from './object-writes.ts';
import { pausedCondition } from './paused.ts';
import { clusterKeyOf, clustersResource, machineDeploymentsResource, machinesResource, machineSetsResource, objectsOfCluster } from './resources.ts';
import {
  clusterConditions, clusterPhase, controlPlaneSummary, endpointValid, failure, initialization, observedEndpoint, workersSummary, type ClusterObservation,
} from './status.ts';

const REFERENCES_INDEX = 'cluster.x-k8s.io/cluster-references';
/** While descendants are going away, look again at least this often (their events also re-queue). */
const DELETION_RECHECK_MS = 5_000;
/** A referenced object that does not exist yet is looked for again after this long (its creation also re-queues). */
const MISSING_REFERENCE_RECHECK_MS = 30_000;

/** How long worker changes gather before the Cluster's status is recomputed: a scale-up of 1,000 Machines writes it a few times, not thousands. */
const SUMMARY_BATCH_MS = 250;

const referencesOf = (c: KubeObject) => [(c as Cluster).spec?.infrastructureRef, (c as Cluster).spec?.controlPlaneRef];

/** Keys of the Clusters that own (or name) a provider object. */
function clusterKeysFor(ctx: ManagerContext, obj: KubeObject): string[] {
  const owners = (obj.metadata.ownerReferences ?? [])
    .filter((r) => r.kind === 'Cluster' && splitApiVersion(r.apiVersion).group === coreGroup)
    .map((r) => `${obj.metadata.namespace}/${r.name}`);
  const informer = ctx.informer(clustersResource);
  indexReferences(informer, REFERENCES_INDEX, referencesOf);
  return [...new Set([...owners, ...referencingKeys(informer, REFERENCES_INDEX, obj)])];
}

export function clusterController(options: { concurrency?: number } = {}): ControllerDefinition {
  const toCluster = (obj: KubeObject) => { const key = clusterKeyOf(obj); return key ? [key] : []; };
  return defineController({
    name: 'cluster',
    for: clustersResource,
    // The Cluster summarises its workers: their changes are batched (SUMMARY_BATCH_MS).
    watches: [
      { resource: machinesResource, mapFn: toCluster, batchMs: SUMMARY_BATCH_MS },
      { resource: machineSetsResource, mapFn: toCluster, batchMs: SUMMARY_BATCH_MS },
      { resource: machineDeploymentsResource, mapFn: toCluster, batchMs: SUMMARY_BATCH_MS },
    ],
    // Its own status writes (one a batch) must not start the next reconcile at once either.
    statusUpdateBatchMs: SUMMARY_BATCH_MS,
    concurrency: options.concurrency ?? 4,
    reconcile: reconcileCluster,
  });
}

async function reconcileCluster(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  const cached = ctx.informer<Cluster & KubeObject>(clustersResource).get(key);
  if (!cached) return;
  let cluster = cached;
  const deleting = Boolean(cluster.metadata.deletionTimestamp);
  if (!deleting && !cluster.metadata.finalizers?.includes(clusterFinalizer)) {
    // Added first and alone, as Cluster API does: the update re-queues the Cluster.
    await patchMetadataAndSpec(ctx, clustersResource, cluster, { metadata: { finalizers: [...(cluster.metadata.finalizers ?? []), clusterFinalizer] } });
    return;
  }

  const paused = pausedCondition(cluster, cluster);
  if (paused.status === 'True') {
    await writeStatus(ctx, clustersResource, cluster, { ...cluster.status, conditions: setConditions(conditionsOf(cluster), [paused], cluster.metadata.generation) });
    return;
  }

  const namespace = cluster.metadata.namespace!;
  const mapToCluster = (obj: KubeObject) => clusterKeysFor(ctx, obj);
  const track = async (ref: ProviderReference | undefined): Promise<TrackedObject | undefined> => {
    if (!ref) return undefined;
    const tracked = await readTracked(ctx, ref, namespace, mapToCluster);
    if (tracked.object && !deleting) {
      await ensureOwnerReference(ctx, ref, namespace, ownerReferenceTo(cluster), { controller: false, labels: { [clusterNameLabel]: cluster.metadata.name! } });
    }
    return tracked;
  };
  const observation: ClusterObservation = {
    cluster,
    infra: await track(cluster.spec.infrastructureRef),
    controlPlane: await track(cluster.spec.controlPlaneRef),
    machineDeployments: objectsOfCluster(ctx.informer(machineDeploymentsResource), key),
    machineSets: objectsOfCluster(ctx.informer(machineSetsResource), key),
    machines: objectsOfCluster(ctx.informer(machinesResource), key) as unknown as Machine[],
  };

  const init = initialization(observation);
  let endpoint = cluster.spec.controlPlaneEndpoint;
  if (!deleting && !endpointValid(endpoint)) {
    const observed = observedEndpoint(observation, init.infrastructureProvisioned, init.controlPlaneInitialized);
    if (observed) {
      cluster = await patchMetadataAndSpec(ctx, clustersResource, cluster, { spec: { controlPlaneEndpoint: observed } });
      observation.cluster = cluster;
      endpoint = observed;
    }
  }

  let result: ReconcileResult | undefined;
  let finished = false;
  if (deleting) {
    const step = await deleteClusterStep(ctx, observation);
    observation.deleting = step;
    finished = step.done;
    if (!finished) result = { requeueAfter: DELETION_RECHECK_MS };
  } else if (observation.infra && !observation.infra.object && !init.infrastructureProvisioned) {
    result = { requeueAfter: MISSING_REFERENCE_RECHECK_MS };
  } else if (observation.controlPlane && !observation.controlPlane.object && !init.controlPlaneInitialized) {
    result = { requeueAfter: MISSING_REFERENCE_RECHECK_MS };
  }

  const status = clusterStatus(observation, init, endpoint, paused);
  const before = cluster.status;
  cluster = await writeStatus(ctx, clustersResource, cluster, status as Record<string, unknown>);
  recordTransitions(ctx, cluster, before, status, failure(observation, init));

  if (finished) {
    await patchMetadataAndSpec(ctx, clustersResource, cluster, { metadata: { finalizers: (cluster.metadata.finalizers ?? []).filter((f) => f !== clusterFinalizer) } });
    ctx.recorder.event(cluster, 'Normal', 'Deleted', `Cluster ${cluster.metadata.name} has been deleted`);
  }
  return result;
}

function clusterStatus(o: ClusterObservation, init: ReturnType<typeof initialization>, endpoint: Cluster['spec']['controlPlaneEndpoint'], paused: ReturnType<typeof pausedCondition>): ClusterStatus {
  const cluster = o.cluster;
  const previous = cluster.status ?? {};
  const failureDomains = init.infrastructureProvisioned ? infraCluster.failureDomains(o.infra?.object) : undefined;
  const controlPlane = controlPlaneSummary(o);
  const workers = workersSummary(o);
  const { controlPlane: _cp, workers: _w, failureDomains: _fd, ...rest } = previous;
  return {
    ...rest,
    initialization: { infrastructureProvisioned: init.infrastructureProvisioned, controlPlaneInitialized: init.controlPlaneInitialized },
    ...(Object.keys(controlPlane).length > 0 ? { controlPlane } : {}),
    ...(Object.keys(workers).length > 0 ? { workers } : {}),
    ...(failureDomains && failureDomains.length > 0 ? { failureDomains } : {}),
    phase: clusterPhase(o, init, endpoint),
    conditions: setConditions(conditionsOf(cluster), clusterConditions(o, init, paused), cluster.metadata.generation),
    ...(cluster.metadata.generation ? { observedGeneration: cluster.metadata.generation } : {}),
  } as ClusterStatus;
}

/** Events for what changed: the phase, infrastructure provisioned, control plane initialized, failure. */
function recordTransitions(ctx: ManagerContext, cluster: KubeObject, before: ClusterStatus | undefined, after: ClusterStatus, failed: string | undefined): void {
  const name = cluster.metadata.name;
  if (before?.phase !== after.phase) {
    if (after.phase === 'Failed') ctx.recorder.event(cluster, 'Warning', 'Failed', `Cluster ${name} is Failed: ${failed}`);
    else ctx.recorder.event(cluster, 'Normal', after.phase!, `Cluster ${name} is ${after.phase}`);
  }
  if (!before?.initialization?.infrastructureProvisioned && after.initialization?.infrastructureProvisioned) {
    ctx.recorder.event(cluster, 'Normal', 'InfrastructureReady', `Cluster ${name} InfrastructureProvisioned is now True`);
  }
  if (!before?.initialization?.controlPlaneInitialized && after.initialization?.controlPlaneInitialized) {
    ctx.recorder.event(cluster, 'Normal', 'ControlPlaneInitialized', `Cluster ${name} ControlPlaneInitialized is now True`);
  }
}
