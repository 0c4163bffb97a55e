import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findNewAndOldMachineSets, isRolloutDue, newMachineSetName } from '../../../src/controllers/machine-deployment/new-machine-set.ts';
import { deployment, machineSet } from './fixtures.ts';

const now = new Date('2025-06-01T00:00:00Z');
const oldTemplate = { spec: { version: 'v1.30.0' } };

test('no MachineSets: create one', () => {
  assert.deepEqual(findNewAndOldMachineSets(deployment(), [], now), { newMS: undefined, oldMSs: [], createReason: 'no MachineSets exist for the MachineDeployment' });
});

test('the matching MachineSet is new, ignoring in-place fields; the rest are old', () => {
  const md = deployment({ template: { metadata: { labels: { a: 'b' } }, spec: { version: 'v1.31.0', minReadySeconds: 30 } } });
  const current = machineSet('current', 1);
  const old = machineSet('old', 2, { template: oldTemplate });
  const result = findNewAndOldMachineSets(md, [old, current], now);
  assert.equal(result.newMS, current);
  assert.deepEqual(result.oldMSs, [old]);
  assert.equal(result.createReason, undefined);
});

test('no match: explain which MachineSets need a rollout', () => {
  const result = findNewAndOldMachineSets(deployment(), [machineSet('a', 1, { template: oldTemplate })], now);
  assert.equal(result.newMS, undefined);
  assert.equal(result.createReason, "couldn't find MachineSet matching MachineDeployment spec template: MachineSet a needs rollout: Version v1.30.0, v1.31.0 required");
});

test('several matches: most replicas wins, then the oldest; others become old', () => {
  const small = machineSet('small', 1);
  const bigNew = machineSet('big-new', 3, { creationTimestamp: '2025-02-01T00:00:00Z' });
  const bigOld = machineSet('big-old', 3, { creationTimestamp: '2025-01-01T00:00:00Z' });
  const result = findNewAndOldMachineSets(deployment(), [small, bigNew, bigOld], now);
  assert.equal(result.newMS, bigOld);
  assert.deepEqual(result.oldMSs.map((ms) => ms.name), ['big-new', 'small']);
});

test('rolloutAfter: before it nothing changes; once passed only a MachineSet created at/after it can be new', () => {
  const ms = machineSet('ms', 3, { creationTimestamp: '2025-01-01T00:00:00Z' });
  const md = deployment({ rolloutAfter: '2025-05-01T00:00:00Z' });
  assert.equal(findNewAndOldMachineSets(md, [ms], new Date('2025-04-30T23:59:59Z')).newMS, ms);
  const due = findNewAndOldMachineSets(md, [ms], new Date('2025-05-01T00:00:00Z'));
  assert.equal(due.newMS, undefined);
  assert.deepEqual(due.oldMSs, [ms]);
  assert.equal(due.createReason, 'spec.rollout.after on MachineDeployment set to 2025-05-01T00:00:00Z, no MachineSet has been created afterwards');
  const replacement = machineSet('replacement', 0, { creationTimestamp: '2025-05-01T00:00:00Z' });
  const after = findNewAndOldMachineSets(md, [ms, replacement], now);
  assert.equal(after.newMS, replacement);
  assert.deepEqual(after.oldMSs, [ms]);
});

test('isRolloutDue', () => {
  const ms = { creationTimestamp: '2025-01-01T00:00:00Z' };
  assert.equal(isRolloutDue(undefined, ms, now), false);
  assert.equal(isRolloutDue('2025-07-01T00:00:00Z', ms, now), false, 'not yet');
  assert.equal(isRolloutDue('2025-06-01T00:00:00Z', ms, now), true, 'now ≥ rolloutAfter');
  assert.equal(isRolloutDue('2024-12-31T00:00:00Z', ms, now), false, 'created after rolloutAfter');
  assert.throws(() => isRolloutDue('soon', ms, now), /invalid spec.rollout.after "soon"/);
});

test('newMachineSetName keeps names within 63 characters', () => {
  assert.equal(newMachineSetName('md', 'x7k2p'), 'md-x7k2p');
  const long = newMachineSetName('m'.repeat(80), 'abcde');
  assert.equal(long.length, 63);
  assert.ok(long.endsWith('abcde'));
  assert.throws(() => newMachineSetName('md', 'ABC'), /5 lowercase alphanumerics/);
});
