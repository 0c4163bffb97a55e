// The MachineDeployment rollout planner: given the new MachineSet and the old ones (with their observed
// status), decide the spec.replicas every MachineSet should have next. One call is one reconcile; the
// MachineSet controller then creates/deletes Machines, and the next reconcile sees the result.
//
// RollingUpdate (Cluster API v1beta2 semantics, in-place updates aside):
// - the new MachineSet grows while all Machines (max of spec and status per MachineSet) stay within
//   spec.replicas + maxSurge; if it is above spec.replicas it is cut back;
// - old MachineSets shrink, oldest first, while available Machines stay ≥ minAvailable = spec.replicas −
//   maxUnavailable, assuming the worst (that each deleted Machine was available), minus the new MachineSet's
//   unavailable Machines (a broken new template slows the rollout down instead of replacing everything);
//   unavailable old Machines are removed first;
// - if old MachineSets hold unavailable Machines and nothing else can move, one old Machine is removed anyway
//   (Cluster API's deadlock breaker; usually it is one of the unavailable ones).
// OnDelete: the new MachineSet grows only into room left by Machines the user deleted; old MachineSets are
// aligned to their remaining Machines and never create new ones.
// Paused: no rollout progress; a replica change is spread proportionally over the active MachineSets using the
// max-replicas annotations (Cluster API's "scale" for paused MachineDeployments). When not paused, Cluster API
// (unlike Kubernetes Deployments) absorbs replica changes through the rollout arithmetic above, and so does Slipway.

import { compareByCreation, creationMillis } from './deployment-view.ts';
import type { MachineDeploymentView, MachineSetView } from './deployment-view.ts';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, intAnnotation } from './machine-set-annotations.ts';
import { maxSurgeOf, maxUnavailableOf, newMachineSetReplicas, specReplicaSum } from './replica-arithmetic.ts';

export interface ScaleChange {
  machineSet: string;
  from: number;
  to: number;
  /** Why, in Cluster API's planner wording; several notes are joined with ", ". */
  reason: string;
}

export interface RolloutPlan {
  /** Every MachineSet whose spec.replicas must change, in planning order. */
  changes: ScaleChange[];
}

export interface RolloutPlanInput {
  md: MachineDeploymentView;
  /** The current MachineSet; required unless paused (create it with 0 replicas first, then plan). */
  newMS: MachineSetView | undefined;
  oldMSs: readonly MachineSetView[];
}

/** Scale intents and their notes for one planning pass. */
class PlanBuilder {
  readonly intents = new Map<string, number>();
  readonly notes = new Map<string, string[]>();
  readonly order: MachineSetView[] = [];

  replicasOf(ms: MachineSetView): number {
    return this.intents.get(ms.name) ?? ms.replicas;
  }

  scale(ms: MachineSetView, replicas: number, note: string): void {
    if (!this.order.includes(ms)) this.order.push(ms);
    this.intents.set(ms.name, replicas);
    this.note(ms, note);
  }

  note(ms: MachineSetView, note: string): void {
    const notes = this.notes.get(ms.name) ?? [];
    if (!notes.includes(note)) notes.push(note);
    this.notes.set(ms.name, notes);
  }

  plan(): RolloutPlan {
    const changes: ScaleChange[] = [];
    for (const ms of this.order) {
      const to = this.intents.get(ms.name)!;
      if (to !== ms.replicas) changes.push({ machineSet: ms.name, from: ms.replicas, to, reason: (this.notes.get(ms.name) ?? []).join(', ') });
    }
    return { changes };
  }
}

export function planRollout(input: RolloutPlanInput): RolloutPlan {
  if (input.md.paused) return planProportionalScale(input);
  if (!input.newMS) throw new Error(`MachineDeployment ${input.md.name}: a rollout needs the new MachineSet; create it with 0 replicas before planning`);
  return input.md.strategy.type === 'OnDelete'
    ? planOnDelete(input.md, input.newMS, input.oldMSs)
    : planRollingUpdate(input.md, input.newMS, input.oldMSs);
}

