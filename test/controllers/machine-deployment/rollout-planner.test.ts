import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from '../../../src/controllers/machine-deployment/machine-set-annotations.ts';
import { oldMachineSetsToDelete, planRollout } from '../../../src/controllers/machine-deployment/rollout-planner.ts';
import type { ScaleChange } from '../../../src/controllers/machine-deployment/rollout-planner.ts';
import { deployment, machineSet } from './fixtures.ts';

const oldTemplate = { spec: { version: 'v1.30.0' } };
const summary = (changes: ScaleChange[]): string[] => changes.map((c) => `${c.machineSet} ${c.from}->${c.to}`);
const rolling = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) =>
  deployment({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });

test('rolling update starts by surging the new MachineSet and keeps old Machines while nothing new is available', () => {
  const md = rolling(5, 1, 0);
  const old = machineSet('old', 5, { template: oldTemplate });
  const plan = planRollout({ md, newMS: machineSet('new', 0, { status: {} }), oldMSs: [old] });
  assert.deepEqual(plan.changes, [{ machineSet: 'new', from: 0, to: 1, reason: '5 current Machines < 5 MachineDeployment spec.replicas + 1 maxSurge' }]);
  // New Machine exists but is not available yet: nothing moves.
  assert.deepEqual(planRollout({ md, newMS: machineSet('new', 1, { status: { replicas: 1, availableReplicas: 0 } }), oldMSs: [old] }).changes, []);
});

test('rolling update scales old down once new Machines are available, never below minAvailable', () => {
  const md = rolling(5, 1, 0);
  const plan = planRollout({ md, newMS: machineSet('new', 1), oldMSs: [machineSet('old', 5, { template: oldTemplate })] });
  assert.deepEqual(plan.changes, [{ machineSet: 'old', from: 5, to: 4, reason: '6 available replicas > 5 minimum available replicas' }]);
});

test('rolling update with maxUnavailable scales old down immediately by maxUnavailable', () => {
  const plan = planRollout({ md: rolling(10, '25%', '25%'), newMS: machineSet('new', 0, { status: {} }), oldMSs: [machineSet('old', 10, { template: oldTemplate })] });
  assert.deepEqual(summary(plan.changes), ['new 0->3', 'old 10->8']);
});

test('unavailable Machines on the new MachineSet hold old MachineSets back', () => {
  const md = rolling(4, 2, 2);
  const old = machineSet('old', 2, { template: oldTemplate });
  // Budget: 4 spec − 0 pending − minAvailable 2 − 2 unavailable on the new MachineSet = 0.
  const broken = planRollout({ md, newMS: machineSet('new', 2, { status: { replicas: 2, availableReplicas: 0 } }), oldMSs: [old] });
  assert.deepEqual(summary(broken.changes), ['new 2->4']);
  const healthy = planRollout({ md, newMS: machineSet('new', 2), oldMSs: [old] });
  assert.deepEqual(summary(healthy.changes), ['new 2->4', 'old 2->0']);
});

test('old MachineSets lose unavailable replicas first, even on a newer old MachineSet', () => {
  const md = rolling(4, 1, 1);
  const older = machineSet('older', 2, { creationTimestamp: '2024-01-01T00:00:00Z', template: oldTemplate });
  const newer = machineSet('newer', 2, { creationTimestamp: '2024-06-01T00:00:00Z', template: { spec: { version: 'v1.30.5' } }, status: { replicas: 2, availableReplicas: 1 } });
  const plan = planRollout({ md, newMS: machineSet('new', 1), oldMSs: [older, newer] });
  assert.deepEqual(summary(plan.changes), ['newer 2->1']);
  assert.match(plan.changes[0].reason, /4 available replicas > 3 minimum available replicas/);
});

test('pending deletions (status.replicas above spec) count against the scale-down budget', () => {
  const md = rolling(3, 1, 1);
  const old = machineSet('old', 2, { template: oldTemplate, status: { replicas: 3, availableReplicas: 2 } });
  const plan = planRollout({ md, newMS: machineSet('new', 1), oldMSs: [old] });
  assert.deepEqual(plan.changes, [], '3 spec − 1 pending − 2 minAvailable = 0');
});

