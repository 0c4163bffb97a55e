// The MachineDeployment controller (Cluster API v1beta2 semantics): finds the new MachineSet (template matching
// the MachineDeployment's, rollout.after honoured) and the old ones, creates the new MachineSet when there is
// none, lets the pure rollout planner decide every MachineSet's replicas (RollingUpdate with maxSurge and
// maxUnavailable, OnDelete, proportional scaling while paused), propagates in-place fields and bookkeeping
// annotations to all MachineSets, mirrors the revision, deletes old MachineSets once a rollout is complete, and
// reports status and conditions. On deletion it deletes its MachineSets, then removes its finalizer. Decisions
// come from the shared caches, guarded by cache expectations, so no MachineSet is ever created twice.
import type { Cluster } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { clusterNameLabel, machineDeploymentFinalizer, machineDeploymentNameLabel, revisionAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { Condition } from '../../api/meta.ts';
import type { ControllerDefinition, ManagerContext, ReconcileResult } from '../../client/controller.ts';
import { defineController } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { NAMESPACE_INDEX, objectKey } from '../../client/informer.ts';
import { isConflict, isNotFound } from '../../client/rest-client.ts';
import { ownerReferenceTo } from '../provider-contract/external.ts';
import { CacheExpectations } from '../machine-set/cache-expectations.ts';
import { clusterSpecOrLifecycleChanged, clustersResource, machineDeploymentsResource, machineSetsResource, machinesResource } from '../cluster/resources.ts';
import { setConditions } from '../provider-contract/conditions.ts';
import { selectorMatches } from '../machine-set/label-selector.ts';
import { pausedCondition } from '../cluster/paused.ts';
import { selectorDefaultsPatch } from '../machine-set/selector-defaults.ts';
import { controllerOf, machinesMatching } from '../machine-set/owned-machines.ts';
import { reconcileTemplateReferences } from '../machine-set/template-references.ts';
import { deploymentView, machineSetView } from './api-views.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { MACHINE_DEPLOYMENT_MANAGER, machineSetPatch, newMachineSet } from './desired-machine-set.ts';
import { desiredMachineDeploymentStatus, writeMachineDeploymentStatus } from './machine-deployment-status.ts';
import { findNewAndOldMachineSets } from './new-machine-set.ts';
import { machineDeploymentReplicaCounts, isDeploymentComplete } from './status.ts';
import { newMachineSetRevision } from './revision.ts';
import { oldMachineSetsToDelete, planRollout } from './rollout-planner.ts';

const EXPECTATIONS_RECHECK_MS = 1000;
/** How long Machine changes (and the MachineDeployment's own status writes) gather before the next reconcile. */
const SUMMARY_BATCH_MS = 250;

export interface MachineDeploymentControllerOptions {
  /** MachineDeployments reconciled at the same time (default 2). */
  concurrency?: number;
}

interface SharedCaches {
  deployments?: Informer<MachineDeployment>;
}

export function machineDeploymentController(options: MachineDeploymentControllerOptions = {}): ControllerDefinition {
  const expectations = new CacheExpectations();
  const shared: SharedCaches = {};
  const deploymentKeys = (namespace: string | undefined, select: (md: MachineDeployment) => boolean) =>
    (shared.deployments && namespace ? shared.deployments.byIndex(NAMESPACE_INDEX, namespace).filter(select).map(objectKey) : []);
  return defineController({
    name: 'machinedeployment',
    for: machineDeploymentsResource,
    owns: [machineSetsResource],
    watches: [
      // Machines feed the MachinesReady, MachinesUpToDate, RollingOut and Remediating conditions: their
      // changes are batched (rollout decisions follow the MachineSets, whose changes come at once).
      { resource: machinesResource, mapFn: (machine) => deploymentKeys(machine.metadata.namespace, (md) => selectorMatches(md.spec.selector, machine.metadata.labels)), batchMs: SUMMARY_BATCH_MS },
      { resource: clustersResource, mapFn: (cluster) => deploymentKeys(cluster.metadata.namespace, (md) => md.spec.clusterName === cluster.metadata.name), updateMatters: clusterSpecOrLifecycleChanged },
    ],
    statusUpdateBatchMs: SUMMARY_BATCH_MS,
    concurrency: options.concurrency ?? 2,
    reconcile: async (key, ctx) => {
      shared.deployments = ctx.informer<MachineDeployment>(machineDeploymentsResource);
      return reconcileMachineDeployment(key, ctx, shared.deployments, expectations);
    },
  });
}

async function reconcileMachineDeployment(key: string, ctx: ManagerContext, deployments: Informer<MachineDeployment>, expectations: CacheExpectations): Promise<ReconcileResult | void> {
  const md = deployments.get(key);
  if (!md) {
    expectations.forget(key);
    return;
  }
  if (!expectations.satisfied(key)) return { requeueAfter: EXPECTATIONS_RECHECK_MS };
  const namespace = md.metadata.namespace!;
  const deleting = Boolean(md.metadata.deletionTimestamp);
  const cluster = ctx.informer<Cluster>(clustersResource).getByName(namespace, md.spec.clusterName);
  if (!cluster && !deleting) throw new Error(`MachineDeployment ${key}: Cluster ${namespace}/${md.spec.clusterName} does not exist`);

  if (!deleting && !md.metadata.finalizers?.includes(machineDeploymentFinalizer)) {
    await patchDeployment(ctx, md, { metadata: { finalizers: [...(md.metadata.finalizers ?? []), machineDeploymentFinalizer] } }, deployments, expectations, key);
    return;
  }
  const paused = pausedCondition(md, cluster);
  if (paused.status === 'True') {
    await writeMachineDeploymentStatus(ctx, md, { ...md.status, conditions: setConditions((md.status?.conditions ?? []) as Condition[], [paused], md.metadata.generation) });
    return;
  }
  if (!deleting && cluster && await ensureOwnerAndLabels(ctx, md, cluster, deployments, expectations, key)) return;

  const machineSetInformer = ctx.informer<MachineSet>(machineSetsResource);
  const missingTemplateKinds = cluster && !deleting ? await reconcileTemplateReferences(ctx, md.spec.template, namespace, cluster) : [];
  const machineSets = await getAndAdoptMachineSets(ctx, md, machineSetInformer, expectations, key);
  const machines = machinesMatching(ctx.informer<Machine>(machinesResource), namespace, md.spec.selector);
  const view = deploymentView(md);
  const now = new Date();
  let result: ReconcileResult | void;
  let complete = false;
  try {
    result = deleting
      ? await reconcileDelete(ctx, md, machineSets, deployments, machineSetInformer, expectations, key)
      : await rollout(ctx, md, view, machineSets, missingTemplateKinds, machineSetInformer, deployments, expectations, key, now);
    complete = true;
  } finally {
    await writeMachineDeploymentStatus(ctx, md, desiredMachineDeploymentStatus(md, {
      view, machineSets: machineSets.map(machineSetView), machines, missingTemplateKinds, paused, complete, now,
    }));
  }
  return result;
}

async function rollout(
  ctx: ManagerContext, md: MachineDeployment, view: MachineDeploymentView, machineSets: MachineSet[], missingTemplateKinds: string[],
  machineSetInformer: Informer<MachineSet>, deployments: Informer<MachineDeployment>, expectations: CacheExpectations, key: string, now: Date,
): Promise<ReconcileResult | void> {
  const views = machineSets.map(machineSetView);
  const found = findNewAndOldMachineSets(view, views, now);
  const { oldMSs } = found;
  let newMS: (MachineSetView & { object?: MachineSet }) | undefined = found.newMS;
  const revision = newMachineSetRevision(newMS, oldMSs);

  // A new template needs a new MachineSet (not while paused, and not without its templates: it could not scale up).
  let toCreate: MachineSet | undefined;
  if (!newMS && !view.paused && missingTemplateKinds.length === 0) {
    toCreate = newMachineSet(md, view, 0, revision);
    newMS = { name: toCreate.metadata.name!, replicas: 0, status: {}, template: toCreate.spec.template, annotations: toCreate.metadata.annotations, creationTimestamp: now.toISOString() };
  }
  if (!newMS && !view.paused) return;

  const plan = planRollout({ md: view, newMS, oldMSs });
  const intents = new Map(plan.changes.map((change) => [change.machineSet, change]));
  for (const change of plan.changes) ctx.logger.info({ machineSet: change.machineSet, from: change.from, to: change.to }, `scaling MachineSet ${change.machineSet} from ${change.from} to ${change.to}: ${change.reason}`);

  if (toCreate && newMS) {
    toCreate.spec.replicas = intents.get(newMS.name)?.to ?? 0;
    try {
      const created = await ctx.client.create<MachineSet>(machineSetsResource, toCreate, { fieldManager: MACHINE_DEPLOYMENT_MANAGER });
      expectations.expectObserved(key, machineSetInformer, created);
    } catch (error) {
      ctx.recorder.event(md, 'Warning', 'FailedCreate', `Failed to create MachineSet ${toCreate.metadata.name}: ${(error as Error).message}`);
      throw error;
    }
    if (oldMSs.length > 0) ctx.logger.info({ reason: found.createReason }, `MachineSets need rollout: ${oldMSs.map((ms) => ms.name).join(', ')}`);
    ctx.recorder.event(md, 'Normal', 'SuccessfulCreate', `Created MachineSet ${toCreate.metadata.name} with ${toCreate.spec.replicas} replicas`);
  }

  // The new MachineSet first, so a scale-up is logged before the scale-downs it allows.
  const existing = [...(newMS && !toCreate ? [newMS] : []), ...oldMSs] as (MachineSetView & { object: MachineSet })[];
  for (const ms of existing) {
    const replicas = intents.get(ms.name)?.to ?? ms.replicas;
    const role = ms === newMS ? { current: true as const, revision } : { current: false as const };
    const patch = machineSetPatch(md, view, ms.object, replicas, role);
    if (!patch) continue;
    try {
      const updated = await ctx.client.patch<MachineSet>(machineSetsResource, ms.name, patch, { type: 'merge', namespace: md.metadata.namespace, fieldManager: MACHINE_DEPLOYMENT_MANAGER });
      expectations.expectObserved(key, machineSetInformer, updated);
    } catch (error) {
      // The plan was made from a MachineSet that changed since: apply no more of it; its update event re-plans.
      if (isConflict(error)) return;
      if (!isNotFound(error)) throw error;
    }
  }

  // The MachineDeployment mirrors the revision of its current MachineSet.
  if (newMS && md.metadata.annotations?.[revisionAnnotation] !== revision) {
    await patchDeployment(ctx, md, { metadata: { annotations: { [revisionAnnotation]: revision } } }, deployments, expectations, key);
  }

  if (!view.paused && plan.changes.length === 0 && isDeploymentComplete(view, machineDeploymentReplicaCounts(views), md.metadata.generation ?? 0)) {
    for (const old of oldMachineSetsToDelete(oldMSs)) {
      try {
        const answer = await ctx.client.delete(machineSetsResource, old.name, { namespace: md.metadata.namespace, preconditions: { uid: (old as MachineSetView & { object: MachineSet }).object.metadata.uid } });
        if (answer.kind !== 'Status') expectations.expectObserved(key, machineSetInformer, answer as MachineSet);
      } catch (error) {
        if (!isNotFound(error) && !isConflict(error)) throw error;
      }
      ctx.logger.info({ machineSet: old.name }, `MachineSet ${old.name} deleting (cleanup of old MachineSets)`);
      ctx.recorder.event(md, 'Normal', 'SuccessfulDelete', `Deleted MachineSet "${old.name}"`);
    }
  }

  // rollout.after in the future: come back when it passes.
  const after = view.rolloutAfter ? Date.parse(view.rolloutAfter) - now.getTime() : 0;
  return after > 0 ? { requeueAfter: after } : undefined;
}

async function reconcileDelete(
  ctx: ManagerContext, md: MachineDeployment, machineSets: MachineSet[], deployments: Informer<MachineDeployment>,
  machineSetInformer: Informer<MachineSet>, expectations: CacheExpectations, key: string,
): Promise<void> {
  if (machineSets.length === 0) {
    if (md.metadata.finalizers?.includes(machineDeploymentFinalizer)) {
      await patchDeployment(ctx, md, { metadata: { finalizers: md.metadata.finalizers.filter((f) => f !== machineDeploymentFinalizer) } }, deployments, expectations, key);
    }
    return;
  }
  for (const ms of machineSets) {
    if (ms.metadata.deletionTimestamp) continue;
    try {
      const answer = await ctx.client.delete(machineSetsResource, ms.metadata.name!, { namespace: ms.metadata.namespace, preconditions: { uid: ms.metadata.uid } });
      if (answer.kind !== 'Status') expectations.expectObserved(key, machineSetInformer, answer as MachineSet);
      else expectations.expectGone(key, machineSetInformer, ms);
    } catch (error) {
      if (!isNotFound(error) && !isConflict(error)) throw error;
    }
    ctx.logger.info({ machineSet: ms.metadata.name }, `MachineSet ${ms.metadata.name} deleting (MachineDeployment deleting)`);
  }
}

/** MachineSets the MachineDeployment controls, adopting orphans that match its selector. */
async function getAndAdoptMachineSets(ctx: ManagerContext, md: MachineDeployment, informer: Informer<MachineSet>, expectations: CacheExpectations, key: string): Promise<MachineSet[]> {
  const owned: MachineSet[] = [];
  for (const ms of informer.byIndex(NAMESPACE_INDEX, md.metadata.namespace!)) {
    const controller = controllerOf(ms);
    if (controller) {
      if (controller.uid === md.metadata.uid) owned.push(ms);
      continue;
    }
    if (md.metadata.deletionTimestamp || ms.metadata.deletionTimestamp || !selectorMatches(md.spec.selector, ms.metadata.labels)) continue;
    try {
      const adopted = await ctx.client.patch<MachineSet>(machineSetsResource, ms.metadata.name!, {
        metadata: { resourceVersion: ms.metadata.resourceVersion, ownerReferences: [...(ms.metadata.ownerReferences ?? []).filter((ref) => ref.kind !== 'Cluster'), ownerReferenceTo(md, { controller: true })] },
      }, { type: 'merge', namespace: ms.metadata.namespace, fieldManager: MACHINE_DEPLOYMENT_MANAGER });
      expectations.expectObserved(key, informer, adopted);
      ctx.recorder.event(md, 'Normal', 'SuccessfulAdopt', `Adopted MachineSet "${ms.metadata.name}"`);
      owned.push(adopted);
    } catch (error) {
      if (!isNotFound(error)) ctx.recorder.event(md, 'Warning', 'FailedAdopt', `Failed to adopt MachineSet "${ms.metadata.name}": ${(error as Error).message}`);
    }
  }
  return owned;
}

/** The cluster-name label on the MachineDeployment; its selector and template defaulted (selector-defaults.ts); the Cluster as an owner. */
async function ensureOwnerAndLabels(ctx: ManagerContext, md: MachineDeployment, cluster: Cluster, deployments: Informer<MachineDeployment>, expectations: CacheExpectations, key: string): Promise<boolean> {
  const clusterName = md.spec.clusterName;
  const metadata: Record<string, unknown> = {};
  if (md.metadata.labels?.[clusterNameLabel] !== clusterName) metadata.labels = { [clusterNameLabel]: clusterName };
  if (!md.metadata.ownerReferences?.some((ref) => ref.uid === cluster.metadata.uid)) metadata.ownerReferences = [...(md.metadata.ownerReferences ?? []), ownerReferenceTo(cluster)];
  const spec = selectorDefaultsPatch(md.spec, machineDeploymentNameLabel, md.metadata.name!);
  if (Object.keys(metadata).length === 0 && !spec) return false;
  await patchDeployment(ctx, md, { metadata, ...(spec ? { spec } : {}) }, deployments, expectations, key);
  return true;
}

/** A merge patch of the MachineDeployment, conditional on the cached resourceVersion. */
async function patchDeployment(ctx: ManagerContext, md: MachineDeployment, patch: { metadata: Record<string, unknown>; spec?: Record<string, unknown> }, deployments: Informer<MachineDeployment>, expectations: CacheExpectations, key: string): Promise<void> {
  try {
    const updated = await ctx.client.patch<MachineDeployment>(machineDeploymentsResource, md.metadata.name!, {
      ...patch, metadata: { ...patch.metadata, resourceVersion: md.metadata.resourceVersion },
    }, { type: 'merge', namespace: md.metadata.namespace, fieldManager: MACHINE_DEPLOYMENT_MANAGER });
    expectations.expectObserved(key, deployments, updated);
  } catch (error) {
    // Conflict: the MachineDeployment changed since it was cached; its update event brings it back here.
    if (!isNotFound(error) && !isConflict(error)) throw error;
  }
}
