// Cluster API's defaulting of MachineSet and MachineDeployment selectors and template labels, and the set-name
// label value of a long MachineSet name (checked against Cluster API's own test vector).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameLabelValue } from '../../../src/controllers/machine-set/name-label-value.ts';
import { selectorDefaultsPatch, type SelectingSpec } from '../../../src/controllers/machine-set/selector-defaults.ts';

const nameLabel = 'cluster.x-k8s.io/deployment-name';
const spec = (selector: SelectingSpec['selector'], labels?: Record<string, string>): SelectingSpec => ({ clusterName: 'c1', selector, template: { metadata: { labels } } });

test('an empty selector gets the name and cluster-name labels, and so does the template', () => {
  assert.deepEqual(selectorDefaultsPatch(spec({}, { pool: 'a' }), nameLabel, 'md'), {
    selector: { matchLabels: { [nameLabel]: 'md', 'cluster.x-k8s.io/cluster-name': 'c1' } },
    template: { metadata: { labels: { [nameLabel]: 'md', 'cluster.x-k8s.io/cluster-name': 'c1' } } },
  });
  assert.deepEqual(selectorDefaultsPatch(spec({ matchLabels: {}, matchExpressions: [] }), nameLabel, 'md'), {
    selector: { matchLabels: { [nameLabel]: 'md', 'cluster.x-k8s.io/cluster-name': 'c1' }, matchExpressions: [] },
    template: { metadata: { labels: { [nameLabel]: 'md', 'cluster.x-k8s.io/cluster-name': 'c1' } } },
  });
});

test('a selector that selects something keeps it, and gets only the cluster-name label', () => {
  const expressions = [{ key: 'tier', operator: 'In', values: ['a'] }];
  assert.deepEqual(selectorDefaultsPatch(spec({ matchExpressions: expressions }, { tier: 'a' }), nameLabel, 'md'), {
    selector: { matchExpressions: expressions, matchLabels: { 'cluster.x-k8s.io/cluster-name': 'c1' } },
    template: { metadata: { labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } } },
  });
  assert.deepEqual(selectorDefaultsPatch(spec({ matchLabels: { tier: 'a', 'cluster.x-k8s.io/cluster-name': 'c1' } }, { tier: 'a', 'cluster.x-k8s.io/cluster-name': 'c1' }), nameLabel, 'md'), undefined);
});

test('a wrong cluster-name label is corrected on both', () => {
  assert.deepEqual(selectorDefaultsPatch(spec({ matchLabels: { 'cluster.x-k8s.io/cluster-name': 'other' } }, { 'cluster.x-k8s.io/cluster-name': 'other' }), nameLabel, 'md'), {
    selector: { matchLabels: { 'cluster.x-k8s.io/cluster-name': 'c1' } },
    template: { metadata: { labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } } },
  });
});

test('a name longer than a label value allows becomes Cluster API\'s hash; a shorter one stays as it is', () => {
  assert.equal(nameLabelValue('machineSetName'), 'machineSetName');
  assert.equal(nameLabelValue('x'.repeat(63)), 'x'.repeat(63));
  assert.equal(nameLabelValue('machineSetName'.repeat(12)), 'hash_FR_ghQ_z');
});
