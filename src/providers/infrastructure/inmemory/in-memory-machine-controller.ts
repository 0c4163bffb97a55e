// The InMemoryMachine controller: runs the declared simulation of machine-simulation.ts and writes
// what it observes, as an infrastructure provider does for real machines. It re-reads an
// InMemoryMachine when its owning Machine changes (bootstrap data, failure domain), and wakes itself
// up when the simulation changes by itself (end of provisioning, injected node failure).
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../api/meta.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { machinesResource } from '../../../controllers/cluster/resources.ts';
import { setCondition } from '../../../controllers/provider-contract/conditions.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import type { InMemoryMachine } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import { providerIDFor, simulateMachine, statusChanged } from './machine-simulation.ts';
import { clusterOf, hasFinalizer, infrastructureMachineOf, owningMachine, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import { inMemoryMachineFinalizer, inMemoryMachinesResource } from './resources.ts';

export function inMemoryMachineController(): ControllerDefinition {
  return defineController({
    name: 'inmemorymachine',
    for: inMemoryMachinesResource,
    // Of the Machine, only its bootstrap data and failure domain go into the simulation, not its frequent other writes.
    watches: [{ resource: machinesResource, mapFn: infrastructureMachineOf('InMemoryMachine'), updateMatters: simulationInputChanged }],
    // Each reconcile is at most two writes and never waits for the simulation: many at once keep a scale-up of
    // thousands of machines short, and let the store commit their writes together.
    concurrency: 32,
    reconcile: reconcileInMemoryMachine,
  });
}

function simulationInputChanged(old: KubeObject, obj: KubeObject): boolean {
  const inputs = (machine: KubeObject) => [(machine as Machine).spec?.bootstrap, (machine as Machine).spec?.failureDomain];
  return !isDeepStrictEqual(inputs(old), inputs(obj));
}

async function reconcileInMemoryMachine(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  let machine = ctx.informer<InMemoryMachine & KubeObject>(inMemoryMachinesResource).get(key);
  if (!machine) return;
  if (machine.metadata.deletionTimestamp) {
    await releaseFinalizer(ctx, inMemoryMachinesResource, machine, inMemoryMachineFinalizer, 'Simulated InMemoryMachine deleted');
    return;
  }

  const generation = machine.metadata.generation;
  const paused = pausedCondition(machine, await clusterOf(ctx, machine));
  if (paused.status === 'True') {
    const conditions = setCondition(machine.status?.conditions ?? [], paused, generation) as Condition[];
    if (!isDeepStrictEqual(conditions, machine.status?.conditions)) await ctx.client.updateStatus(inMemoryMachinesResource, { ...machine, status: { ...machine.status, conditions } });
    return;
  }

  const owner = owningMachine(ctx, machine);
  const now = Date.now();
  const simulate = (current: InMemoryMachine & KubeObject) => {
    const outcome = simulateMachine(current, owner, now);
    outcome.status.conditions = setCondition(outcome.status.conditions ?? [], paused, current.metadata.generation) as Condition[];
    return outcome;
  };
  let outcome = simulate(machine);

  // The finalizer from the start; spec.providerID (the contract's) once the machine exists.
  const providerID = outcome.status.initialization?.provisioned ? providerIDFor(machine) : machine.spec.providerID;
  if (!hasFinalizer(machine, inMemoryMachineFinalizer) || providerID !== machine.spec.providerID) {
    machine = await ctx.client.update(inMemoryMachinesResource, {
      ...machine,
      metadata: withFinalizer(machine, inMemoryMachineFinalizer),
      spec: { ...machine.spec, ...(providerID ? { providerID } : {}) },
    });
    // The new spec.providerID is a new generation: the status written next describes it (not the one before, which would need a second write).
    outcome = simulate(machine);
  }
  if (statusChanged(machine.status, outcome.status)) {
    // A merge patch, not conditional on the version read: this controller alone writes the status, while
    // the Machine controller takes ownership of the object at the same time (which would make a PUT conflict).
    const removed = Object.keys(machine.status ?? {}).filter((field) => !(field in outcome.status));
    await ctx.client.patch(inMemoryMachinesResource, machine.metadata.name!, {
      status: { ...outcome.status, ...Object.fromEntries(removed.map((field) => [field, null])) },
    }, { type: 'merge', namespace: machine.metadata.namespace, subresource: 'status' });
    for (const event of outcome.events) ctx.recorder.event(machine, event.type, event.reason, event.message);
  }
  return outcome.requeueAfterMs !== undefined ? { requeueAfter: Math.max(1, Math.ceil(outcome.requeueAfterMs)) } : undefined;
}
