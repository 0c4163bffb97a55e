import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DELETE_MACHINE_ANNOTATION, deletionBucket, isMachineHealthy, parseDeletionOrder, selectMachinesToDelete, sortMachinesForDeletion,
} from '../../../src/controllers/machine-set/deletion-order.ts';
import { machine } from './fixtures.ts';

const names = (machines: { name: string }[]): string[] => machines.map((m) => m.name);

test('parseDeletionOrder defaults to Random and rejects unknown orders', () => {
  assert.equal(parseDeletionOrder(undefined), 'Random');
  assert.equal(parseDeletionOrder(''), 'Random');
  assert.equal(parseDeletionOrder('Newest'), 'Newest');
  assert.equal(parseDeletionOrder('Oldest'), 'Oldest');
  assert.throws(() => parseDeletionOrder('oldest'), /unsupported deletion order "oldest": must be one of 'Random', 'Newest', or 'Oldest'/);
});

test('a Machine is unhealthy without nodeRef, with NodeHealthy=False or HealthCheckSucceeded=False; Unknown is not unhealthy', () => {
  assert.equal(isMachineHealthy(machine('a')), true);
  assert.equal(isMachineHealthy(machine('a', { hasNodeRef: false })), false);
  assert.equal(isMachineHealthy(machine('a', { nodeHealthy: 'False' })), false);
  assert.equal(isMachineHealthy(machine('a', { healthCheckSucceeded: 'False' })), false);
  assert.equal(isMachineHealthy(machine('a', { nodeHealthy: 'Unknown', healthCheckSucceeded: 'Unknown' })), true);
});

test('buckets: deleting > delete annotation > unhealthy > healthy, whatever the policy', () => {
  const machines = [
    machine('healthy-old', { creationTimestamp: '2020-01-01T00:00:00Z' }),
    machine('unhealthy', { nodeHealthy: 'False' }),
    machine('annotated', { annotations: { [DELETE_MACHINE_ANNOTATION]: '' } }),
    machine('healthy-new', { creationTimestamp: '2030-01-01T00:00:00Z' }),
    machine('deleting', { deletionTimestamp: '2025-01-02T00:00:00Z' }),
    machine('no-node', { hasNodeRef: false }),
  ];
  assert.deepEqual(names(sortMachinesForDeletion(machines, 'Oldest')), ['deleting', 'annotated', 'no-node', 'unhealthy', 'healthy-old', 'healthy-new']);
  assert.deepEqual(names(sortMachinesForDeletion(machines, 'Newest')), ['deleting', 'annotated', 'no-node', 'unhealthy', 'healthy-new', 'healthy-old']);
  assert.deepEqual(names(sortMachinesForDeletion(machines, 'Random')).slice(0, 4), ['deleting', 'annotated', 'no-node', 'unhealthy']);
  assert.deepEqual(machines.map(deletionBucket), [3, 2, 1, 3, 0, 2]);
});

test('the delete annotation beats unhealthiness but not an ongoing deletion; an annotated unhealthy Machine stays in the annotation bucket', () => {
  const machines = [
    machine('z-unhealthy', { hasNodeRef: false }),
    machine('y-annotated', { annotations: { [DELETE_MACHINE_ANNOTATION]: 'true' } }),
    machine('x-annotated-unhealthy', { annotations: { [DELETE_MACHINE_ANNOTATION]: 'yes' }, nodeHealthy: 'False' }),
    machine('w-deleting-annotated', { deletionTimestamp: '2025-01-02T00:00:00Z', annotations: { [DELETE_MACHINE_ANNOTATION]: '' } }),
  ];
  assert.deepEqual(names(selectMachinesToDelete(machines, 3, 'Newest')), ['w-deleting-annotated', 'x-annotated-unhealthy', 'y-annotated']);
});

test('Oldest and Newest order healthy Machines by creationTimestamp, ties by name; missing timestamp is last for Oldest, first for Newest', () => {
  const machines = [
    machine('b', { creationTimestamp: '2025-03-01T00:00:00Z' }),
    machine('a', { creationTimestamp: '2025-03-01T00:00:00Z' }),
    machine('c', { creationTimestamp: '2024-01-01T00:00:00Z' }),
    machine('d', { creationTimestamp: '2025-06-01T00:00:00.500Z' }),
    machine('e', { creationTimestamp: undefined }),
  ];
  assert.deepEqual(names(sortMachinesForDeletion(machines, 'Oldest')), ['c', 'a', 'b', 'd', 'e']);
  assert.deepEqual(names(sortMachinesForDeletion(machines, 'Newest')), ['e', 'd', 'a', 'b', 'c']);
});

test('Oldest keeps telling apart Machines that are years old (no saturating priority)', () => {
  const machines = [machine('a', { creationTimestamp: '2015-01-02T00:00:00Z' }), machine('b', { creationTimestamp: '2015-01-01T00:00:00Z' })];
  assert.deepEqual(names(selectMachinesToDelete(machines, 1, 'Oldest')), ['b']);
});

test('Random without seed falls back to name order (as Cluster API); with a seed it is a deterministic shuffle', () => {
  const machines = Array.from({ length: 12 }, (_, i) => machine(`m${String(i).padStart(2, '0')}`));
  const byName = names(machines);
  assert.deepEqual(names(sortMachinesForDeletion([...machines].reverse(), 'Random')), byName);
  const seeded = names(sortMachinesForDeletion(machines, 'Random', 7));
  assert.deepEqual(names(sortMachinesForDeletion([...machines].reverse(), 'Random', 7)), seeded, 'independent of input order');
  assert.notDeepEqual(seeded, byName);
  assert.notDeepEqual(names(sortMachinesForDeletion(machines, 'Random', 8)), seeded, 'another seed, another order');
  assert.deepEqual([...seeded].sort(), byName, 'a permutation');
  // Removing a Machine does not reshuffle the others.
  const without = names(sortMachinesForDeletion(machines.filter((m) => m.name !== seeded[0]), 'Random', 7));
  assert.deepEqual(without, seeded.slice(1));
});

test('selectMachinesToDelete: count 0 or negative selects nothing, count above size selects all, input untouched', () => {
  const machines = [machine('b'), machine('a', { hasNodeRef: false })];
  const snapshot = structuredClone(machines);
  assert.deepEqual(selectMachinesToDelete(machines, 0, 'Random'), []);
  assert.deepEqual(selectMachinesToDelete(machines, -1, 'Random'), []);
  assert.deepEqual(names(selectMachinesToDelete(machines, 5, 'Random')), ['a', 'b']);
  assert.deepEqual(selectMachinesToDelete([], 3, 'Oldest'), []);
  assert.deepEqual(machines, snapshot);
});

test('all Machines unhealthy: ordered by name within the unhealthy bucket regardless of policy', () => {
  const machines = [machine('c', { hasNodeRef: false }), machine('a', { nodeHealthy: 'False', creationTimestamp: '2030-01-01T00:00:00Z' }), machine('b', { healthCheckSucceeded: 'False' })];
  for (const order of ['Random', 'Newest', 'Oldest'] as const) {
    assert.deepEqual(names(selectMachinesToDelete(machines, 2, order, 3)), ['a', 'b'], order);
  }
});
