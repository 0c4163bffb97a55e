// The MachineSet controller (Cluster API v1beta2 semantics): keeps spec.replicas Machines of the MachineSet's
// template, cloning bootstrap and infrastructure templates for each new Machine and deleting the excess in
// deletion order; adopts orphan Machines matching its selector; remediates Machines a MachineHealthCheck marked;
// propagates in-place fields to existing Machines; reports counters and conditions; on deletion removes its
// Machines first, then its finalizer. Every decision is made from the shared informer caches, guarded by cache
// expectations (a cache that does not show this controller's last writes yet is not acted on), so a stale cache
// or a restart never creates or deletes a Machine twice.
import type { Cluster } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import {
  clusterNameLabel, machineDeploymentNameLabel, machineSetFinalizer, machineSetNameLabel, revisionAnnotation,
} from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { Condition, KubeObject } from '../../api/meta.ts';
import type { ControllerDefinition, ManagerContext, ReconcileResult } from '../../client/controller.ts';
import { defineController, onlyStatusChanged } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { NAMESPACE_INDEX, objectKey } from '../../client/informer.ts';
import { isConflict, isNotFound } from '../../client/rest-client.ts';
import { ownerReferenceTo } from '../provider-contract/external.ts';
import { CacheExpectations } from './cache-expectations.ts';
import { clusterSpecOrLifecycleChanged, clustersResource, machineDeploymentsResource, machineSetsResource, machinesResource } from '../cluster/resources.ts';
import { setConditions } from '../provider-contract/conditions.ts';
import { parseDeletionOrder } from './deletion-order.ts';
import { MACHINE_SET_MANAGER } from './desired-machine.ts';
import { selectorMatches } from './label-selector.ts';
import { cleanupOrphanedClones, createMachines } from './machine-creation.ts';
import { forEachInParallel } from './in-parallel.ts';
import { deleteMachine } from './machine-deletion.ts';
import { machineView } from './machine-facts.ts';
import { remediateUnhealthyMachines } from './machine-remediation.ts';
import { desiredMachineSetStatus, writeStatus } from './machine-set-status.ts';
import { syncMachines } from './machine-sync.ts';
import { pausedCondition } from '../cluster/paused.ts';
import { controllerOf, getAndAdoptMachines } from './owned-machines.ts';
import { reconcileTemplateReferences } from './template-references.ts';
import { planReplicaSync } from './replica-sync.ts';
import { nameLabelValue } from './name-label-value.ts';
import { selectorDefaultsPatch } from './selector-defaults.ts';

/** While the cache lags behind this controller's writes, look again this soon (the awaited event usually comes first). */
const EXPECTATIONS_RECHECK_MS = 1000;
/** While a template is missing, look again this soon (templates are not watched). */
const MISSING_TEMPLATE_RECHECK_MS = 10_000;
/**
 * How long changes of its Machines (and its own status writes) gather before a MachineSet is reconciled: each
 * reconcile goes over all its Machines, and a rollout changes one of a thousand Machines hundreds of times a
 * second; reconciling on each would be quadratic.
 */
const MACHINES_BATCH_MS = 200;

export interface MachineSetControllerOptions {
  /** MachineSets reconciled at the same time (default 4). */
  concurrency?: number;
}

interface SharedCaches {
  machineSets?: Informer<MachineSet>;
}

/** Keys of the MachineSets of `namespace` that `select` picks, from the MachineSet cache once it exists. */
function machineSetKeys(shared: SharedCaches, namespace: string | undefined, select: (ms: MachineSet) => boolean): string[] {
  if (!shared.machineSets || !namespace) return [];
  return shared.machineSets.byIndex(NAMESPACE_INDEX, namespace).filter(select).map(objectKey);
}

export function machineSetController(options: MachineSetControllerOptions = {}): ControllerDefinition {
  const expectations = new CacheExpectations();
  const shared: SharedCaches = {};
  return defineController({
    name: 'machineset',
    for: machineSetsResource,
    owns: [machinesResource],
    watches: [
      // Orphan Machines go to every MachineSet whose selector matches them, for adoption.
      { resource: machinesResource, mapFn: (machine) => (controllerOf(machine) ? [] : machineSetKeys(shared, machine.metadata.namespace, (ms) => selectorMatches(ms.spec.selector, machine.metadata.labels))) },
      // Pausing and unpausing a Cluster.
      { resource: clustersResource, mapFn: (cluster) => machineSetKeys(shared, cluster.metadata.namespace, (ms) => ms.spec.clusterName === cluster.metadata.name), updateMatters: clusterSpecOrLifecycleChanged },
      // The owning MachineDeployment decides remediation (current revision, maxInFlight) and whether Machines are up
      // to date: by its spec and annotations, not by its status (written several times a second during a rollout).
      {
        resource: machineDeploymentsResource,
        mapFn: (md) => machineSetKeys(shared, md.metadata.namespace, (ms) => ms.metadata.labels?.[machineDeploymentNameLabel] === md.metadata.name),
        updateMatters: (old, md) => !onlyStatusChanged(old, md),
      },
    ],
    ownsBatchMs: MACHINES_BATCH_MS,
    statusUpdateBatchMs: MACHINES_BATCH_MS,
    concurrency: options.concurrency ?? 4,
    reconcile: (key, ctx) => reconcileMachineSet(key, ctx, expectations, shared),
  });
}