test('a new MachineSet above spec.replicas is cut back (MachineDeployment scaled down)', () => {
  const plan = planRollout({ md: rolling(2, 1, 0), newMS: machineSet('new', 4), oldMSs: [] });
  assert.deepEqual(plan.changes, [{ machineSet: 'new', from: 4, to: 2, reason: 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas' }]);
});

test('deadlock breaker removes one old Machine when unavailable old Machines block the rollout', () => {
  const md = rolling(3, 1, 0);
  const old = machineSet('old', 3, { template: oldTemplate, status: { replicas: 3, availableReplicas: 2 } });
  const plan = planRollout({ md, newMS: machineSet('new', 1), oldMSs: [old] });
  assert.deepEqual(plan.changes, [{ machineSet: 'old', from: 3, to: 2, reason: 'scaling down by 1 to unblock rollout stuck due to unavailable Machine on oldMS' }]);
  // Not while the new Machine is unavailable.
  assert.deepEqual(planRollout({ md, newMS: machineSet('new', 1, { status: { replicas: 1, availableReplicas: 0 } }), oldMSs: [old] }).changes, []);
});

test('settled rollout: nothing to do; 0 replicas: everything to 0', () => {
  assert.deepEqual(planRollout({ md: rolling(3, 1, 0), newMS: machineSet('new', 3), oldMSs: [machineSet('old', 0, { status: { replicas: 0 } })] }).changes, []);
  const plan = planRollout({ md: rolling(0, 1, 0), newMS: machineSet('new', 2), oldMSs: [machineSet('old', 1, { template: oldTemplate })] });
  assert.deepEqual(summary(plan.changes), ['new 2->0', 'old 1->0']);
});

test('planRollout needs the new MachineSet unless paused', () => {
  assert.throws(() => planRollout({ md: rolling(3, 1, 0), newMS: undefined, oldMSs: [] }), /MachineDeployment md: a rollout needs the new MachineSet/);
});

test('OnDelete: old MachineSets follow user deletions, then the new one grows into the room', () => {
  const md = deployment({ replicas: 3, strategy: { type: 'OnDelete' } });
  const afterDelete = planRollout({ md, newMS: machineSet('new', 0, { status: {} }), oldMSs: [machineSet('old', 3, { template: oldTemplate, status: { replicas: 2, availableReplicas: 2 } })] });
  assert.deepEqual(afterDelete.changes, [{ machineSet: 'old', from: 3, to: 2, reason: 'scale down to align to existing Machines' }]);
  const next = planRollout({ md, newMS: machineSet('new', 0, { status: {} }), oldMSs: [machineSet('old', 2, { template: oldTemplate })] });
  assert.deepEqual(next.changes, [{ machineSet: 'new', from: 0, to: 1, reason: '2 current Machines < 3 MachineDeployment spec.replicas' }]);
  // Nothing happens while the user deletes nothing.
  assert.deepEqual(planRollout({ md, newMS: machineSet('new', 0, { status: {} }), oldMSs: [machineSet('old', 3, { template: oldTemplate })] }).changes, []);
});

test('OnDelete: a scaled-down MachineDeployment shrinks old MachineSets, oldest first', () => {
  const md = deployment({ replicas: 2, strategy: { type: 'OnDelete' } });
  const a = machineSet('a', 2, { creationTimestamp: '2024-01-01T00:00:00Z', template: oldTemplate });
  const b = machineSet('b', 2, { creationTimestamp: '2024-02-01T00:00:00Z', template: oldTemplate });
  const plan = planRollout({ md, newMS: machineSet('new', 1), oldMSs: [b, a] });
  assert.deepEqual(summary(plan.changes), ['a 2->0', 'b 2->1']);
  assert.equal(plan.changes[0].reason, 'scale down to align MachineSet spec.replicas to MachineDeployment spec.replicas');
});

const annotated = (max: number, desired: number) => ({ [MAX_REPLICAS_ANNOTATION]: String(max), [DESIRED_REPLICAS_ANNOTATION]: String(desired) });

test('paused: replica changes are spread proportionally using the previous max-replicas', () => {
  const old = machineSet('old', 6, { creationTimestamp: '2024-01-01T00:00:00Z', template: oldTemplate, annotations: annotated(12, 10) });
  const newMS = machineSet('new', 6, { creationTimestamp: '2024-02-01T00:00:00Z', annotations: annotated(12, 10) });
  const up = planRollout({ md: { ...rolling(20, 2, 0), paused: true }, newMS, oldMSs: [old] });
  assert.deepEqual(summary(up.changes), ['new 6->11', 'old 6->11']);
  assert.equal(up.changes[0].reason, 'proportional scaling of 12 replicas to 22 (spec.replicas 20 + maxSurge 2)');

  const down = planRollout({ md: { ...rolling(4, 2, 0), paused: true }, newMS: { ...newMS, replicas: 4 }, oldMSs: [{ ...old, replicas: 8 }] });
  assert.deepEqual(summary(down.changes), ['old 8->4', 'new 4->2']);

  const toZero = planRollout({ md: { ...rolling(0, 2, 0), paused: true }, newMS, oldMSs: [old] });
  assert.deepEqual(summary(toZero.changes), ['old 6->0', 'new 6->0']);
});

test('paused: leftovers go to the largest MachineSet; without max-replicas or status there is no proportion', () => {
  const big = machineSet('big', 5, { template: oldTemplate });
  const small = machineSet('small', 2, { creationTimestamp: '2024-02-01T00:00:00Z' });
  const plan = planRollout({ md: { ...rolling(9, 1, 0), paused: true }, newMS: small, oldMSs: [big] });
  assert.deepEqual(summary(plan.changes), ['big 5->8']);
  // With status.replicas as the fallback reference size.
  const withStatus = planRollout({ md: { ...rolling(9, 1, 0), paused: true, statusReplicas: 7 }, newMS: small, oldMSs: [big] });
  assert.deepEqual(summary(withStatus.changes), ['big 5->7', 'small 2->3']);
});

test('paused: a single active MachineSet takes spec.replicas; a saturated new MachineSet empties old ones; no rollout progress', () => {
  const md = { ...rolling(4, 1, 0), paused: true };
  assert.deepEqual(summary(planRollout({ md, newMS: machineSet('new', 2), oldMSs: [machineSet('old', 0, { template: oldTemplate })] }).changes), ['new 2->4']);
  assert.deepEqual(summary(planRollout({ md, newMS: undefined, oldMSs: [machineSet('old', 3, { template: oldTemplate })] }).changes), ['old 3->4'], 'no new MachineSet is created while paused');
  const saturated = machineSet('new', 4, { annotations: annotated(5, 4) });
  assert.deepEqual(summary(planRollout({ md, newMS: saturated, oldMSs: [machineSet('old', 1, { template: oldTemplate })] }).changes), ['old 1->0']);
  // Mid-rollout at the surge limit: paused means nothing moves.
  assert.deepEqual(planRollout({ md, newMS: machineSet('new', 2, { annotations: annotated(5, 4) }), oldMSs: [machineSet('old', 3, { template: oldTemplate, annotations: annotated(5, 4) })] }).changes, []);
  // OnDelete has no proportional scaling.
  const onDelete = deployment({ replicas: 6, paused: true, strategy: { type: 'OnDelete' } });
  assert.deepEqual(planRollout({ md: onDelete, newMS: machineSet('new', 2), oldMSs: [machineSet('old', 2, { template: oldTemplate })] }).changes, []);
});

test('oldMachineSetsToDelete keeps anything with replicas, deletion in progress or an unobserved generation', () => {
  const empty = (name: string, overrides = {}) => machineSet(name, 0, { status: { replicas: 0, observedGeneration: 2 }, generation: 2, ...overrides });
  const result = oldMachineSetsToDelete([
    empty('b', { creationTimestamp: '2024-02-01T00:00:00Z' }),
    empty('a', { creationTimestamp: '2024-01-01T00:00:00Z' }),
    empty('deleting', { deletionTimestamp: '2025-01-01T00:00:00Z' }),
    empty('stale', { generation: 3 }),
    empty('draining', { status: { replicas: 1, observedGeneration: 2 } }),
    machineSet('busy', 1),
  ]);
  assert.deepEqual(result.map((ms) => ms.name), ['a', 'b']);
});
