import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  listNames, machineSetDeletingCondition, machineSetReplicaCounts, machineSetScalingDownCondition, machineSetScalingUpCondition, machineSetStatus, staleDeletionMessage,
} from '../../../src/controllers/machine-set/status.ts';
import { machine } from './fixtures.ts';

const now = new Date('2025-01-01T01:00:00Z');

test('replica counters count Ready, Available and UpToDate Machines; deleting Machines still count as replicas', () => {
  const machines = [
    machine('a'),
    machine('b', { available: false }),
    machine('c', { ready: false, available: false, upToDate: false }),
    machine('d', { deletionTimestamp: '2025-01-01T00:59:00Z', ready: false, available: false }),
  ];
  assert.deepEqual(machineSetReplicaCounts(machines), { replicas: 4, readyReplicas: 2, availableReplicas: 1, upToDateReplicas: 3 });
  assert.deepEqual(machineSetReplicaCounts([]), { replicas: 0, readyReplicas: 0, availableReplicas: 0, upToDateReplicas: 0 });
});

test('ScalingUp: True with "Scaling up from X to Y replicas", blocked reasons listed; False otherwise', () => {
  assert.deepEqual(machineSetScalingUpCondition({ replicas: 3, machines: [machine('a')], now }),
    { type: 'ScalingUp', status: 'True', reason: 'ScalingUp', message: 'Scaling up from 1 to 3 replicas' });
  assert.deepEqual(machineSetScalingUpCondition({ replicas: 2, machines: [], now, missingTemplateKinds: ['ContainerMachineTemplate'], scaleUpBlockedBy: ['Cluster control plane is upgrading'] }), {
    type: 'ScalingUp', status: 'True', reason: 'ScalingUp',
    message: 'Scaling up from 0 to 2 replicas is blocked because:\n* Cluster control plane is upgrading\n* ContainerMachineTemplate does not exist',
  });
  assert.deepEqual(machineSetScalingUpCondition({ replicas: 1, machines: [machine('a')], now }), { type: 'ScalingUp', status: 'False', reason: 'NotScalingUp' });
  assert.deepEqual(machineSetScalingUpCondition({ replicas: 0, machines: [], now, missingTemplateKinds: ['KubeadmConfigTemplate', 'ContainerMachineTemplate'] }), {
    type: 'ScalingUp', status: 'False', reason: 'NotScalingUp', message: 'Scaling up would be blocked because KubeadmConfigTemplate and ContainerMachineTemplate do not exist',
  });
  assert.equal(machineSetScalingUpCondition({ replicas: 3, deleting: true, machines: [], now, missingTemplateKinds: ['X'] }).message, undefined, 'a deleting MachineSet wants 0');
});

test('ScalingDown: True while more Machines than wanted, mentions Machines stuck in deletion over 15m', () => {
  const machines = [machine('a'), machine('b', { deletionTimestamp: '2025-01-01T00:30:00Z' }), machine('c', { deletionTimestamp: '2025-01-01T00:50:00Z' })];
  assert.deepEqual(machineSetScalingDownCondition({ replicas: 1, machines, now }), {
    type: 'ScalingDown', status: 'True', reason: 'ScalingDown', message: 'Scaling down from 3 to 1 replicas\n* Machine b is in deletion since more than 15m',
  });
  assert.deepEqual(machineSetScalingDownCondition({ replicas: 3, machines, now }), { type: 'ScalingDown', status: 'False', reason: 'NotScalingDown' });
  assert.equal(machineSetScalingDownCondition({ replicas: 3, deleting: true, machines, now }).status, 'True');
});

test('stale deletion message lists at most 3 names, sorted', () => {
  const old = '2025-01-01T00:00:00Z';
  const machines = ['e', 'd', 'c', 'b', 'a'].map((name) => machine(name, { deletionTimestamp: old }));
  assert.equal(staleDeletionMessage(machines, now), 'Machines a, b, c, ... (2 more) are in deletion since more than 15m');
  assert.equal(staleDeletionMessage([machine('x')], now), undefined);
  assert.equal(listNames(['b', 'a']), 'a, b');
});

test('Deleting condition', () => {
  assert.deepEqual(machineSetDeletingCondition({ replicas: 1, machines: [], now }), { type: 'Deleting', status: 'False', reason: 'NotDeleting' });
  assert.equal(machineSetDeletingCondition({ replicas: 1, deleting: true, machines: [], now }).message, 'Deletion completed');
  assert.equal(machineSetDeletingCondition({ replicas: 1, deleting: true, machines: [machine('a')], now }).message, 'Deleting 1 Machine');
  assert.equal(machineSetDeletingCondition({ replicas: 1, deleting: true, machines: [machine('a'), machine('b')], now }).message, 'Deleting 2 Machines');
});

test('machineSetStatus combines counters and conditions', () => {
  const status = machineSetStatus({ replicas: 2, machines: [machine('a')], now });
  assert.equal(status.replicas, 1);
  assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['ScalingUp=True', 'ScalingDown=False', 'Deleting=False']);
});
