// A Cluster's status computed from what the controller observed: its infrastructure and control
// plane objects (through the provider contract) and its MachineDeployments, MachineSets and
// Machines; with Cluster API's phases, v1beta2 conditions and reasons. Pure: no I/O.
// RemoteConnectionProbe is not set: Slipway holds no connection to a workload cluster API server
// (there may be none), so there is nothing to probe; Available does not wait for it.
import type { Condition, KubeObject } from '../../api/meta.ts';
import type { Cluster, ClusterStatus } from '../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { ClusterConditionType, ClusterReason, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { machineControlPlaneLabel, machineDeploymentNameLabel, machinePoolNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { controlPlane as controlPlaneContract, infraCluster, type APIEndpoint } from '../provider-contract/contract.ts';
import { conditionsOf, findCondition, isConditionTrue, type ConditionState } from '../provider-contract/conditions.ts';
import { summarize } from '../provider-contract/condition-summary.ts';
import type { TrackedObject } from '../provider-contract/tracked.ts';

export interface ClusterObservation {
  cluster: Cluster;
  /** Absent when the Cluster has no infrastructureRef. */
  infra?: TrackedObject;
  /** Absent when the Cluster has no controlPlaneRef. */
  controlPlane?: TrackedObject;
  machineDeployments: KubeObject[];
  machineSets: KubeObject[];
  machines: Machine[];
  /** Set while the Cluster is being deleted: the deletion step it is at. */
  deleting?: { reason: string; message: string };
}

export const isControlPlaneMachine = (m: KubeObject) => m.metadata.labels?.[machineControlPlaneLabel] !== undefined;
const isPoolMachine = (m: KubeObject) => m.metadata.labels?.[machinePoolNameLabel] !== undefined;
export const isWorkerMachine = (m: KubeObject) => !isControlPlaneMachine(m) && !isPoolMachine(m);
/** A MachineSet that belongs to no MachineDeployment (its counts are not in a MachineDeployment's). */
export const isStandaloneMachineSet = (ms: KubeObject) => ms.metadata.labels?.[machineDeploymentNameLabel] === undefined
  && !(ms.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind === 'MachineDeployment');
/** A Machine that belongs to no MachineSet (nor a control plane, nor a pool). */
export const isStandaloneMachine = (m: KubeObject) => !(m.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.kind !== 'Cluster');

/** A Machine runs: with a node (status.nodeRef), or node-less once its bootstrap succeeded (the phase says so). */
const isRunning = (m: Machine) => m.status?.phase === 'Running' || m.status?.nodeRef !== undefined;

/** Whether the Cluster's own spec.controlPlaneEndpoint is complete. */
export const endpointValid = (endpoint: Cluster['spec']['controlPlaneEndpoint']) => Boolean(endpoint?.host) && Boolean(endpoint?.port);

/** The endpoint to copy into an unset spec.controlPlaneEndpoint: the infrastructure's, else the control plane's. */
export function observedEndpoint(o: ClusterObservation, infraProvisioned: boolean, cpInitialized: boolean): APIEndpoint | undefined {
  return (infraProvisioned ? infraCluster.controlPlaneEndpoint(o.infra?.object) : undefined)
    ?? (cpInitialized ? controlPlaneContract.controlPlaneEndpoint(o.controlPlane?.object) : undefined);
}

export interface Initialization {
  infrastructureProvisioned: boolean;
  controlPlaneInitialized: boolean;
}

/**
 * A Cluster with neither a controlPlaneRef nor control plane Machines has no control plane for
 * Slipway to wait for (workers of a control plane managed elsewhere, or node-less machine groups).
 * Slipway's rule, not Cluster API's: otherwise such a Cluster would never be initialized, and its
 * health checks and worker bootstrap would wait forever.
 */
const hasNoControlPlane = (o: ClusterObservation) => !o.cluster.spec.controlPlaneRef && !o.machines.some(isControlPlaneMachine);

/** Both flags stay true once true (as Cluster API): provisioning is a one-way milestone. */
export function initialization(o: ClusterObservation): Initialization {
  const previous = o.cluster.status?.initialization;
  const infrastructureProvisioned = previous?.infrastructureProvisioned === true
    || (o.infra ? infraCluster.provisioned(o.infra.object) : !o.cluster.metadata.deletionTimestamp);
  const controlPlaneInitialized = previous?.controlPlaneInitialized === true
    || (o.controlPlane ? controlPlaneContract.initialized(o.controlPlane.object) : o.machines.some((m) => isControlPlaneMachine(m) && isRunning(m)))
    // Judged once the infrastructure is provisioned, so control plane Machines applied with the Cluster are seen first.
    || (infrastructureProvisioned && !o.cluster.metadata.deletionTimestamp && hasNoControlPlane(o));
  return { infrastructureProvisioned, controlPlaneInitialized };
}

