// Reading a cluster.x-k8s.io/v1beta2 Machine: its conditions as the MachineSet/MachineDeployment logic needs
// them (MachineView), and Cluster API's health-check predicates.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { MachineConditionType } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { findCondition } from '../provider-contract/conditions.ts';
import type { ConditionStatus, MachineView } from './machine-view.ts';

/** A Machine and the facts the pure decision logic reads of it. */
export type MachineWithView = MachineView & { machine: Machine };

const statusOf = (machine: Machine, type: string): ConditionStatus | undefined => findCondition(machine, type)?.status;

/** Views of cached Machine objects (never modified: a change is a new object), so each is read once, not once a reconcile. */
const views = new WeakMap<Machine, MachineWithView>();

/** The view of a Machine (frozen: it may be shared by every reconcile that sees this version of the Machine). */
export function machineView(machine: Machine): MachineWithView {
  let view = views.get(machine);
  if (!view) views.set(machine, (view = Object.freeze(readView(machine))));
  return view;
}

function readView(machine: Machine): MachineWithView {
  const upToDate = findCondition(machine, MachineConditionType.UpToDate);
  return {
    machine,
    name: machine.metadata.name!,
    creationTimestamp: machine.metadata.creationTimestamp,
    deletionTimestamp: machine.metadata.deletionTimestamp,
    annotations: machine.metadata.annotations,
    hasNodeRef: Boolean(machine.status?.nodeRef?.name),
    nodeHealthy: statusOf(machine, MachineConditionType.NodeHealthy),
    healthCheckSucceeded: statusOf(machine, MachineConditionType.HealthCheckSucceeded),
    ready: statusOf(machine, MachineConditionType.Ready) === 'True',
    available: statusOf(machine, MachineConditionType.Available) === 'True',
    upToDate: upToDate?.status === 'True',
    ...(upToDate?.status === 'False' && upToDate.message ? { notUpToDateReasons: upToDate.message.split('\n').filter(Boolean) } : {}),
  };
}

/** A MachineHealthCheck found the Machine unhealthy (HealthCheckSucceeded=False). */
export function isUnhealthy(machine: Machine): boolean {
  return statusOf(machine, MachineConditionType.HealthCheckSucceeded) === 'False';
}

/** Unhealthy, and the health check left remediation to the Machine's owner (OwnerRemediated=False). */
export function isUnhealthyAndOwnerRemediated(machine: Machine): boolean {
  return isUnhealthy(machine) && statusOf(machine, MachineConditionType.OwnerRemediated) === 'False';
}

export function machineCondition(machine: Machine, type: string) {
  return findCondition(machine, type);
}
