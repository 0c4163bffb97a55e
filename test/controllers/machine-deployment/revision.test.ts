import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DISABLE_MACHINE_CREATE_ANNOTATION } from '../../../src/controllers/machine-set/replica-sync.ts';
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION, desiredMachineSetAnnotations, intAnnotation } from '../../../src/controllers/machine-deployment/machine-set-annotations.ts';
import { REVISION_ANNOTATION, maxRevision, newMachineSetRevision, revisionOf } from '../../../src/controllers/machine-deployment/revision.ts';
import { deployment } from './fixtures.ts';

const withRevision = (name: string, revision?: string): { name: string; annotations: Record<string, string> } =>
  ({ name, annotations: revision === undefined ? {} : { [REVISION_ANNOTATION]: revision } });

test('revisionOf: 0 when absent, error on garbage', () => {
  assert.equal(revisionOf(withRevision('a')), 0);
  assert.equal(revisionOf(withRevision('a', '12')), 12);
  assert.throws(() => revisionOf(withRevision('a', 'x1')), /MachineSet a has an invalid machinedeployment.clusters.x-k8s.io\/revision annotation "x1"/);
});

test('maxRevision skips unparsable annotations', () => {
  assert.equal(maxRevision([withRevision('a', '3'), withRevision('b', 'bad'), withRevision('c', '7'), withRevision('d')]), 7);
  assert.equal(maxRevision([]), 0);
});

test('the new MachineSet gets max(old)+1, never less than it already has', () => {
  assert.equal(newMachineSetRevision(undefined, []), '1');
  assert.equal(newMachineSetRevision(undefined, [withRevision('a', '1'), withRevision('b', '4')]), '5');
  assert.equal(newMachineSetRevision(withRevision('n', '9'), [withRevision('a', '4')]), '9', 'old ones deleted since');
  assert.equal(newMachineSetRevision(withRevision('n', '2'), [withRevision('a', '4')]), '5', 'reverted template: fresh revision');
});

test('MachineSet annotations: copied from the MachineDeployment minus bookkeeping, plus replica and creation annotations', () => {
  const md = deployment({
    replicas: 10,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    annotations: { team: 'a', [REVISION_ANNOTATION]: '3', 'kubectl.kubernetes.io/last-applied-configuration': '{}', [DESIRED_REPLICAS_ANNOTATION]: '1' },
  });
  assert.deepEqual(desiredMachineSetAnnotations(md, undefined, { current: true, revision: '4' }), {
    team: 'a', [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13', [REVISION_ANNOTATION]: '4', [DISABLE_MACHINE_CREATE_ANNOTATION]: 'false',
  });
  assert.deepEqual(desiredMachineSetAnnotations(md, withRevision('old', '2'), { current: false }), {
    team: 'a', [DESIRED_REPLICAS_ANNOTATION]: '10', [MAX_REPLICAS_ANNOTATION]: '13', [REVISION_ANNOTATION]: '2', [DISABLE_MACHINE_CREATE_ANNOTATION]: 'false',
  });
  const onDelete = deployment({ replicas: 3, strategy: { type: 'OnDelete' } });
  const old = desiredMachineSetAnnotations(onDelete, withRevision('old'), { current: false });
  assert.deepEqual(old, { [DESIRED_REPLICAS_ANNOTATION]: '3', [MAX_REPLICAS_ANNOTATION]: '3', [DISABLE_MACHINE_CREATE_ANNOTATION]: 'true' });
});

test('intAnnotation', () => {
  assert.equal(intAnnotation({ a: '12' }, 'a'), 12);
  assert.equal(intAnnotation({ a: '1.5' }, 'a'), undefined);
  assert.equal(intAnnotation(undefined, 'a'), undefined);
});
