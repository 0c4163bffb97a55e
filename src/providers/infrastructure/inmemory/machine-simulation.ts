// What an InMemoryMachine's status should be at a given moment: a pure function of its spec, its
// current status, its owning Machine and the clock, so that a restarted controller computes the same
// answer. Provisioning starts when the Provisioned condition first appears (its lastTransitionTime
// is the start, kept in status) and ends provisioningDelay (+ the object's own jitter) later; the
// injected failures decide whether it then fails, and when the simulated node turns NotReady.
import { isDeepStrictEqual } from 'node:util';
import type { InMemoryMachine, InMemoryMachineStatus } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import { InMemoryMachineConditionType, InMemoryMachineReason } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { BOOTSTRAP_EXEC_SUCCEEDED_CONDITION } from '../../../controllers/provider-contract/contract.ts';
import { durationMs, jitteredDelayMs } from './simulated-time.ts';
import { simulatedAddresses, simulatedNode } from './simulated-node.ts';

const BootstrapSucceededReason = 'BootstrapSucceeded';
const HealthyReason = 'Healthy';

export interface SimulationEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface SimulationOutcome {
  status: InMemoryMachineStatus;
  /** When the simulation next changes by itself (provisioning ends, the node fails). */
  requeueAfterMs?: number;
  events: SimulationEvent[];
}

export const providerIDFor = (machine: { metadata: { namespace?: string; name?: string } }) => `in-memory://${machine.metadata.namespace}/${machine.metadata.name}`;

const conditionIn = (conditions: readonly Condition[] | undefined, type: string) => conditions?.find((c) => c.type === type);

/** Times are kept at second precision (metav1.Time); rounding the start up means provisioning never ends early. */
const ceilToSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;

export function simulateMachine(machine: InMemoryMachine, owner: Machine | undefined, nowMs: number): SimulationOutcome {
  const simulation = machine.spec.simulation ?? {};
  const uid = machine.metadata.uid ?? machine.metadata.name ?? '';
  const generation = machine.metadata.generation;
  const previous = machine.status ?? {};
  const status: InMemoryMachineStatus = { ...structuredClone(previous), ...(generation ? { observedGeneration: generation } : {}) };
  if (owner?.spec.failureDomain) status.failureDomain = owner.spec.failureDomain;
  // Conditions written by setCondition always carry a message, as the schema requires.
  const set = (state: ConditionState, at = nowMs) => { status.conditions = setCondition(status.conditions ?? [], state, generation, new Date(at)) as Condition[]; };
  const outcome: SimulationOutcome = { status, events: [] };

  if (!status.initialization?.provisioned) {
    // As infrastructure providers must, nothing starts before the Machine's bootstrap data exists (when it has a bootstrap config at all).
    if (owner?.spec.bootstrap.configRef && !owner.spec.bootstrap.dataSecretName) {
      set({ type: ConditionType.Ready, status: 'False', reason: Reason.WaitingForBootstrapData, message: `Waiting for the bootstrap data of Machine ${owner.metadata.name}` });
      return outcome;
    }
    const delayMs = jitteredDelayMs(simulation.provisioningDelay, simulation.jitter, uid);
    const failToProvision = simulation.failures?.failToProvision === true;
    if (delayMs > 0 && !conditionIn(status.conditions, InMemoryMachineConditionType.Provisioned)) {
      set({ type: InMemoryMachineConditionType.Provisioned, status: 'False', reason: InMemoryMachineReason.WaitingForProvisioningDelay }, ceilToSecond(nowMs));
    }
    const started = conditionIn(status.conditions, InMemoryMachineConditionType.Provisioned);
    const remainingMs = delayMs > 0 && started ? Date.parse(started.lastTransitionTime) + delayMs - nowMs : 0;
    if (remainingMs > 0) {
      set({ type: ConditionType.Ready, status: 'False', reason: InMemoryMachineReason.WaitingForProvisioningDelay, message: `Provisioning (simulated) ends in ${Math.ceil(remainingMs / 1000)}s` });
      outcome.requeueAfterMs = remainingMs;
      return outcome;
    }
    if (failToProvision) {
      const failed: ConditionState = { type: InMemoryMachineConditionType.Provisioned, status: 'False', reason: InMemoryMachineReason.SimulatedProvisioningFailure, message: 'Provisioning failed: failure injected by spec.simulation.failures.failToProvision' };
      if (conditionIn(previous.conditions, failed.type)?.reason !== failed.reason) outcome.events.push({ type: 'Warning', reason: 'ProvisioningFailed', message: failed.message! });
      set(failed);
      set({ ...failed, type: ConditionType.Ready });
      return outcome;
    }
    status.initialization = { provisioned: true };
    status.addresses = simulatedAddresses(machine.metadata.name ?? '', uid);
    set({ type: InMemoryMachineConditionType.Provisioned, status: 'True', reason: Reason.Provisioned });
    set({ type: BOOTSTRAP_EXEC_SUCCEEDED_CONDITION, status: 'True', reason: BootstrapSucceededReason, message: 'Bootstrap finished (simulated)' });
    set({ type: ConditionType.Ready, status: 'True', reason: Reason.Ready });
    outcome.events.push({ type: 'Normal', reason: 'Provisioned', message: `Simulated machine provisioned as ${providerIDFor(machine)}` });
  }

  const provisionedMs = Date.parse(conditionIn(status.conditions, InMemoryMachineConditionType.Provisioned)?.lastTransitionTime ?? new Date(nowMs).toISOString());
  const unhealthyAfter = simulation.failures?.becomeUnhealthyAfter;
  const unhealthyAtMs = unhealthyAfter === undefined ? undefined : provisionedMs + durationMs(unhealthyAfter);
  if (unhealthyAtMs !== undefined && nowMs >= unhealthyAtMs) {
    const unhealthy: ConditionState = { type: InMemoryMachineConditionType.Healthy, status: 'False', reason: InMemoryMachineReason.SimulatedUnhealthy, message: `The node stopped being Ready ${unhealthyAfter} after provisioning: failure injected by spec.simulation.failures.becomeUnhealthyAfter` };
    if (conditionIn(previous.conditions, unhealthy.type)?.status !== 'False') outcome.events.push({ type: 'Warning', reason: 'BecameUnhealthy', message: unhealthy.message! });
    set(unhealthy, unhealthyAtMs);
    status.node = simulatedNode(machine.metadata.name ?? '', provisionedMs, unhealthyAtMs);
  } else {
    set({ type: InMemoryMachineConditionType.Healthy, status: 'True', reason: HealthyReason });
    status.node = simulatedNode(machine.metadata.name ?? '', provisionedMs, undefined);
    if (unhealthyAtMs !== undefined) outcome.requeueAfterMs = unhealthyAtMs - nowMs;
  }
  return outcome;
}

/** Whether writing `next` would change what is stored. */
export function statusChanged(previous: InMemoryMachineStatus | undefined, next: InMemoryMachineStatus): boolean {
  return !isDeepStrictEqual(normalise(previous ?? {}), normalise(next));
}

function normalise(status: InMemoryMachineStatus): unknown {
  const byType = (a: Condition, b: Condition) => a.type.localeCompare(b.type);
  return { ...status, conditions: [...(status.conditions ?? [])].sort(byType) };
}
