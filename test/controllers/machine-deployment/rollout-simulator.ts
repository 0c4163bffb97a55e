// A deterministic simulation of a MachineDeployment rollout, driving the real pure decision logic:
// each step advances time (Machines finish provisioning or deletion after seeded random delays), applies
// scripted events, reconciles the MachineDeployment (rollout planner) and then every MachineSet (replica sync
// with the deletion order). The log is compared against golden files; the snapshots feed invariant checks.

import { planReplicaSync } from '../../../src/controllers/machine-set/replica-sync.ts';
import type { DeletionOrder } from '../../../src/controllers/machine-set/deletion-order.ts';
import type { MachineView } from '../../../src/controllers/machine-set/machine-view.ts';
import type { IntOrPercent, MachineDeploymentView, MachineSetView, RolloutStrategyType } from '../../../src/controllers/machine-deployment/deployment-view.ts';
import { desiredMachineSetAnnotations } from '../../../src/controllers/machine-deployment/machine-set-annotations.ts';
import { findNewAndOldMachineSets } from '../../../src/controllers/machine-deployment/new-machine-set.ts';
import { maxSurgeOf, minAvailableOf } from '../../../src/controllers/machine-deployment/replica-arithmetic.ts';
import { newMachineSetRevision, REVISION_ANNOTATION } from '../../../src/controllers/machine-deployment/revision.ts';
import { oldMachineSetsToDelete, planRollout } from '../../../src/controllers/machine-deployment/rollout-planner.ts';
import { isDeploymentComplete, machineDeploymentReplicaCounts } from '../../../src/controllers/machine-deployment/status.ts';
import { machineTemplateUpToDate } from '../../../src/controllers/machine-deployment/template-hash.ts';

export interface SimulationEvent {
  step: number;
  /** Change the MachineDeployment's spec.replicas. */
  scaleTo?: number;
  pause?: boolean;
}

export interface SimulationOptions {
  replicas: number;
  maxSurge?: IntOrPercent;
  maxUnavailable?: IntOrPercent;
  strategy: RolloutStrategyType;
  seed: number;
  /** Maximum number of reconcile steps. */
  steps: number;
  deletionOrder?: DeletionOrder;
  events?: SimulationEvent[];
  /** Steps a new Machine needs to become ready: uniform in [min, max]. */
  readyDelay?: [number, number];
  /** Steps a deleted Machine needs to disappear: uniform in [min, max]. */
  deleteDelay?: [number, number];
  /** How many Machines of the initial MachineSet are broken (never ready, no Node). */
  brokenOldMachines?: number;
}

export interface StepSnapshot {
  step: number;
  replicas: number;
  paused: boolean;
  strategy: RolloutStrategyType;
  minAvailable: number;
  /** spec.replicas + maxSurge (RollingUpdate) or spec.replicas (OnDelete). */
  maxMachines: number;
  /** Available Machines before this step's deletions (after time advanced). */
  availableBefore: number;
  availableAfter: number;
  /** Machines deleted in this step by the user (OnDelete) rather than by controllers. */
  userDeleted: number;
  machines: number;
  /** Machines being deleted (they still count as Machines). */
  deleting: number;
}

export interface SimulationResult {
  log: string;
  snapshots: StepSnapshot[];
  convergedAtStep: number | undefined;
}

interface SimMachine {
  name: string;
  createdAt: number;
  readyAt: number;
  deletedAt?: number;
  goneAt?: number;
}

interface SimMachineSet extends MachineSetView {
  machines: SimMachine[];
}

