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

export function machineUpToDateCondition(ms: MachineSet, owner: MachineDeployment | undefined, machine: Machine, now: Date): ConditionState | undefined {
  if (!owner) return undefined;
  const type = MachineConditionType.UpToDate;
  const { reasons } = machineTemplateUpToDate(ms.spec.template, owner.spec.template);
  const after = owner.spec.rollout?.after ? Date.parse(owner.spec.rollout.after) : undefined;
  const created = machine.metadata.creationTimestamp ? Date.parse(machine.metadata.creationTimestamp) : now.getTime();
  if (after !== undefined && after <= now.getTime() && created < after) reasons.push('MachineDeployment spec.rollout.after expired');
  if (reasons.length > 0) return { type, status: 'False', reason: Reason.NotUpToDate, message: reasons.map((r) => `* ${r}`).join('\n') };
  return { type, status: 'True', reason: Reason.UpToDate, message: '' };
}