/** Failed: a provider object vanished after it had been provisioned / initialized, with the Cluster still wanted. */
export function failure(o: ClusterObservation, init: Initialization): string | undefined {
  if (o.cluster.metadata.deletionTimestamp) return undefined;
  if (o.infra && !o.infra.object && init.infrastructureProvisioned && o.cluster.status?.initialization?.infrastructureProvisioned) return `${o.infra.ref.kind} has been deleted while the cluster still exists`;
  if (o.controlPlane && !o.controlPlane.object && init.controlPlaneInitialized && o.cluster.status?.initialization?.controlPlaneInitialized) return `${o.controlPlane.ref.kind} has been deleted while the cluster still exists`;
  return undefined;
}

export function clusterPhase(o: ClusterObservation, init: Initialization, endpoint: Cluster['spec']['controlPlaneEndpoint']): NonNullable<ClusterStatus['phase']> {
  if (o.cluster.metadata.deletionTimestamp) return 'Deleting';
  if (failure(o, init)) return 'Failed';
  if (init.infrastructureProvisioned && endpointValid(endpoint)) return 'Provisioned';
  if (o.cluster.spec.infrastructureRef || o.cluster.spec.controlPlaneRef) return 'Provisioning';
  return 'Pending';
}

type MachinesSummary = NonNullable<ClusterStatus['controlPlane']>;

function countMachines(machines: Machine[]): MachinesSummary {
  const count = (type: string) => machines.filter((m) => isConditionTrue(m as KubeObject, type)).length;
  return { replicas: machines.length, readyReplicas: count('Ready'), availableReplicas: count('Available'), upToDateReplicas: count('UpToDate') };
}

/** status.controlPlane: the control plane object's counters, or (without one) its Machines'. */
export function controlPlaneSummary(o: ClusterObservation): MachinesSummary {
  if (o.controlPlane) {
    const cp = o.controlPlane.object;
    if (!cp) return {};
    const entries = {
      desiredReplicas: controlPlaneContract.replicas(cp),
      replicas: controlPlaneContract.statusReplicas(cp),
      readyReplicas: controlPlaneContract.readyReplicas(cp),
      availableReplicas: controlPlaneContract.availableReplicas(cp),
      upToDateReplicas: controlPlaneContract.upToDateReplicas(cp),
    };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  }
  const machines = o.machines.filter(isControlPlaneMachine);
  return machines.length === 0 ? {} : { desiredReplicas: machines.length, ...countMachines(machines) };
}

/**
 * status.workers: desired from the MachineDeployments, the MachineSets of none and the standalone
 * worker Machines; the other counters from the worker Machines themselves (the same numbers
 * Cluster API sums from the MachineDeployments' statuses, without waiting for those to be written).
 */
export function workersSummary(o: ClusterObservation): MachinesSummary {
  const replicasOf = (obj: KubeObject) => { const r = (obj.spec as { replicas?: unknown } | undefined)?.replicas; return typeof r === 'number' ? r : 0; };
  const workers = o.machines.filter(isWorkerMachine);
  const standalone = workers.filter(isStandaloneMachine);
  const desired = o.machineDeployments.reduce((n, md) => n + replicasOf(md), 0)
    + o.machineSets.filter(isStandaloneMachineSet).reduce((n, ms) => n + replicasOf(ms), 0)
    + standalone.length;
  if (desired === 0 && workers.length === 0) return {};
  return { desiredReplicas: desired, ...countMachines(workers) };
}

/** Cluster API's mirror of a provider condition: copied when reported, else the fallback. */
function mirror(type: string, source: Condition | undefined, fallback: ConditionState, trueReason: string): ConditionState {
  if (!source) return fallback;
  return { type, status: source.status, reason: source.reason || (source.status === 'True' ? trueReason : fallback.reason), message: source.message ?? '' };
}

function infrastructureReady(o: ClusterObservation, init: Initialization): ConditionState {
  const type = ClusterConditionType.InfrastructureReady;
  if (!o.infra) return { type, status: 'True', reason: Reason.Ready, message: '' };
  const kind = o.infra.ref.kind;
  if (o.infra.object) {
    const provisioned = init.infrastructureProvisioned;
    return mirror(type, infraCluster.readyCondition(o.infra.object),
      { type, status: provisioned ? 'True' : 'False', reason: provisioned ? Reason.Ready : Reason.NotReady, message: provisioned ? '' : `${kind} status.initialization.provisioned is false` }, Reason.Ready);
  }
  if (init.infrastructureProvisioned) return { type, status: 'False', reason: Reason.ObjectDeleted, message: o.cluster.metadata.deletionTimestamp ? `${kind} has been deleted` : `${kind} has been deleted while the cluster still exists` };
  return { type, status: 'False', reason: Reason.ObjectDoesNotExist, message: o.infra.problem ?? `${kind} does not exist` };
}

const noControlPlaneMessage = 'The Cluster has no control plane: no controlPlaneRef and no control plane Machines';

function controlPlaneInitialized(o: ClusterObservation, init: Initialization): ConditionState {
  const type = ClusterConditionType.ControlPlaneInitialized;
  if (init.controlPlaneInitialized && hasNoControlPlane(o)) return { type, status: 'True', reason: ClusterReason.NoControlPlane, message: noControlPlaneMessage };
  if (init.controlPlaneInitialized) return { type, status: 'True', reason: ClusterReason.ControlPlaneInitialized };
  if (o.controlPlane && !o.controlPlane.object) return { type, status: 'Unknown', reason: Reason.ObjectDoesNotExist, message: o.controlPlane.problem ?? `${o.controlPlane.ref.kind} does not exist` };
  return {
    type, status: 'False', reason: ClusterReason.ControlPlaneNotInitialized,
    message: o.controlPlane ? 'Control plane not yet initialized' : 'Waiting for the first control plane machine to have status.nodeRef set (or, without nodes, to be Running)',
  };
}

