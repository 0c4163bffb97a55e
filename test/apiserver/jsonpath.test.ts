import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateJsonPath } from '../../src/apiserver/jsonpath.ts';

const machine = {
  metadata: { name: 'm1', labels: { 'cluster.x-k8s.io/cluster-name': 'prod', cluster: { x: 'nested' } } },
  status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Available', status: 'False' }], addresses: [{ address: '10.0.0.1' }] },
};

test('printer-column paths: fields, escaped dots in keys, indices, filters', () => {
  assert.deepEqual(evaluateJsonPath(machine, ".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']"), ['prod']);
  assert.deepEqual(evaluateJsonPath(machine, '.metadata.labels.cluster\\.x-k8s\\.io/cluster-name'), ['prod']);
  assert.deepEqual(evaluateJsonPath(machine, ".metadata.labels['cluster'].x"), ['nested']);
  assert.deepEqual(evaluateJsonPath(machine, '.status.addresses[0].address'), ['10.0.0.1']);
  assert.deepEqual(evaluateJsonPath(machine, '.status.conditions[?(@.type=="Available")].status'), ['False']);
  assert.deepEqual(evaluateJsonPath(machine, '.metadata.name'), ['m1']);
});
