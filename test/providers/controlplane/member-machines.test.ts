// When a rollout replaces an etcd member's Machine: another etcd version or template, made before
// rollout.after, or certificates expiring within rollout.before.certificatesExpiryDays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outdatedReason, type EtcdClusterObject, type MachineObject } from '../../../src/providers/controlplane/etcd/member-machines.ts';
import { etcdVersionAnnotation } from '../../../src/providers/controlplane/etcd/resources.ts';

const now = Date.parse('2026-11-23T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

function etcdCluster(rollout: EtcdClusterObject['spec']['rollout'] = undefined): EtcdClusterObject {
  return {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'etcd', namespace: 'default' },
    spec: {
      replicas: 3, version: '3.4.23',
      machineTemplate: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachineTemplate', name: 'etcd-v2' } } },
      ...(rollout ? { rollout } : {}),
    },
  } as EtcdClusterObject;
}

function member(options: { version?: string; template?: string; created?: string; certificatesExpiry?: string } = {}): MachineObject {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine',
    metadata: {
      name: 'etcd-bcdfg', namespace: 'default', creationTimestamp: options.created ?? '2026-11-01T00:00:00Z',
      annotations: { [etcdVersionAnnotation]: options.version ?? '3.4.23', 'cluster.x-k8s.io/cloned-from-name': options.template ?? 'etcd-v2' },
    },
    spec: { clusterName: 'c', bootstrap: {}, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachine', name: 'etcd-bcdfg' } },
    ...(options.certificatesExpiry ? { status: { certificatesExpiryDate: options.certificatesExpiry } } : {}),
  } as MachineObject;
}

test('a member made from the current version and template is up to date', () => {
  assert.equal(outdatedReason(etcdCluster(), member(), now), undefined);
});

test('another etcd version or template is rolled out, saying which', () => {
  assert.equal(outdatedReason(etcdCluster(), member({ version: '3.4.22' }), now), 'it runs etcd 3.4.22, not 3.4.23');
  assert.equal(outdatedReason(etcdCluster(), member({ template: 'etcd-v1' }), now), 'it was made from ContainerMachineTemplate etcd-v1, not etcd-v2');
});

test('rollout.after replaces members created before it, once it has come', () => {
  assert.equal(outdatedReason(etcdCluster({ after: '2026-11-20T00:00:00Z' }), member(), now), 'it was created before rollout.after (2026-11-20T00:00:00Z)');
  assert.equal(outdatedReason(etcdCluster({ after: '2026-12-20T00:00:00Z' }), member(), now), undefined, 'not before the time');
  assert.equal(outdatedReason(etcdCluster({ after: '2026-11-20T00:00:00Z' }), member({ created: '2026-11-21T00:00:00Z' }), now), undefined, 'not a member made after it');
});

test('rollout.before.certificatesExpiryDays replaces members whose certificates expire within that many days', () => {
  const inDays = (days: number) => new Date(now + days * DAY_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  const within = etcdCluster({ before: { certificatesExpiryDays: 30 } });
  assert.equal(outdatedReason(within, member({ certificatesExpiry: inDays(29) }), now), `its certificates expire on ${inDays(29)}, within rollout.before.certificatesExpiryDays (30)`);
  assert.match(outdatedReason(within, member({ certificatesExpiry: inDays(-1) }), now) ?? '', /its certificates expire on/, 'expired already');
  assert.equal(outdatedReason(within, member({ certificatesExpiry: inDays(31) }), now), undefined, 'expiring later');
  assert.equal(outdatedReason(within, member(), now), undefined, 'no recorded expiry');
  assert.equal(outdatedReason(etcdCluster(), member({ certificatesExpiry: inDays(1) }), now), undefined, 'without the setting');
});
