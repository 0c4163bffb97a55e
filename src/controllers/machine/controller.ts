// The Machine controller, with Cluster API's semantics: the finalizer and the cluster-name label
// (and a standalone Machine adopted by its Cluster); while paused only the Paused condition;
// bootstrap (spec.bootstrap.dataSecretName given, or copied from the bootstrap config once its
// data secret exists), then infrastructure (providerID, addresses, failure domain), each provider
// object handed over to the Machine as its controlling owner; then the node (status.nodeRef from
// the infrastructure's node report) — phases, conditions and an Event for each transition. A
// deleted Machine waits for its hooks, then takes its infrastructure and bootstrap objects down.
import type { KubeObject, OwnerReference } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import type { Cluster } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Machine, MachineStatus } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { group as coreGroup } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { MachineReason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import {
  clusterNameLabel, machineCertificatesExpiryDateAnnotation, machineControlPlaneLabel, machineControlPlaneNameLabel, machineFinalizer, machinePoolNameLabel, machineSetNameLabel,
} from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../client/controller.ts';
import { bootstrapConfig, infraMachine } from '../provider-contract/contract.ts';
import { conditionsOf, conditionTime, setConditions } from '../provider-contract/conditions.ts';
import { ensureOwnerReference, ownerReferenceTo, type ProviderReference } from '../provider-contract/external.ts';
import { indexReferences, referencingKeys } from '../provider-contract/reference-index.ts';
import { readTracked, type TrackedObject } from '../provider-contract/tracked.ts';
import { patchMetadataAndSpec, writeStatus } from '../cluster/object-writes.ts';
import { pausedCondition } from '../cluster/paused.ts';
import { clusterSpecOrLifecycleChanged, clustersResource, machinesResource, objectsOfCluster } from '../cluster/resources.ts';
import { objectKey } from '../../client/informer.ts';
import { deleteMachineStep } from './deletion.ts';
import { isNodeless } from './node.ts';
import { machineConditions, machineFailure, machinePhase, type MachineObservation } from './status.ts';

const REFERENCES_INDEX = 'cluster.x-k8s.io/machine-references';
/** A referenced object that does not exist yet is looked for again after this long (its creation also re-queues). */
const MISSING_REFERENCE_RECHECK_MS = 30_000;

const referencesOf = (m: KubeObject) => [(m as Machine).spec?.infrastructureRef, (m as Machine).spec?.bootstrap?.configRef];

function machineKeysFor(ctx: ManagerContext, obj: KubeObject): string[] {
  const owners = (obj.metadata.ownerReferences ?? [])
    .filter((r) => r.kind === 'Machine' && splitApiVersion(r.apiVersion).group === coreGroup)
    .map((r) => `${obj.metadata.namespace}/${r.name}`);
  const informer = ctx.informer(machinesResource);
  indexReferences(informer, REFERENCES_INDEX, referencesOf);
  return [...new Set([...owners, ...referencingKeys(informer, REFERENCES_INDEX, obj)])];
}

export function machineController(options: { concurrency?: number } = {}): ControllerDefinition {
  return defineController({
    name: 'machine',
    for: machinesResource,
    // A reconcile mostly waits for the API server: with many in flight the store commits their writes together
    // (one disk sync for dozens), which is what bringing up or replacing thousands of Machines is bound by.
    concurrency: options.concurrency ?? 32,
    reconcile: reconcileMachine,
  });
}

/** Whether Cluster API would make the Cluster own this Machine: it belongs to no MachineSet, pool or control plane. */
function shouldAdopt(machine: Machine): boolean {
  const refs = machine.metadata.ownerReferences ?? [];
  if (refs.some((r) => r.controller === true) || refs.some((r) => r.kind === 'Cluster' && splitApiVersion(r.apiVersion).group === coreGroup)) return false;
  const labels = machine.metadata.labels ?? {};
  return !(machineSetNameLabel in labels) && !(machinePoolNameLabel in labels) && !(machineControlPlaneNameLabel in labels);
}

async function reconcileMachine(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  const machines = ctx.informer<Machine & KubeObject>(machinesResource);
  // A Cluster's pause (or its un-pause) concerns all its Machines.
  ctx.watchResource(clustersResource, (c) => objectsOfCluster(machines, objectKey(c)).map((m) => objectKey(m)), clusterSpecOrLifecycleChanged);
  const cached = machines.get(key);
  if (!cached) return;
  let machine = cached;
  const namespace = machine.metadata.namespace!;
  const cluster = ctx.informer<Cluster & KubeObject>(clustersResource).getByName(namespace, machine.spec.clusterName);
  const deleting = Boolean(machine.metadata.deletionTimestamp);

  // Metadata first: the finalizer (alone, so nothing is created before it protects the Machine), the label, the adoption.
  const finalizers = machine.metadata.finalizers ?? [];
  const addFinalizer = !deleting && !finalizers.includes(machineFinalizer);
  const owners = cluster && shouldAdopt(machine) ? [...(machine.metadata.ownerReferences ?? []), ownerReferenceTo(cluster)] : undefined;
  if (addFinalizer || owners || machine.metadata.labels?.[clusterNameLabel] !== machine.spec.clusterName) {
    machine = await patchMetadataAndSpec(ctx, machinesResource, machine, {
      metadata: {
        labels: { [clusterNameLabel]: machine.spec.clusterName },
        ...(addFinalizer ? { finalizers: [...finalizers, machineFinalizer] } : {}),
        ...(owners ? { ownerReferences: owners } : {}),
      },
    });
    if (addFinalizer) return;
  }

  const paused = pausedCondition(machine, cluster);
  if (paused.status === 'True') {
    await writeStatus(ctx, machinesResource, machine, { ...machine.status, conditions: setConditions(conditionsOf(machine), [paused], machine.metadata.generation) });
    return;
  }

  const mapToMachine = (obj: KubeObject) => machineKeysFor(ctx, obj);
  const track = async (ref: ProviderReference): Promise<TrackedObject> => {
    const tracked = await readTracked(ctx, ref, namespace, mapToMachine);
    if (tracked.object && !deleting) await handOver(ctx, machine, cluster, ref);
    return tracked;
  };
  const bootstrap = machine.spec.bootstrap.configRef ? await track(machine.spec.bootstrap.configRef) : undefined;
  const infra = await track(machine.spec.infrastructureRef);

  // Bootstrap: the data secret's name, given or copied from the config.
  const spec: Record<string, unknown> = {};
  let dataSecretName = machine.spec.bootstrap.dataSecretName;
  if (!dataSecretName && bootstrap?.object && bootstrapConfig.dataSecretCreated(bootstrap.object)) {
    dataSecretName = bootstrapConfig.dataSecretName(bootstrap.object);
    if (!dataSecretName) throw new Error(`${bootstrap.ref.kind} ${namespace}/${bootstrap.ref.name} reports status.initialization.dataSecretCreated but no status.dataSecretName`);
    spec.bootstrap = { dataSecretName };
  }
  // Infrastructure: provisioned (a one-way milestone), then its providerID, addresses, failure domain.
  const infrastructureProvisioned = machine.status?.initialization?.infrastructureProvisioned === true || infraMachine.provisioned(infra.object);
  const providerID = machine.spec.providerID ?? (infrastructureProvisioned ? infraMachine.providerID(infra.object) : undefined);
  if (providerID && providerID !== machine.spec.providerID) spec.providerID = providerID;
  if (Object.keys(spec).length > 0 && !deleting) machine = await patchMetadataAndSpec(ctx, machinesResource, machine, { spec });

  const node = infraMachine.node(infra.object);
  const observation: MachineObservation = {
    machine,
    bootstrap,
    infra,
    dataSecretCreated: Boolean(dataSecretName),
    infrastructureProvisioned: infrastructureProvisioned && Boolean(providerID),
    providerID,
    node: {
      node,
      bootstrapSucceeded: infraMachine.bootstrapSucceeded(infra.object),
      nodeRefName: machine.status?.nodeRef?.name,
      providerID,
      infraKind: infra.ref.kind,
      deleting,
    },
  };

  let result: ReconcileResult | undefined;
  let finished = false;
  if (deleting) {
    const step = await deleteMachineStep(ctx, machine, infra, bootstrap);
    observation.deleting = step;
    finished = step.done;
    observation.deleted = finished;
  } else if (!infra.object || (bootstrap && !bootstrap.object)) {
    result = { requeueAfter: MISSING_REFERENCE_RECHECK_MS };
  }

  const { conditions, recheckInMs } = machineConditions(observation, paused);
  if (recheckInMs !== undefined) result = { requeueAfter: Math.min(result?.requeueAfter ?? Infinity, recheckInMs + 10) };
  const status = machineStatus(observation, conditions);
  const before = machine.status;
  machine = await writeStatus(ctx, machinesResource, machine, status as Record<string, unknown>);
  recordTransitions(ctx, machine, before, status, observation);

  // Only while the finalizer is there: this process's own removal (seen before the watch reports the deletion) left nothing to do.
  if (finished && machine.metadata.finalizers?.includes(machineFinalizer)) {
    await patchMetadataAndSpec(ctx, machinesResource, machine, { metadata: { finalizers: machine.metadata.finalizers.filter((f) => f !== machineFinalizer) } });
  }
  return result;
}

/**
 * The Machine becomes the controlling owner of its bootstrap config and infrastructure machine,
 * taking over from the MachineSet or control plane that created them (Cluster API's hand-over).
 */
async function handOver(ctx: ManagerContext, machine: Machine & KubeObject, cluster: (Cluster & KubeObject) | undefined, ref: ProviderReference): Promise<void> {
  const controlPlane = cluster?.spec.controlPlaneRef;
  const creator = (r: OwnerReference) => (r.kind === 'MachineSet' && splitApiVersion(r.apiVersion).group === coreGroup)
    || (controlPlane !== undefined && r.kind === controlPlane.kind && splitApiVersion(r.apiVersion).group === controlPlane.apiGroup);
  await ensureOwnerReference(ctx, ref, machine.metadata.namespace!, ownerReferenceTo(machine), {
    controller: true,
    removeOwners: creator,
    labels: { [clusterNameLabel]: machine.spec.clusterName },
  });
}

/**
 * When a control plane Machine's certificates expire, as Cluster API records it: the Machine's own
 * certificates-expiry annotation, else its bootstrap config's (set by the bootstrap provider that
 * issued them). A control plane reads it to roll members out before their certificates expire.
 */
function certificatesExpiry(o: MachineObservation): string | undefined {
  if (o.machine.metadata.labels?.[machineControlPlaneLabel] === undefined) return undefined;
  const value = o.machine.metadata.annotations?.[machineCertificatesExpiryDateAnnotation] ?? o.bootstrap?.object?.metadata.annotations?.[machineCertificatesExpiryDateAnnotation];
  const time = value === undefined ? NaN : Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().replace(/\.\d+Z$/, 'Z');
}

function machineStatus(o: MachineObservation, conditions: MachineStatus['conditions']): MachineStatus {
  const machine = o.machine;
  const previous = machine.status ?? {};
  const phase = machinePhase(o);
  const addresses = o.infrastructureProvisioned ? infraMachine.addresses(o.infra.object) : undefined;
  const failureDomain = o.infrastructureProvisioned ? infraMachine.failureDomain(o.infra.object) : undefined;
  const nodeName = o.node.node?.name ?? (o.machine.metadata.deletionTimestamp ? previous.nodeRef?.name : undefined) ?? (!isNodeless(o.node) ? previous.nodeRef?.name : undefined);
  const { nodeRef: _n, addresses: _a, failureDomain: _f, deletion: _d, certificatesExpiryDate: _c, ...rest } = previous;
  const certificatesExpiryDate = certificatesExpiry(o);
  const now = conditionTime();
  const deletion = deletionTimes(o, now);
  return {
    ...rest,
    initialization: { infrastructureProvisioned: o.infrastructureProvisioned, bootstrapDataSecretCreated: o.dataSecretCreated },
    ...(nodeName ? { nodeRef: { name: nodeName } } : {}),
    ...(addresses ? { addresses } : previous.addresses ? { addresses: previous.addresses } : {}),
    ...(failureDomain ? { failureDomain } : previous.failureDomain ? { failureDomain: previous.failureDomain } : {}),
    ...(deletion ? { deletion } : {}),
    ...(certificatesExpiryDate ? { certificatesExpiryDate } : {}),
    phase,
    ...(phase !== previous.phase ? { lastUpdated: now } : {}),
    conditions,
    ...(machine.metadata.generation ? { observedGeneration: machine.metadata.generation } : {}),
  };
}

/** status.deletion: when the waits for the pre-drain and pre-terminate hooks started (kept once set). */
function deletionTimes(o: MachineObservation, now: string): MachineStatus['deletion'] | undefined {
  if (!o.machine.metadata.deletionTimestamp) return undefined;
  const previous = o.machine.status?.deletion ?? {};
  const reason = o.deleting?.reason;
  return {
    ...previous,
    ...(reason === MachineReason.DeletingWaitingForPreDrainHook && !previous.waitForPreDrainHookStartTime ? { waitForPreDrainHookStartTime: now } : {}),
    ...(reason === MachineReason.DeletingWaitingForPreTerminateHook && !previous.waitForPreTerminateHookStartTime ? { waitForPreTerminateHookStartTime: now } : {}),
  };
}

/** Events: each phase change, the node appearing, and each deletion step. */
function recordTransitions(ctx: ManagerContext, machine: KubeObject, before: MachineStatus | undefined, after: MachineStatus, o: MachineObservation): void {
  const name = machine.metadata.name;
  if (before?.phase !== after.phase) {
    if (after.phase === 'Failed') ctx.recorder.event(machine, 'Warning', 'Failed', `Machine ${name} is Failed: ${machineFailure(o)}`);
    else ctx.recorder.event(machine, 'Normal', after.phase!, `Machine ${name} is ${after.phase}`);
  }
  if (!before?.nodeRef && after.nodeRef) ctx.recorder.event(machine, 'Normal', 'SuccessfulSetNodeRef', `Machine ${name} runs node ${after.nodeRef.name}`);
  const step = (s: MachineStatus | undefined) => s?.conditions?.find((c) => c.type === 'Deleting');
  const was = step(before);
  const now = step(after);
  if (now?.status === 'True' && (was?.reason !== now.reason || was?.message !== now.message)) {
    ctx.recorder.event(machine, 'Normal', now.reason, now.message);
  }
}