async function reconcileMachineSet(key: string, ctx: ManagerContext, expectations: CacheExpectations, shared: SharedCaches): Promise<ReconcileResult | void> {
  const machineSets = ctx.informer<MachineSet>(machineSetsResource);
  shared.machineSets = machineSets;
  const ms = machineSets.get(key);
  if (!ms) {
    expectations.forget(key);
    return;
  }
  if (!expectations.satisfied(key)) return { requeueAfter: EXPECTATIONS_RECHECK_MS };
  const machineInformer = ctx.informer<Machine>(machinesResource);
  const namespace = ms.metadata.namespace!;
  const deleting = Boolean(ms.metadata.deletionTimestamp);
  const cluster = ctx.informer<Cluster>(clustersResource).getByName(namespace, ms.spec.clusterName);
  if (!cluster && !deleting) throw new Error(`MachineSet ${key}: Cluster ${namespace}/${ms.spec.clusterName} does not exist`);

  // The finalizer first, so a deletion can never skip the Machines.
  if (!deleting && !ms.metadata.finalizers?.includes(machineSetFinalizer)) {
    await patchMachineSet(ctx, ms, { finalizers: [...(ms.metadata.finalizers ?? []), machineSetFinalizer] }, machineSets, expectations, key);
    return;
  }

  const paused = pausedCondition(ms, cluster);
  if (paused.status === 'True') {
    await writeStatus(ctx, ms, { ...ms.status, conditions: setConditions((ms.status?.conditions ?? []) as Condition[], [paused], ms.metadata.generation) });
    return;
  }

  if (!deleting && cluster && await ensureOwnerAndLabels(ctx, ms, cluster, machineSets, expectations, key)) return;

  const owner = owningDeployment(ctx, ms);
  const isCurrent = !ms.metadata.labels?.[machineDeploymentNameLabel] || owner?.metadata.annotations?.[revisionAnnotation] === ms.metadata.annotations?.[revisionAnnotation];
  const missingTemplateKinds = cluster ? await reconcileTemplates(ctx, ms, cluster, deleting || !isCurrent) : [];

  const machines = await getAndAdoptMachines(ctx, ms, machineInformer, expectations, key);
  let result: ReconcileResult | void;
  let complete = false;
  try {
    result = deleting
      ? await reconcileDelete(ctx, ms, machines, machineSets, machineInformer, expectations, key)
      : await reconcileNormal(ctx, ms, owner, machines, missingTemplateKinds, machineInformer, expectations, key);
    complete = true;
  } finally {
    if (!deleting || ms.metadata.finalizers?.includes(machineSetFinalizer)) {
      await writeStatus(ctx, ms, desiredMachineSetStatus(ms, { machines, missingTemplateKinds, paused, complete, now: new Date() }));
    }
  }
  return result;
}

async function reconcileNormal(
  ctx: ManagerContext, ms: MachineSet, owner: MachineDeployment | undefined, machines: Machine[], missingTemplateKinds: string[],
  machineInformer: Informer<Machine>, expectations: CacheExpectations, key: string,
): Promise<ReconcileResult | void> {
  await remediateUnhealthyMachines(ctx, ms, owner, machines, machineInformer, expectations, key);
  await syncMachines(ctx, ms, owner, machines, machineInformer, expectations, key);
  // Remediation deleted Machines: the cache must show it before counting Machines for the replica sync.
  if (!expectations.satisfied(key)) return { requeueAfter: EXPECTATIONS_RECHECK_MS };

  await cleanupOrphanedClones(ctx, ms, machines);
  const views = machines.map(machineView);
  const plan = planReplicaSync({ replicas: ms.spec.replicas ?? 1, annotations: ms.metadata.annotations, deletionOrder: parseDeletionOrder(ms.spec.deletion?.order), machines: views });
  switch (plan.kind) {
    case 'create':
      if (missingTemplateKinds.length > 0) {
        ctx.logger.info({ missing: missingTemplateKinds }, 'scale up blocked: templates do not exist');
        return { requeueAfter: MISSING_TEMPLATE_RECHECK_MS };
      }
      await createMachines(ctx, ms, plan.count, machineInformer, expectations, key);
      return;
    case 'createDisabled':
      ctx.logger.info('automatic creation of new Machines disabled for MachineSet');
      return;
    case 'delete':
      ctx.logger.info({ replicas: ms.spec.replicas, machines: machines.length, order: ms.spec.deletion?.order ?? 'Random' }, `MachineSet is scaling down to ${ms.spec.replicas} replicas by deleting ${plan.toDelete.length + plan.waitingFor.length} Machines`);
      await forEachInParallel(plan.toDelete, async ({ machine }) => {
        await deleteMachine(ctx, machine, machineInformer, expectations, key);
        ctx.recorder.event(ms, 'Normal', 'SuccessfulDelete', `Deleted Machine "${machine.metadata.name}"`);
      });
      return;
    default:
      return;
  }
}

