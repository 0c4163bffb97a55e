import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DISABLE_MACHINE_CREATE_ANNOTATION, planReplicaSync } from '../../../src/controllers/machine-set/replica-sync.ts';
import { machine } from './fixtures.ts';

test('creates the missing Machines', () => {
  assert.deepEqual(planReplicaSync({ replicas: 3, deletionOrder: 'Random', machines: [machine('a')] }), { kind: 'create', count: 2 });
});

test('does not create when disable-machine-create is "true" (only that exact value)', () => {
  const base = { replicas: 2, deletionOrder: 'Random' as const, machines: [] };
  assert.deepEqual(planReplicaSync({ ...base, annotations: { [DISABLE_MACHINE_CREATE_ANNOTATION]: 'true' } }), { kind: 'createDisabled', count: 2 });
  assert.deepEqual(planReplicaSync({ ...base, annotations: { [DISABLE_MACHINE_CREATE_ANNOTATION]: 'false' } }), { kind: 'create', count: 2 });
});

test('nothing to do at the right size, including 0 replicas and no Machines', () => {
  assert.deepEqual(planReplicaSync({ replicas: 0, deletionOrder: 'Random', machines: [] }), { kind: 'none' });
  assert.deepEqual(planReplicaSync({ replicas: 1, deletionOrder: 'Random', machines: [machine('a')] }), { kind: 'none' });
});

test('scale-down counts Machines already being deleted and waits for them instead of deleting more', () => {
  const machines = [machine('a'), machine('b'), machine('c', { deletionTimestamp: '2025-01-02T00:00:00Z' })];
  const action = planReplicaSync({ replicas: 1, deletionOrder: 'Oldest', machines });
  assert.equal(action.kind, 'delete');
  if (action.kind !== 'delete') return;
  assert.deepEqual(action.waitingFor.map((m) => m.name), ['c']);
  assert.deepEqual(action.toDelete.map((m) => m.name), ['a']);
  const waitOnly = planReplicaSync({ replicas: 2, deletionOrder: 'Oldest', machines });
  assert.deepEqual(waitOnly.kind === 'delete' && [waitOnly.toDelete.length, waitOnly.waitingFor.length], [0, 1]);
});

test('scale to zero deletes everything', () => {
  const action = planReplicaSync({ replicas: 0, deletionOrder: 'Random', machines: [machine('a'), machine('b')] });
  assert.deepEqual(action.kind === 'delete' && action.toDelete.map((m) => m.name), ['a', 'b']);
});

test('rejects invalid spec.replicas', () => {
  assert.throws(() => planReplicaSync({ replicas: -1, deletionOrder: 'Random', machines: [] }), /spec.replicas must be a non-negative integer, got -1/);
  assert.throws(() => planReplicaSync({ replicas: 1.5, deletionOrder: 'Random', machines: [] }), /non-negative integer/);
});
