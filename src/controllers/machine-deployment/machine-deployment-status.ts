// Writing a MachineDeployment's status: selector string, replica counters summed over its MachineSets, phase,
// observedGeneration, and the v1beta2 conditions (Available, RollingOut, ScalingUp, ScalingDown from the pure
// status arithmetic; MachinesReady, MachinesUpToDate, Remediating, Paused from its Machines; Deleting).
// Only this controller writes a MachineDeployment's status: the patch carries no resourceVersion, and nothing
// is written when nothing changed.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment, MachineDeploymentStatus } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { Condition } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { isNotFound } from '../../client/rest-client.ts';
import { machineDeploymentsResource } from '../cluster/resources.ts';
import { sameConditions } from '../machine-set/same-conditions.ts';
import { setConditions, type ConditionState } from '../provider-contract/conditions.ts';
import { selectorString } from '../machine-set/label-selector.ts';
import { machineView } from '../machine-set/machine-facts.ts';
import { machinesReadyCondition, machinesUpToDateCondition, remediatingCondition } from '../machine-set/machines-summary.ts';
import { staleDeletionMessage } from '../machine-set/status.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { MACHINE_DEPLOYMENT_MANAGER } from './desired-machine-set.ts';
import { machineDeploymentStatus } from './status.ts';

export interface MachineDeploymentObservation {
  view: MachineDeploymentView;
  machineSets: readonly MachineSetView[];
  machines: readonly Machine[];
  missingTemplateKinds: readonly string[];
  paused: ConditionState;
  complete: boolean;
  now: Date;
}

export function deletingCondition(md: MachineDeployment, machineSets: readonly MachineSetView[], machines: readonly Machine[], now: Date): ConditionState {
  if (!md.metadata.deletionTimestamp) return { type: 'Deleting', status: 'False', reason: 'NotDeleting' };
  let message = 'Deletion completed';
  if (machines.length > 0) {
    message = `Deleting ${machines.length} Machine${machines.length === 1 ? '' : 's'}`;
    const stale = staleDeletionMessage(machines.map(machineView), now);
    if (stale) message += `\n* ${stale}`;
  } else if (machineSets.length > 0) {
    message = `Deleting ${machineSets.length} MachineSets`;
  }
  return { type: 'Deleting', status: 'True', reason: 'Deleting', message };
}

export function desiredMachineDeploymentStatus(md: MachineDeployment, observed: MachineDeploymentObservation): MachineDeploymentStatus {
  const views = observed.machines.map(machineView);
  const arithmetic = machineDeploymentStatus({ md: observed.view, machineSets: observed.machineSets, machines: views, missingTemplateKinds: observed.missingTemplateKinds, now: observed.now });
  const conditions = setConditions((md.status?.conditions ?? []) as Condition[], [
    ...arithmetic.conditions,
    machinesReadyCondition(observed.machines),
    machinesUpToDateCondition(observed.machines, observed.now),
    remediatingCondition(observed.machines),
    deletingCondition(md, observed.machineSets, observed.machines, observed.now),
    observed.paused,
  ], md.metadata.generation, observed.now);
  const observedGeneration = observed.complete ? md.metadata.generation : md.status?.observedGeneration;
  const status: MachineDeploymentStatus = { ...md.status, conditions, phase: arithmetic.phase };
  const selector = selectorString(md.spec.selector);
  if (selector) status.selector = selector;
  for (const counter of ['replicas', 'readyReplicas', 'availableReplicas', 'upToDateReplicas'] as const) {
    if (arithmetic[counter] !== undefined) status[counter] = arithmetic[counter];
  }
  if (observedGeneration !== undefined) status.observedGeneration = observedGeneration;
  return status;
}

export async function writeMachineDeploymentStatus(ctx: ManagerContext, md: MachineDeployment, status: MachineDeploymentStatus): Promise<void> {
  const { conditions, ...counters } = status;
  const { conditions: currentConditions, ...currentCounters } = md.status ?? {};
  const canonical = (obj: object) => JSON.stringify(Object.entries(obj).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (sameConditions(currentConditions as Condition[] | undefined, conditions as Condition[] | undefined) && canonical(counters) === canonical(currentCounters)) return;
  try {
    await ctx.client.patch(machineDeploymentsResource, md.metadata.name!, { status }, { type: 'merge', namespace: md.metadata.namespace, subresource: 'status', fieldManager: MACHINE_DEPLOYMENT_MANAGER });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
