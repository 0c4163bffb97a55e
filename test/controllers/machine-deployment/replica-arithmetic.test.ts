import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  machineCountUpperBound, maxSurgeOf, maxUnavailableOf, minAvailableOf, newMachineSetReplicas, resolveFenceposts, scaledValue, statusSum,
} from '../../../src/controllers/machine-deployment/replica-arithmetic.ts';
import { deployment, machineSet } from './fixtures.ts';

test('scaledValue: integers as is, percentages rounded up or down', () => {
  assert.equal(scaledValue(3, 10, true), 3);
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue('10%', 30, true), 3, 'exact multiple stays exact');
  assert.equal(scaledValue('10%', 30, false), 3);
  assert.equal(scaledValue('1%', 1, true), 1);
  assert.equal(scaledValue('1%', 1, false), 0);
  assert.equal(scaledValue('100%', 7, false), 7);
  assert.equal(scaledValue('50%', 0, true), 0, '0 replicas');
});

test('scaledValue rejects malformed values with the field name', () => {
  assert.throws(() => scaledValue('25', 10, true, 'maxSurge'), /maxSurge must be a non-negative integer or a percentage such as "25%", got "25"/);
  assert.throws(() => scaledValue('-5%', 10, true, 'maxSurge'), /maxSurge/);
  assert.throws(() => scaledValue(-1, 10, false, 'maxUnavailable'), /maxUnavailable must be a non-negative integer or a percentage, got -1/);
  assert.throws(() => scaledValue(1.5, 10, false), /non-negative integer/);
});

test('resolveFenceposts: both zero after rounding → maxUnavailable 1', () => {
  assert.deepEqual(resolveFenceposts('25%', '25%', 10), { maxSurge: 3, maxUnavailable: 2 });
  assert.deepEqual(resolveFenceposts(0, '1%', 2), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts('0%', '0%', 5), { maxSurge: 0, maxUnavailable: 1 });
  assert.deepEqual(resolveFenceposts('1%', '25%', 2), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(resolveFenceposts(0, 0, 0), { maxSurge: 0, maxUnavailable: 1 });
});

test('maxSurge/maxUnavailable depend on the strategy; maxUnavailable never exceeds replicas and is 0 at 0 replicas', () => {
  assert.equal(maxSurgeOf(deployment()), 1);
  assert.equal(maxSurgeOf(deployment({ strategy: { type: 'OnDelete' } })), 0);
  assert.equal(maxUnavailableOf(deployment({ strategy: { type: 'OnDelete' } })), 0);
  assert.equal(maxUnavailableOf(deployment({ replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 10 } } })), 3);
  assert.equal(maxUnavailableOf(deployment({ replicas: 0, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } })), 0);
  assert.equal(minAvailableOf(deployment({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } })), 8);
  // Defaults (maxSurge 1, maxUnavailable 0) when rollingUpdate is omitted.
  const defaults = deployment({ strategy: { type: 'RollingUpdate' } });
  assert.deepEqual([maxSurgeOf(defaults), maxUnavailableOf(defaults)], [1, 0]);
});

test('machineCountUpperBound takes max(spec, status) per MachineSet; statusSum is undefined when nothing reports', () => {
  const sets = [machineSet('a', 2, { status: { replicas: 4 } }), machineSet('b', 3, { status: { replicas: 1 } }), machineSet('c', 1, { status: {} })];
  assert.equal(machineCountUpperBound(sets), 4 + 3 + 1);
  assert.equal(statusSum(sets, 'replicas'), 5);
  assert.equal(statusSum(sets, 'availableReplicas'), undefined);
});

test('newMachineSetReplicas (RollingUpdate): bounded by replicas + maxSurge and by replicas', () => {
  const md = deployment({ replicas: 5, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
  const newMS = machineSet('new', 0, { status: {} });
  assert.deepEqual(newMachineSetReplicas(md, [machineSet('old', 5), newMS], 0), { replicas: 1, note: '5 current Machines < 5 MachineDeployment spec.replicas + 1 maxSurge' });
  assert.deepEqual(newMachineSetReplicas(md, [machineSet('old', 5), machineSet('new', 1)], 1), { replicas: 1, note: '6 current Machines >= 5 MachineDeployment spec.replicas + 1 maxSurge' });
  // A Machine still being deleted from the old MachineSet (status 4 > spec 3) keeps the surge slot taken.
  assert.equal(newMachineSetReplicas(md, [machineSet('old', 3, { status: { replicas: 4, availableReplicas: 3 } }), machineSet('new', 2)], 2).replicas, 2);
  const wide = deployment({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
  assert.equal(newMachineSetReplicas(wide, [machineSet('old', 10), machineSet('new', 0)], 0).replicas, 3);
  assert.equal(newMachineSetReplicas(wide, [machineSet('old', 1), machineSet('new', 8)], 8).replicas, 10, 'never above spec.replicas');
});

test('newMachineSetReplicas (OnDelete): grows only into room left by deleted Machines', () => {
  const md = deployment({ replicas: 4, strategy: { type: 'OnDelete' } });
  assert.deepEqual(newMachineSetReplicas(md, [machineSet('old', 4), machineSet('new', 0)], 0), { replicas: 0, note: '4 current Machines >= 4 MachineDeployment spec.replicas' });
  assert.deepEqual(newMachineSetReplicas(md, [machineSet('old', 2), machineSet('new', 1)], 1), { replicas: 2, note: '3 current Machines < 4 MachineDeployment spec.replicas' });
  assert.equal(newMachineSetReplicas(md, [machineSet('old', 2, { status: { replicas: 3 } }), machineSet('new', 1)], 1).replicas, 1, 'a Machine still deleting holds its slot');
});