/** mulberry32: a small seeded PRNG, enough for reproducible delays. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EPOCH = Date.UTC(2025, 0, 1);
const STEP_MILLIS = 60_000;

function timestamp(step: number, sequence: number): string {
  return new Date(EPOCH + step * STEP_MILLIS + sequence).toISOString();
}

export function simulateRollout(options: SimulationOptions): SimulationResult {
  const random = seededRandom(options.seed);
  const between = ([min, max]: [number, number]): number => min + Math.floor(random() * (max - min + 1));
  const readyDelay = options.readyDelay ?? [1, 3];
  const deleteDelay = options.deleteDelay ?? [1, 2];
  const deletionOrder = options.deletionOrder ?? 'Random';
  const lines: string[] = [];
  const snapshots: StepSnapshot[] = [];
  let sequence = 0;
  let machineSetCount = 0;

  const md: MachineDeploymentView = {
    name: 'md',
    replicas: options.replicas,
    strategy: { type: options.strategy, rollingUpdate: options.strategy === 'RollingUpdate' ? { maxSurge: options.maxSurge, maxUnavailable: options.maxUnavailable } : undefined },
    template: { spec: { version: 'v1.30.0' } },
  };
  const machineSets: SimMachineSet[] = [];

  const isGone = (machine: SimMachine, step: number): boolean => machine.goneAt !== undefined && machine.goneAt <= step;
  const isReady = (machine: SimMachine, step: number): boolean => machine.deletedAt === undefined && machine.readyAt <= step;

  function createMachineSet(step: number, replicas: number, revision: string): SimMachineSet {
    machineSetCount += 1;
    const ms: SimMachineSet = {
      name: `ms-${machineSetCount}`,
      creationTimestamp: timestamp(step, sequence++),
      annotations: { [REVISION_ANNOTATION]: revision },
      replicas,
      status: {},
      template: structuredClone(md.template),
      machines: [],
    };
    machineSets.push(ms);
    return ms;
  }

  const machinesCreated = new Map<string, number>();
  function createMachine(ms: SimMachineSet, step: number, readyAt: number): void {
    const count = (machinesCreated.get(ms.name) ?? 0) + 1;
    machinesCreated.set(ms.name, count);
    ms.machines.push({ name: `${ms.name}-m${count}`, createdAt: step, readyAt });
  }

  function machineViews(ms: SimMachineSet, step: number): MachineView[] {
    const upToDate = machineTemplateUpToDate(ms.template, md.template).upToDate;
    return ms.machines.map((machine) => ({
      name: machine.name,
      creationTimestamp: timestamp(machine.createdAt, 0),
      deletionTimestamp: machine.deletedAt === undefined ? undefined : timestamp(machine.deletedAt, 0),
      hasNodeRef: machine.readyAt <= step,
      ready: isReady(machine, step),
      available: isReady(machine, step),
      upToDate,
    }));
  }

  function refreshStatus(step: number): void {
    for (const ms of machineSets) {
      const views = machineViews(ms, step);
      ms.status = {
        replicas: views.length,
        readyReplicas: views.filter((view) => view.ready).length,
        availableReplicas: views.filter((view) => view.available).length,
        upToDateReplicas: views.filter((view) => view.upToDate).length,
        observedGeneration: 0,
      };
    }
  }

  const totalAvailable = (step: number): number =>
    machineSets.reduce((sum, ms) => sum + ms.machines.filter((machine) => isReady(machine, step)).length, 0);
  const totalMachines = (): number => machineSets.reduce((sum, ms) => sum + ms.machines.length, 0);

  function describe(step: number, newName: string | undefined): string {
    const parts = [...machineSets].sort((a, b) => (a.name === newName ? -1 : b.name === newName ? 1 : b.name.localeCompare(a.name))).map((ms) => {
      const ready = ms.machines.filter((machine) => isReady(machine, step)).length;
      const deleting = ms.machines.filter((machine) => machine.deletedAt !== undefined).length;
      const provisioning = ms.machines.length - ready - deleting;
      let text = `${ms.name} ${ms.name === newName ? 'new' : 'old'} ${ready}/${ms.replicas} ready`;
      if (provisioning > 0) text += `, ${provisioning} provisioning`;
      if (deleting > 0) text += `, ${deleting} deleting`;
      return text;
    });
    const maxMachines = md.replicas + maxSurgeOf(md);
    return `${parts.join(' | ')} || machines ${totalMachines()} (max ${maxMachines}), available ${totalAvailable(step)} (min ${minAvailableOf(md)})`;
  }

  // Step 0: a settled MachineSet on the previous template, then the template changes.
  const initial = createMachineSet(-30, options.replicas, '1');
  // Created at different times, not in name order, so Oldest/Newest deletion orders are visible.
  for (let i = 0; i < options.replicas; i++) createMachine(initial, -between([1, 20]), i < (options.brokenOldMachines ?? 0) ? Number.POSITIVE_INFINITY : 0);
  lines.push(`# ${options.strategy} replicas=${options.replicas} maxSurge=${options.maxSurge ?? '-'} maxUnavailable=${options.maxUnavailable ?? '-'} seed=${options.seed} deletionOrder=${deletionOrder} brokenOldMachines=${options.brokenOldMachines ?? 0}`);
  lines.push(`step 0: ${describe(0, initial.name)}`);
  md.template = { spec: { version: 'v1.31.0' } };
  lines.push('template changed: spec.version v1.30.0 -> v1.31.0');

  let convergedAtStep: number | undefined;
  let currentNewName: string | undefined;
  for (let step = 1; step <= options.steps; step++) {
    const actions: string[] = [];

    // Time passes: deletions finish, Machines become ready.
    for (const ms of machineSets) ms.machines = ms.machines.filter((machine) => !isGone(machine, step));
    for (const event of (options.events ?? []).filter((candidate) => candidate.step === step)) {
      if (event.scaleTo !== undefined) {
        actions.push(`event: spec.replicas ${md.replicas} -> ${event.scaleTo}`);
        md.replicas = event.scaleTo;
      }
      if (event.pause !== undefined) {
        actions.push(`event: ${event.pause ? 'paused' : 'resumed'}`);
        md.paused = event.pause;
      }
    }
    const availableBefore = totalAvailable(step);

    // OnDelete: a careful user deletes one old Machine at a time, only when all replicas exist and are ready.
    let userDeleted = 0;
    if (md.strategy.type === 'OnDelete') {
      const old = machineSets.filter((ms) => !machineTemplateUpToDate(ms.template, md.template).upToDate);
      const oldMachines = old.flatMap((ms) => ms.machines);
      const allReady = totalMachines() === md.replicas && machineSets.every((ms) => ms.machines.every((machine) => isReady(machine, step)));
      if (oldMachines.length > 0 && allReady) {
        const victim = oldMachines[Math.floor(random() * oldMachines.length)];
        victim.deletedAt = step;
        victim.goneAt = step + between(deleteDelay);
        userDeleted = 1;
        actions.push(`user deletes ${victim.name}`);
      }
    }

    // MachineDeployment reconcile.
    refreshStatus(step);
    const found = findNewAndOldMachineSets(md, machineSets, new Date(timestamp(step, 0)));
    let newMS = found.newMS;
    if (!newMS && !md.paused) {
      newMS = createMachineSet(step, 0, newMachineSetRevision(undefined, found.oldMSs));
      actions.push(`create ${newMS.name}: ${found.createReason}`);
    }
    currentNewName = newMS?.name;
    const plan = planRollout({ md, newMS, oldMSs: found.oldMSs });
    for (const change of plan.changes) {
      const ms = machineSets.find((candidate) => candidate.name === change.machineSet)!;
      ms.replicas = change.to;
      actions.push(`${change.machineSet} replicas ${change.from} -> ${change.to}: ${change.reason}`);
    }
    for (const ms of machineSets) {
      ms.annotations = desiredMachineSetAnnotations(md, ms, ms === newMS
        ? { current: true, revision: newMachineSetRevision(ms, found.oldMSs) }
        : { current: false });
    }
    refreshStatus(step);
    const counts = machineDeploymentReplicaCounts(machineSets);
    if (isDeploymentComplete(md, counts, 0)) {
      for (const ms of oldMachineSetsToDelete(found.oldMSs)) {
        machineSets.splice(machineSets.indexOf(ms as SimMachineSet), 1);
        actions.push(`delete ${ms.name} (rollout complete)`);
      }
    }

    // MachineSet reconciles.
    for (const ms of machineSets) {
      const action = planReplicaSync({ replicas: ms.replicas, annotations: ms.annotations, deletionOrder, machines: machineViews(ms, step), seed: options.seed });
      if (action.kind === 'create') {
        for (let i = 0; i < action.count; i++) createMachine(ms, step, step + between(readyDelay));
        actions.push(`${ms.name} creates ${action.count}`);
      } else if (action.kind === 'createDisabled') {
        actions.push(`${ms.name} would create ${action.count} but machine creation is disabled`);
      } else if (action.kind === 'delete' && action.toDelete.length > 0) {
        for (const view of action.toDelete) {
          const machine = ms.machines.find((candidate) => candidate.name === view.name)!;
          machine.deletedAt = step;
          machine.goneAt = step + between(deleteDelay);
        }
        actions.push(`${ms.name} deletes ${action.toDelete.map((view) => view.name).join(', ')}`);
      }
    }

    lines.push(`step ${step}: ${describe(step, currentNewName)}`);
    for (const action of actions) lines.push(`  ${action}`);
    snapshots.push({
      step,
      replicas: md.replicas,
      paused: md.paused ?? false,
      strategy: md.strategy.type,
      minAvailable: minAvailableOf(md),
      maxMachines: md.replicas + maxSurgeOf(md),
      availableBefore,
      availableAfter: totalAvailable(step),
      userDeleted,
      machines: totalMachines(),
      deleting: machineSets.reduce((sum, ms) => sum + ms.machines.filter((machine) => machine.deletedAt !== undefined).length, 0),
    });

    const settled = !md.paused && machineSets.length === 1 && machineSets[0].name === currentNewName
      && machineSets[0].replicas === md.replicas
      && machineSets[0].machines.length === md.replicas
      && machineSets[0].machines.every((machine) => isReady(machine, step));
    if (settled) {
      convergedAtStep = step;
      break;
    }
  }
  lines.push(convergedAtStep === undefined ? `not converged after ${options.steps} steps` : `converged at step ${convergedAtStep}`);
  return { log: `${lines.join('\n')}\n`, snapshots, convergedAtStep };
}
