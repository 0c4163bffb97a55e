// When a rollout replaces an etcd member's Machine: another etcd version, template or member settings,
// made before rollout.after, or certificates expiring within rollout.before.certificatesExpiryDays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outdatedReasons, type EtcdClusterObject, type EtcdConfigObject, type MachineObject } from '../../../src/providers/controlplane/etcd/member-machines.ts';
import { etcdVersionAnnotation } from '../../../src/providers/controlplane/etcd/resources.ts';

const now = Date.parse('2026-11-23T12:00:00Z');
const DAY_MS = 24 * 60 * 60 * 1000;

function etcdCluster(rollout: EtcdClusterObject['spec']['rollout'] = undefined, etcdConfigSpec?: EtcdClusterObject['spec']['etcdConfigSpec']): EtcdClusterObject {
  return {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'etcd', namespace: 'default' },
    spec: {
      replicas: 3, version: '3.4.23',
      machineTemplate: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'ContainerMachineTemplate', name: 'etcd-v2' } } },
      ...(rollout ? { rollout } : {}),
      ...(etcdConfigSpec ? { etcdConfigSpec } : {}),
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

/** The member's EtcdConfig as the EtcdCluster made it: its etcdConfigSpec and the member's own fields. */
function config(shared: EtcdClusterObject['spec']['etcdConfigSpec'] = {}): EtcdConfigObject {
  return {
    apiVersion: 'bootstrap.cluster.x-k8s.io/v1alpha1', kind: 'EtcdConfig', metadata: { name: 'etcd-bcdfg', namespace: 'default' },
    spec: { ...shared, version: '3.4.23', initialClusterState: 'existing', initialCluster: [{ name: 'etcd-hjklm' }] },
  } as EtcdConfigObject;
}

/** The one reason, or undefined when there is none. */
const reason = (cluster: EtcdClusterObject, machine: MachineObject, etcdConfig?: EtcdConfigObject) => {
  const reasons = outdatedReasons(cluster, machine, etcdConfig, now);
  assert.ok(reasons.length <= 1, reasons.join('; '));
  return reasons[0];
};

test('a member made from the current version, template and member settings is up to date', () => {
  assert.equal(reason(etcdCluster(), member()), undefined);
  assert.equal(reason(etcdCluster(), member(), config()), undefined);
  const settings = { etcd: { extraArgs: { 'quota-backend-bytes': '8589934592' } }, certificateValidityDays: 90 };
  assert.equal(reason(etcdCluster(undefined, settings), member(), config(settings)), undefined);
});

test('changed member settings (spec.etcdConfigSpec) are rolled out, naming the fields', () => {
  const cluster = etcdCluster(undefined, { etcd: { extraArgs: { 'quota-backend-bytes': '8589934592' } }, certificateValidityDays: 90 });
  assert.equal(reason(cluster, member(), config({ certificateValidityDays: 90 })), 'its EtcdConfig differs from spec.etcdConfigSpec in etcd');
  assert.equal(reason(cluster, member(), config()), 'its EtcdConfig differs from spec.etcdConfigSpec in etcd, certificateValidityDays');
  assert.equal(reason(cluster, member(), undefined), undefined, 'not without the EtcdConfig to compare with');
});

test('every reason is given', () => {
  assert.deepEqual(outdatedReasons(etcdCluster({ after: '2026-11-20T00:00:00Z' }), member({ version: '3.4.22' }), config({ certificateValidityDays: 30 }), now), [
    'it runs etcd 3.4.22, not 3.4.23',
    'its EtcdConfig differs from spec.etcdConfigSpec in certificateValidityDays',
    'it was created before rollout.after (2026-11-20T00:00:00Z)',
  ]);
});

test('another etcd version or template is rolled out, saying which', () => {
  assert.equal(reason(etcdCluster(), member({ version: '3.4.22' })), 'it runs etcd 3.4.22, not 3.4.23');
  assert.equal(reason(etcdCluster(), member({ template: 'etcd-v1' })), 'it was made from ContainerMachineTemplate etcd-v1, not etcd-v2');
});

test('rollout.after replaces members created before it, once it has come', () => {
  assert.equal(reason(etcdCluster({ after: '2026-11-20T00:00:00Z' }), member()), 'it was created before rollout.after (2026-11-20T00:00:00Z)');
  assert.equal(reason(etcdCluster({ after: '2026-12-20T00:00:00Z' }), member()), undefined, 'not before the time');
  assert.equal(reason(etcdCluster({ after: '2026-11-20T00:00:00Z' }), member({ created: '2026-11-21T00:00:00Z' })), undefined, 'not a member made after it');
});

test('rollout.before.certificatesExpiryDays replaces members whose certificates expire within that many days', () => {
  const inDays = (days: number) => new Date(now + days * DAY_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  const within = etcdCluster({ before: { certificatesExpiryDays: 30 } });
  assert.equal(reason(within, member({ certificatesExpiry: inDays(29) })), `its certificates expire on ${inDays(29)}, within rollout.before.certificatesExpiryDays (30)`);
  assert.match(reason(within, member({ certificatesExpiry: inDays(-1) })) ?? '', /its certificates expire on/, 'expired already');
  assert.equal(reason(within, member({ certificatesExpiry: inDays(31) })), undefined, 'expiring later');
  assert.equal(reason(within, member()), undefined, 'no recorded expiry');
  assert.equal(reason(etcdCluster(), member({ certificatesExpiry: inDays(1) })), undefined, 'without the setting');
});
