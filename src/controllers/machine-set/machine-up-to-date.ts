// The UpToDate condition the MachineSet controller sets on its Machines (as Cluster API does): a Machine
// is up to date when its MachineSet's template matches the owning MachineDeployment's (ignoring the
// fields propagated in place) and no spec.rollout.after has passed since the Machine was created.
// Standalone MachineSets set nothing: whatever manages them above may set the condition itself.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { MachineConditionType, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { machineTemplateUpToDate } from '../machine-deployment/template-hash.ts';
import type { ConditionState } from '../provider-contract/conditions.ts';

export interface UpToDateConditions {
  /** The condition for one Machine of the MachineSet, or undefined when the MachineSet sets none. */
  of(machine: Machine): ConditionState | undefined;
  /** Everything but the Machine the answers depend on: equal fingerprints, equal answers for the same Machine. */
  fingerprint: string;
}

/** The UpToDate condition of the Machines of `ms` (the templates are compared once, not once a Machine). */
export function machineUpToDateConditions(ms: MachineSet, owner: MachineDeployment | undefined, now: Date): UpToDateConditions {
  if (!owner) return { of: () => undefined, fingerprint: '' };
  const type = MachineConditionType.UpToDate;
  const { reasons: templateReasons } = machineTemplateUpToDate(ms.spec.template, owner.spec.template);
  const after = owner.spec.rollout?.after ? Date.parse(owner.spec.rollout.after) : undefined;
  const afterPassed = after !== undefined && after <= now.getTime();
  return {
    of: (machine) => {
      const reasons = [...templateReasons];
      const created = machine.metadata.creationTimestamp ? Date.parse(machine.metadata.creationTimestamp) : now.getTime();
      if (afterPassed && created < after!) reasons.push('MachineDeployment spec.rollout.after expired');
      if (reasons.length > 0) return { type, status: 'False', reason: Reason.NotUpToDate, message: reasons.map((r) => `* ${r}`).join('\n') };
      return { type, status: 'True', reason: Reason.UpToDate, message: '' };
    },
    fingerprint: JSON.stringify([templateReasons, afterPassed ? after : null]),
  };
}