function controlPlaneAvailable(o: ClusterObservation, init: Initialization): ConditionState {
  const type = ClusterConditionType.ControlPlaneAvailable;
  if (!o.controlPlane) {
    // Without a control plane object there is nothing to mirror: the Machines' control plane is available once initialized.
    if (init.controlPlaneInitialized && hasNoControlPlane(o)) return { type, status: 'True', reason: ClusterReason.NoControlPlane, message: noControlPlaneMessage };
    return init.controlPlaneInitialized ? { type, status: 'True', reason: Reason.Available } : { type, status: 'False', reason: Reason.NotAvailable, message: 'Control plane not yet initialized' };
  }
  const kind = o.controlPlane.ref.kind;
  if (o.controlPlane.object) {
    const initialized = init.controlPlaneInitialized;
    return mirror(type, controlPlaneContract.availableCondition(o.controlPlane.object),
      { type, status: initialized ? 'True' : 'False', reason: initialized ? Reason.Available : Reason.NotAvailable, message: initialized ? '' : `${kind} status.initialization.controlPlaneInitialized is false` }, Reason.Available);
  }
  if (init.controlPlaneInitialized) return { type, status: 'False', reason: Reason.ObjectDeleted, message: o.cluster.metadata.deletionTimestamp ? `${kind} has been deleted` : `${kind} has been deleted while the cluster still exists` };
  return { type, status: 'False', reason: Reason.ObjectDoesNotExist, message: o.controlPlane.problem ?? `${kind} does not exist` };
}

function workersAvailable(o: ClusterObservation): ConditionState {
  const type = ClusterConditionType.WorkersAvailable;
  if (o.machineDeployments.length === 0) return { type, status: 'True', reason: ClusterReason.WorkersAvailableNoWorkers };
  const issues: string[] = [];
  const unknown: string[] = [];
  for (const md of [...o.machineDeployments].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const available = findCondition(md, 'Available');
    if (available?.status === 'False') issues.push(`* MachineDeployment ${md.metadata.name}: ${available.message || 'not available'}`);
    else if (available?.status !== 'True') unknown.push(`* MachineDeployment ${md.metadata.name}: ${available?.message || 'Condition Available not yet reported'}`);
  }
  if (issues.length > 0) return { type, status: 'False', reason: Reason.NotAvailable, message: [...issues, ...unknown].join('\n') };
  if (unknown.length > 0) return { type, status: 'Unknown', reason: Reason.AvailableUnknown, message: unknown.join('\n') };
  return { type, status: 'True', reason: Reason.Available };
}

function deletingCondition(o: ClusterObservation): ConditionState {
  const type = ClusterConditionType.Deleting;
  if (!o.cluster.metadata.deletionTimestamp) return { type, status: 'False', reason: Reason.NotDeleting };
  return { type, status: 'True', reason: o.deleting?.reason ?? Reason.Deleting, message: o.deleting?.message ?? 'Deletion started' };
}

/** Every condition the Cluster controller owns, in the order they are shown. */
export function clusterConditions(o: ClusterObservation, init: Initialization, paused: ConditionState): ConditionState[] {
  const states = [
    infrastructureReady(o, init),
    controlPlaneInitialized(o, init),
    controlPlaneAvailable(o, init),
    workersAvailable(o),
    deletingCondition(o),
    paused,
  ];
  const gates = o.cluster.spec.availabilityGates ?? [];
  const current = [...conditionsOf(o.cluster as KubeObject).filter((c) => !states.some((s) => s.type === c.type)), ...states.map(asCondition)];
  const deleting = Boolean(o.cluster.metadata.deletionTimestamp);
  const available = summarize(current, {
    type: ClusterConditionType.Available,
    of: [ClusterConditionType.Deleting, ClusterConditionType.InfrastructureReady, ClusterConditionType.ControlPlaneAvailable, ClusterConditionType.WorkersAvailable, ...gates.map((g) => g.conditionType)],
    negative: [ClusterConditionType.Deleting, ...gates.filter((g) => g.polarity === 'Negative').map((g) => g.conditionType)],
    reasons: { issue: Reason.NotAvailable, unknown: Reason.AvailableUnknown, info: Reason.Available },
    // While deleting, provider objects that are gone are expected, not a problem.
    priority: (c) => deleting && (c.reason === Reason.ObjectDeleted || c.reason === Reason.ObjectDoesNotExist)
      && (c.type === ClusterConditionType.InfrastructureReady || c.type === ClusterConditionType.ControlPlaneAvailable) ? 'info' : undefined,
  });
  return [...states, available];
}

const asCondition = (s: ConditionState): Condition => ({ ...s, message: s.message ?? '', lastTransitionTime: '' });