function reconcileNewMachineSet(plan: PlanBuilder, md: MachineDeploymentView, newMS: MachineSetView, allMSs: readonly MachineSetView[]): void {
  if (newMS.replicas === md.replicas) return;
  if (newMS.replicas > md.replicas) {
    plan.scale(newMS, md.replicas, 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas');
    return;
  }
  const next = newMachineSetReplicas(md, allMSs, newMS.replicas);
  if (next.replicas !== newMS.replicas) plan.scale(newMS, next.replicas, next.note);
}

export function planRollingUpdate(md: MachineDeploymentView, newMS: MachineSetView, oldMSs: readonly MachineSetView[]): RolloutPlan {
  const plan = new PlanBuilder();
  const allMSs = [...oldMSs, newMS];
  const sortedOld = [...oldMSs].sort(compareByCreation);
  reconcileNewMachineSet(plan, md, newMS, allMSs);
  scaleDownOldMachineSets(plan, md, newMS, sortedOld);
  breakDeadlock(plan, newMS, sortedOld);
  return plan.plan();
}

function scaleDownOldMachineSets(plan: PlanBuilder, md: MachineDeploymentView, newMS: MachineSetView, sortedOld: readonly MachineSetView[]): void {
  if (specReplicaSum(sortedOld) === 0) return;
  const allMSs = [...sortedOld, newMS];
  const minAvailable = Math.max(md.replicas - maxUnavailableOf(md), 0);
  let available = allMSs.reduce((sum, ms) => sum + (ms.status.availableReplicas ?? 0), 0);

  // Existing Machines already on their way out (this or a previous reconcile) will cost availability too.
  let pendingScaleDown = 0;
  for (const ms of allMSs) {
    const target = Math.min(ms.replicas, plan.replicasOf(ms));
    pendingScaleDown += Math.max((ms.status.replicas ?? 0) - target, 0);
  }
  const newMSUnavailable = Math.max(newMS.replicas - (newMS.status.availableReplicas ?? 0), 0);
  let budget = Math.max(specReplicaSum(allMSs) - pendingScaleDown - minAvailable - newMSUnavailable, 0);
  if (budget === 0) return;

  for (const onlyUnavailable of [true, false]) {
    for (const ms of sortedOld) {
      if (budget <= 0) return;
      const replicas = plan.replicasOf(ms);
      if (replicas <= 0) continue;
      const msAvailable = ms.status.availableReplicas ?? 0;
      const msExisting = ms.status.replicas ?? 0;
      const availableBefore = available;
      let scaleDown = Math.min(onlyUnavailable ? Math.max(replicas - msAvailable, 0) : replicas, budget);
      if (scaleDown === 0) continue;

      // The MachineSet controller may delete available Machines first: never let that breach minAvailable.
      if (msAvailable > 0) {
        let existingDeleted = Math.max(msExisting - Math.max(replicas - scaleDown, 0), 0);
        if (existingDeleted > 0) {
          if (available - minAvailable < existingDeleted) {
            const revisedReplicas = Math.min(msExisting - Math.max(available - minAvailable, 0), replicas);
            scaleDown = Math.max(replicas - revisedReplicas, 0);
            existingDeleted = Math.max(msExisting - revisedReplicas, 0);
          }
          available -= Math.min(msAvailable, existingDeleted);
        }
      }
      if (scaleDown > 0) {
        plan.scale(ms, Math.max(replicas - scaleDown, 0), availableBefore === available
          ? 'scale down to align to existing Machines or scale down by removing unavailable replicas (and no available replicas exist on the MachineSet)'
          : `${availableBefore} available replicas > ${minAvailable} minimum available replicas`);
        budget = Math.max(budget - scaleDown, 0);
      }
    }
  }
}

function breakDeadlock(plan: PlanBuilder, newMS: MachineSetView, sortedOld: readonly MachineSetView[]): void {
  const oldExisting = sortedOld.reduce((sum, ms) => sum + (ms.status.replicas ?? 0), 0);
  const oldAvailable = sortedOld.reduce((sum, ms) => sum + (ms.status.availableReplicas ?? 0), 0);
  if (oldExisting === 0 || oldExisting === oldAvailable) return;
  for (const ms of [...sortedOld, newMS]) {
    if (ms.replicas !== (ms.status.replicas ?? 0) || plan.intents.has(ms.name)) return; // something is still moving
  }
  if ((newMS.status.availableReplicas ?? 0) !== (newMS.status.replicas ?? 0)) return; // wait for the new Machines first
  const stuck = sortedOld.find((ms) => ms.replicas > 0 && (ms.status.availableReplicas ?? 0) !== (ms.status.replicas ?? 0));
  if (stuck) plan.scale(stuck, stuck.replicas - 1, 'scaling down by 1 to unblock rollout stuck due to unavailable Machine on oldMS');
}

export function planOnDelete(md: MachineDeploymentView, newMS: MachineSetView, oldMSs: readonly MachineSetView[]): RolloutPlan {
  const plan = new PlanBuilder();
  reconcileNewMachineSet(plan, md, newMS, [...oldMSs, newMS]);
  if (specReplicaSum(oldMSs) === 0) return plan.plan();

  const sortedOld = [...oldMSs].sort(compareByCreation);
  let excess = Math.max(specReplicaSum(oldMSs) + plan.replicasOf(newMS) - md.replicas, 0);
  // Machines the user deleted leave spec.replicas without a Machine: drop those first, whatever the excess.
  for (const ms of sortedOld) {
    const gone = Math.max(ms.replicas - (ms.status.replicas ?? 0), 0);
    if (ms.replicas <= 0 || gone === 0) continue;
    plan.scale(ms, ms.replicas - gone, 'scale down to align to existing Machines');
    excess -= gone;
  }
  // Then shrink further if the MachineDeployment itself was scaled down.
  for (const ms of sortedOld) {
    if (excess <= 0) break;
    const replicas = plan.replicasOf(ms);
    if (replicas <= 0) continue;
    const scaleDown = Math.min(replicas, excess);
    plan.scale(ms, replicas - scaleDown, 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas');
    excess -= scaleDown;
  }
  return plan.plan();
}

/** The only MachineSet with replicas, or the newest one when none has any; undefined when several are active. */
function activeOrLatest(newMS: MachineSetView | undefined, oldMSs: readonly MachineSetView[]): MachineSetView | undefined {
  const all = [...oldMSs, ...(newMS ? [newMS] : [])];
  if (all.length === 0) return undefined;
  const active = all.filter((ms) => ms.replicas > 0);
  if (active.length === 1) return active[0];
  if (active.length > 1) return undefined;
  return newMS ?? [...oldMSs].sort(compareByCreation).at(-1);
}

/** New MachineSet holds all replicas, agrees it should, and all of them are available. */
export function isSaturated(md: MachineDeploymentView, ms: MachineSetView | undefined): boolean {
  if (!ms) return false;
  return ms.replicas === md.replicas
    && intAnnotation(ms.annotations, DESIRED_REPLICAS_ANNOTATION) === md.replicas
    && (ms.status.availableReplicas ?? 0) === md.replicas;
}

/** How many replicas (signed) this MachineSet would gain if the MachineDeployment's total moved to its new size. */
function machineSetFraction(md: MachineDeploymentView, ms: MachineSetView): number {
  if (md.replicas === 0) return -ms.replicas;
  const deploymentReplicas = md.replicas + maxSurgeOf(md);
  const annotated = intAnnotation(ms.annotations, MAX_REPLICAS_ANNOTATION) ?? md.statusReplicas ?? 0;
  // Cluster API divides by zero here; without a reference size there is no proportion, leftovers go to the largest.
  if (annotated <= 0) return 0;
  return Math.round((ms.replicas * deploymentReplicas) / annotated) - ms.replicas;
}

export function planProportionalScale(input: RolloutPlanInput): RolloutPlan {
  const { md, newMS, oldMSs } = input;
  const plan = new PlanBuilder();
  const single = activeOrLatest(newMS, oldMSs);
  if (single) {
    if (single.replicas !== md.replicas) plan.scale(single, md.replicas, 'scale the only active MachineSet to MachineDeployment spec.replicas');
    return plan.plan();
  }
  if (isSaturated(md, newMS)) {
    for (const ms of oldMSs) if (ms.replicas > 0) plan.scale(ms, 0, 'new MachineSet is saturated');
    return plan.plan();
  }
  if (md.strategy.type !== 'RollingUpdate') return plan.plan();

  const active = [...oldMSs, ...(newMS ? [newMS] : [])].filter((ms) => ms.replicas > 0);
  const allowed = md.replicas > 0 ? md.replicas + maxSurgeOf(md) : 0;
  const toAdd = allowed - specReplicaSum(active);
  if (toAdd === 0) return plan.plan();
  // Largest first; on equal size, scale up newer MachineSets first and scale down older ones first.
  active.sort((a, b) => b.replicas - a.replicas
    || (toAdd > 0 ? creationMillis(b) - creationMillis(a) : creationMillis(a) - creationMillis(b))
    || (a.name < b.name ? -1 : 1));

  let added = 0;
  const sizes = new Map<string, number>();
  for (const ms of active) {
    let proportion = 0;
    if (toAdd !== added) {
      const fraction = machineSetFraction(md, ms);
      const remaining = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, remaining) : Math.max(fraction, remaining);
    }
    sizes.set(ms.name, ms.replicas + proportion);
    added += proportion;
  }
  sizes.set(active[0].name, Math.max(sizes.get(active[0].name)! + toAdd - added, 0));
  const note = `proportional scaling of ${specReplicaSum(active)} replicas to ${allowed} (spec.replicas ${md.replicas} + maxSurge ${maxSurgeOf(md)})`;
  for (const ms of active) if (sizes.get(ms.name) !== ms.replicas) plan.scale(ms, sizes.get(ms.name)!, note);
  return plan.plan();
}

/** Old MachineSets a complete rollout can delete: alive, no replicas wanted or existing, status caught up. */
export function oldMachineSetsToDelete(oldMSs: readonly MachineSetView[]): MachineSetView[] {
  return [...oldMSs].sort(compareByCreation).filter((ms) => !ms.deletionTimestamp
    && ms.replicas === 0
    && (ms.status.replicas ?? 0) === 0
    && (ms.generation ?? 0) <= (ms.status.observedGeneration ?? 0));
}