async function reconcileDelete(
  ctx: ManagerContext, ms: MachineSet, machines: Machine[], machineSets: Informer<MachineSet>,
  machineInformer: Informer<Machine>, expectations: CacheExpectations, key: string,
): Promise<void> {
  if (machines.length === 0) {
    if (ms.metadata.finalizers?.includes(machineSetFinalizer)) {
      await patchMachineSet(ctx, ms, { finalizers: ms.metadata.finalizers.filter((f) => f !== machineSetFinalizer) }, machineSets, expectations, key);
    }
    return;
  }
  await forEachInParallel(machines.filter((machine) => !machine.metadata.deletionTimestamp), async (machine) => {
    await deleteMachine(ctx, machine, machineInformer, expectations, key);
    ctx.logger.info({ machine: machine.metadata.name }, `Deleting Machine ${machine.metadata.name} (MachineSet deleted)`);
  });
}

/** The MachineDeployment controlling the MachineSet, from the cache. */
function owningDeployment(ctx: ManagerContext, ms: MachineSet): MachineDeployment | undefined {
  const ref = controllerOf(ms);
  if (!ref || ref.kind !== 'MachineDeployment') return undefined;
  const md = ctx.informer<MachineDeployment>(machineDeploymentsResource).getByName(ms.metadata.namespace, ref.name);
  return md?.metadata.uid === ref.uid ? md : undefined;
}

/** Missing templates are tolerated (not blocking) for a MachineSet being deleted or not current in its MachineDeployment. */
async function reconcileTemplates(ctx: ManagerContext, ms: MachineSet, cluster: Cluster, tolerant: boolean): Promise<string[]> {
  const missing = await reconcileTemplateReferences(ctx, ms.spec.template, ms.metadata.namespace!, cluster);
  return tolerant ? [] : missing;
}

/**
 * The cluster-name label on the MachineSet; its selector and template defaulted (selector-defaults.ts); a
 * stand-alone MachineSet is owned by its Cluster. Returns true when it wrote (the next reconcile continues from
 * the updated object).
 */
async function ensureOwnerAndLabels(ctx: ManagerContext, ms: MachineSet, cluster: KubeObject, machineSets: Informer<MachineSet>, expectations: CacheExpectations, key: string): Promise<boolean> {
  const clusterName = ms.spec.clusterName;
  const metadata: Record<string, unknown> = {};
  if (ms.metadata.labels?.[clusterNameLabel] !== clusterName) metadata.labels = { [clusterNameLabel]: clusterName };
  const standalone = !ms.metadata.labels?.[machineDeploymentNameLabel]
    && !ms.metadata.ownerReferences?.some((ref) => ['MachineDeployment', 'Cluster'].includes(ref.kind) && ref.apiVersion.startsWith('cluster.x-k8s.io/'));
  if (standalone) metadata.ownerReferences = [...(ms.metadata.ownerReferences ?? []), ownerReferenceTo(cluster)];
  const spec = selectorDefaultsPatch(ms.spec, machineSetNameLabel, nameLabelValue(ms.metadata.name!));
  if (Object.keys(metadata).length === 0 && !spec) return false;
  await patchMachineSet(ctx, ms, metadata, machineSets, expectations, key, spec);
  return true;
}

/** A merge patch of the MachineSet's metadata (and spec), conditional on the cached resourceVersion. */
async function patchMachineSet(
  ctx: ManagerContext, ms: MachineSet, metadata: Record<string, unknown>, machineSets: Informer<MachineSet>,
  expectations: CacheExpectations, key: string, spec?: Record<string, unknown>,
): Promise<void> {
  try {
    const updated = await ctx.client.patch<MachineSet>(machineSetsResource, ms.metadata.name!, {
      metadata: { ...metadata, resourceVersion: ms.metadata.resourceVersion },
      ...(spec ? { spec } : {}),
    }, { type: 'merge', namespace: ms.metadata.namespace, fieldManager: MACHINE_SET_MANAGER });
    expectations.expectObserved(key, machineSets, updated);
  } catch (error) {
    // Conflict: the MachineSet changed since it was cached; its update event brings it back here.
    if (!isNotFound(error) && !isConflict(error)) throw error;
  }
}
