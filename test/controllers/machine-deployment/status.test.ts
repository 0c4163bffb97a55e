import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  availableCondition, isDeploymentComplete, machineDeploymentPhase, machineDeploymentReplicaCounts, machineDeploymentStatus, rollingOutCondition, scalingDownCondition, scalingUpCondition,
} from '../../../src/controllers/machine-deployment/status.ts';
import { machine } from '../machine-set/fixtures.ts';
import { deployment, machineSet } from './fixtures.ts';

const now = new Date('2025-01-01T01:00:00Z');

test('counters sum the MachineSets and stay undefined until reported', () => {
  assert.deepEqual(machineDeploymentReplicaCounts([machineSet('a', 2), machineSet('b', 3, { status: { replicas: 3, availableReplicas: 1 } })]),
    { replicas: 5, readyReplicas: 2, availableReplicas: 3, upToDateReplicas: 2 });
  assert.deepEqual(machineDeploymentReplicaCounts([]), { replicas: undefined, readyReplicas: undefined, availableReplicas: undefined, upToDateReplicas: undefined });
});

test('Available needs spec.replicas − maxUnavailable available replicas', () => {
  const md = deployment({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
  assert.deepEqual(availableCondition(md, { availableReplicas: 8 }), { type: 'Available', status: 'True', reason: 'Available' });
  assert.deepEqual(availableCondition(md, { availableReplicas: 7 }), {
    type: 'Available', status: 'False', reason: 'NotAvailable',
    message: '7 available replicas, at least 8 required (spec.rollout.strategy.rollingUpdate.maxUnavailable is 25%, spec.replicas is 10)',
  });
  assert.equal(availableCondition(md, {}).status, 'Unknown');
  assert.equal(availableCondition({ ...md, deletionTimestamp: '2025-01-01T00:00:00Z' }, { availableReplicas: 0 }).message, 'Deletion in progress');
  const onDelete = deployment({ replicas: 3, strategy: { type: 'OnDelete' } });
  assert.deepEqual(availableCondition(onDelete, { availableReplicas: 2 }).message, '2 available replicas, at least 3 required');
  assert.equal(availableCondition(deployment({ replicas: 0 }), { availableReplicas: 0 }).status, 'True', '0 replicas are always available');
});

test('RollingOut counts not-up-to-date Machines and lists reasons, version first', () => {
  assert.deepEqual(rollingOutCondition([machine('a')]), { type: 'RollingOut', status: 'False', reason: 'NotRollingOut' });
  const machines = [
    machine('a', { upToDate: false, notUpToDateReasons: ['* ContainerMachine is not up-to-date', '* Version v1.30.0, v1.31.0 required'] }),
    machine('b', { upToDate: false, notUpToDateReasons: ['* Version v1.30.0, v1.31.0 required'] }),
    machine('c'),
  ];
  assert.deepEqual(rollingOutCondition(machines), {
    type: 'RollingOut', status: 'True', reason: 'RollingOut',
    message: 'Rolling out 2 not up-to-date replicas\n* Version v1.30.0, v1.31.0 required\n* ContainerMachine is not up-to-date',
  });
});

test('ScalingUp / ScalingDown compare status.replicas with spec.replicas (0 when deleting)', () => {
  const md = deployment({ replicas: 3 });
  assert.deepEqual(scalingUpCondition(md, { replicas: 1 }), { type: 'ScalingUp', status: 'True', reason: 'ScalingUp', message: 'Scaling up from 1 to 3 replicas' });
  assert.equal(scalingUpCondition(md, {}, ['ContainerMachineTemplate']).message, 'Scaling up from 0 to 3 replicas is blocked because ContainerMachineTemplate does not exist');
  assert.deepEqual(scalingUpCondition(md, { replicas: 3 }), { type: 'ScalingUp', status: 'False', reason: 'NotScalingUp' });
  assert.deepEqual(scalingDownCondition(md, { replicas: 5 }, [], now), { type: 'ScalingDown', status: 'True', reason: 'ScalingDown', message: 'Scaling down from 5 to 3 replicas' });
  assert.equal(scalingDownCondition({ ...md, deletionTimestamp: '2025-01-01T00:00:00Z' }, { replicas: 3 }, [], now).message, 'Scaling down from 3 to 0 replicas');
  assert.deepEqual(scalingDownCondition(md, { replicas: 3 }, [], now), { type: 'ScalingDown', status: 'False', reason: 'NotScalingDown' });
});

test('phase and completeness', () => {
  const md = deployment({ replicas: 3, generation: 2 });
  assert.equal(machineDeploymentPhase(md, { replicas: 3 }), 'Running');
  assert.equal(machineDeploymentPhase(md, { replicas: 4 }), 'ScalingDown');
  assert.equal(machineDeploymentPhase(md, {}), 'ScalingUp');
  assert.equal(machineDeploymentPhase({ ...md, deletionTimestamp: '2025-01-01T00:00:00Z' }, { replicas: 3 }), 'ScalingDown');
  const done = { replicas: 3, availableReplicas: 3, upToDateReplicas: 3 };
  assert.equal(isDeploymentComplete(md, done, 2), true);
  assert.equal(isDeploymentComplete(md, done, 1), false, 'status not caught up with the spec');
  assert.equal(isDeploymentComplete(md, { ...done, upToDateReplicas: 2 }, 2), false);
  assert.equal(isDeploymentComplete(md, { ...done, replicas: 4 }, 2), false, 'an old Machine still exists');
});

test('machineDeploymentStatus assembles everything', () => {
  const status = machineDeploymentStatus({ md: deployment({ replicas: 3 }), machineSets: [machineSet('a', 3)], machines: [machine('a1'), machine('a2'), machine('a3')], now });
  assert.equal(status.phase, 'Running');
  assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['Available=True', 'RollingOut=False', 'ScalingUp=False', 'ScalingDown=False']);
});
