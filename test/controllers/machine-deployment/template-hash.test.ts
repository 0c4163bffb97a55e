import assert from 'node:assert/strict';
import { test } from 'node:test';
import { machineTemplateHash, machineTemplateHashLabelValue, machineTemplateUpToDate, rolloutSpec } from '../../../src/controllers/machine-deployment/template-hash.ts';
import type { MachineTemplateView } from '../../../src/controllers/machine-deployment/template-hash.ts';

const base: MachineTemplateView = {
  metadata: { labels: { role: 'worker' }, annotations: { note: 'a' } },
  spec: {
    clusterName: 'c1',
    version: 'v1.31.0',
    bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfigTemplate', name: 'boot-1' } },
    infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachineTemplate', name: 'infra-1' },
    failureDomain: 'fd-1',
    minReadySeconds: 0,
    deletion: { nodeDrainTimeoutSeconds: 10 },
  },
};

test('the hash is stable, decimal, and independent of key order', () => {
  const reordered: MachineTemplateView = { spec: { failureDomain: 'fd-1', infrastructureRef: { name: 'infra-1', kind: 'ContainerMachineTemplate', apiGroup: 'infrastructure.cluster.x-k8s.io' }, version: 'v1.31.0', bootstrap: base.spec.bootstrap } };
  assert.match(machineTemplateHash(base), /^\d+$/);
  assert.equal(machineTemplateHash(reordered), machineTemplateHash(base));
  assert.equal(machineTemplateHash(base), machineTemplateHash(structuredClone(base)));
  assert.equal(machineTemplateHashLabelValue(base, 'abcde'), `${machineTemplateHash(base)}-abcde`);
});

test('in-place mutable fields do not change the hash', () => {
  const inPlace: MachineTemplateView = {
    metadata: { labels: { role: 'other' }, annotations: {} },
    spec: {
      ...base.spec,
      clusterName: 'renamed',
      providerID: 'x://1',
      minReadySeconds: 60,
      readinessGates: [{ conditionType: 'Foo' }],
      taints: [{ key: 'k', effect: 'NoSchedule' }],
      deletion: { nodeDrainTimeoutSeconds: 99, nodeVolumeDetachTimeoutSeconds: 5, nodeDeletionTimeoutSeconds: 7 },
    },
  };
  assert.equal(machineTemplateHash(inPlace), machineTemplateHash(base));
  assert.deepEqual(Object.keys(rolloutSpec(inPlace)).sort(), ['bootstrap', 'failureDomain', 'infrastructureRef', 'version']);
});

test('rollout fields (and unknown spec fields) change the hash', () => {
  const variants: MachineTemplateView[] = [
    { spec: { ...base.spec, version: 'v1.32.0' } },
    { spec: { ...base.spec, failureDomain: 'fd-2' } },
    { spec: { ...base.spec, infrastructureRef: { ...base.spec.infrastructureRef!, name: 'infra-2' } } },
    { spec: { ...base.spec, bootstrap: { dataSecretName: 's' } } },
    { spec: { ...base.spec, deletion: { nodeDrainTimeoutSeconds: 10, somethingNew: true } } },
    { spec: { ...base.spec, extra: { a: 1 } } },
  ];
  const hashes = new Set(variants.map(machineTemplateHash));
  assert.equal(hashes.size, variants.length);
  assert.ok(!hashes.has(machineTemplateHash(base)));
});

test('empty objects, empty arrays and nulls are the same as absent fields', () => {
  assert.equal(machineTemplateHash({ spec: { version: 'v1', deletion: {}, extra: [], other: null } }), machineTemplateHash({ spec: { version: 'v1' } }));
});

test('machineTemplateUpToDate explains differences like Cluster API', () => {
  assert.deepEqual(machineTemplateUpToDate(base, { metadata: {}, spec: { ...base.spec, minReadySeconds: 30 } }), { upToDate: true, reasons: [] });
  const desired: MachineTemplateView = {
    spec: {
      ...base.spec,
      version: 'v1.32.0',
      bootstrap: { configRef: { ...base.spec.bootstrap!.configRef!, name: 'boot-2' } },
      infrastructureRef: { ...base.spec.infrastructureRef!, name: 'infra-2' },
      failureDomain: 'fd-2',
      extra: 1,
    },
  };
  assert.deepEqual(machineTemplateUpToDate(base, desired).reasons, [
    'Version v1.31.0, v1.32.0 required',
    'KubeadmConfig is not up-to-date',
    'ContainerMachine is not up-to-date',
    'Failure domain fd-1, fd-2 required',
    'spec.extra is not up-to-date',
  ]);
  const secret = machineTemplateUpToDate({ spec: { bootstrap: { dataSecretName: 'a' } } }, { spec: { bootstrap: { dataSecretName: 'b' } } });
  assert.deepEqual(secret, { upToDate: false, reasons: ['spec.bootstrap.dataSecretName a, b required'] });
});
