// Writing the health check's verdict onto a Machine: HealthCheckSucceeded always, and — when the
// owner is to remediate — OwnerRemediated=False (WaitingForRemediation), which the owner (MachineSet,
// control plane) then drives. Only those two conditions are touched; a conflicting write by another
// controller is retried on the server's copy, never overwritten.
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { MachineConditionType, MachineReason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import { isConflict, isNotFound } from '../../client/rest-client.ts';
import { machinesResource } from '../cluster/resources.ts';
import { setCondition, type ConditionState } from '../provider-contract/conditions.ts';

type MachineObject = Machine & KubeObject;

const MAX_ATTEMPTS = 5;

/** The Machine's conditions with the verdict applied. */
function markedConditions(machine: MachineObject, verdict: ConditionState, requestOwnerRemediation: boolean, now: Date): Condition[] {
  const generation = machine.metadata.generation;
  let conditions = setCondition(machine.status?.conditions ?? [], verdict, generation, now);
  if (requestOwnerRemediation) {
    // A remediation in progress belongs to the owner: only a missing or completed (True) one is (re)requested.
    const ownerRemediated = conditions.find((c) => c.type === MachineConditionType.OwnerRemediated);
    if (!ownerRemediated || ownerRemediated.status === 'True') {
      conditions = setCondition(conditions, { type: MachineConditionType.OwnerRemediated, status: 'False', reason: MachineReason.WaitingForRemediation, message: 'Waiting for remediation' }, generation, now);
    }
  }
  // setCondition always writes a message, as the schema requires.
  return conditions as Condition[];
}

/**
 * Applies the verdict (and the remediation request) to the Machine's status; returns the conditions
 * it changed (none when the Machine already said so, or is gone).
 */
export async function markMachine(ctx: ManagerContext, cached: MachineObject, verdict: ConditionState, requestOwnerRemediation: boolean): Promise<string[]> {
  let machine = cached;
  for (let attempt = 1; ; attempt++) {
    const conditions = markedConditions(machine, verdict, requestOwnerRemediation && !machine.metadata.deletionTimestamp, new Date());
    const before = machine.status?.conditions ?? [];
    if (isDeepStrictEqual(conditions, before)) return [];
    try {
      await ctx.client.updateStatus(machinesResource, { ...machine, status: { ...machine.status, conditions } });
      return conditions.filter((c) => !isDeepStrictEqual(c, before.find((b) => b.type === c.type))).map((c) => c.type);
    } catch (error) {
      if (isNotFound(error)) return [];
      if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
    try {
      machine = await ctx.client.get<MachineObject>(machinesResource, machine.metadata.name!, machine.metadata.namespace);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
  }
}
