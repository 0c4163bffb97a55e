// The Cluster controller against the real server, with a test-only provider whose status the test
// writes by hand: phases and conditions from the infrastructure cluster and control plane, replica
// counters, pause, and deletion in order (workers, then control plane, then infrastructure).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/meta.ts';
import type { ResourceRef } from '../../../src/client/rest-client.ts';
import {
  clusterObject, clustersResource, conditionOf, eventReasons, eventually, exists, machineDeploymentsResource, machineObject, machinesResource,
  providerObject, providerResource, ref, setProviderSpec, setProviderStatus, startHarness, type Harness,
} from './fixtures.ts';

const ns = 'clusters';
let h: Harness;

before(async () => { h = await startHarness(ns); });
after(async () => { await h?.stop(); });

const getCluster = (name: string) => h.client.get(clustersResource, name, ns);
const statusOf = (c: KubeObject) => (c.status ?? {}) as Record<string, any>;
const until = (name: string, what: string, check: (c: KubeObject) => boolean) =>
  eventually(async () => { const c = await getCluster(name); return check(c) ? c : undefined; }, `Cluster ${name}: ${what}`);

test('phases and conditions follow the infrastructure cluster and control plane; the Cluster owns them and copies endpoint and failure domains', async () => {
  const cluster = await h.client.create(clustersResource, clusterObject('c1', ns, { infrastructureRef: ref('TestCluster', 'c1-infra'), controlPlaneRef: ref('TestControlPlane', 'c1-cp') }));
  const provisioning = await until('c1', 'Provisioning', (c) => statusOf(c).phase === 'Provisioning');
  assert.ok(provisioning.metadata.finalizers?.includes('cluster.cluster.x-k8s.io'));
  assert.deepEqual(conditionOf(provisioning, 'InfrastructureReady'), { ...conditionOf(provisioning, 'InfrastructureReady'), status: 'False', reason: 'ObjectDoesNotExist', message: 'TestCluster does not exist' });

  await h.client.create(providerResource('TestCluster'), providerObject('TestCluster', 'c1-infra', ns));
  await h.client.create(providerResource('TestControlPlane'), providerObject('TestControlPlane', 'c1-cp', ns, { replicas: 3, version: 'v1.33.0' }));
  for (const kind of ['TestCluster', 'TestControlPlane'] as const) {
    const obj = await eventually(async () => {
      const o = await h.client.get(providerResource(kind), kind === 'TestCluster' ? 'c1-infra' : 'c1-cp', ns);
      return o.metadata.ownerReferences?.length ? o : undefined;
    }, `the ${kind} to be owned by the Cluster`);
    assert.deepEqual(obj.metadata.ownerReferences, [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', name: 'c1', uid: cluster.metadata.uid }], 'an owner, not the controller (no topology)');
    assert.equal(obj.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');
  }
  const waiting = await until('c1', 'infrastructure not yet ready', (c) => conditionOf(c, 'InfrastructureReady')?.reason === 'NotReady');
  assert.equal(conditionOf(waiting, 'InfrastructureReady')?.message, 'TestCluster status.initialization.provisioned is false');
  assert.equal(conditionOf(waiting, 'ControlPlaneInitialized')?.reason, 'NotInitialized');
  assert.equal(conditionOf(waiting, 'WorkersAvailable')?.reason, 'NoWorkers');
  assert.equal(conditionOf(waiting, 'Available')?.status, 'False');
  assert.match(conditionOf(waiting, 'Available')?.message ?? '', /\* InfrastructureReady: TestCluster status.initialization.provisioned is false/);
  assert.equal(conditionOf(waiting, 'RemoteConnectionProbe'), undefined, 'no workload cluster connection to probe');

  await setProviderSpec(h.client, 'TestCluster', 'c1-infra', ns, { controlPlaneEndpoint: { host: '10.0.0.10', port: 6443 } });
  await setProviderStatus(h.client, 'TestCluster', 'c1-infra', ns, { initialization: { provisioned: true }, failureDomains: [{ name: 'fd-a', controlPlane: true }, { name: 'fd-b' }] });
  const provisioned = await until('c1', 'Provisioned', (c) => statusOf(c).phase === 'Provisioned');
  assert.deepEqual((provisioned.spec as Record<string, unknown>).controlPlaneEndpoint, { host: '10.0.0.10', port: 6443 });
  assert.deepEqual(statusOf(provisioned).failureDomains, [{ name: 'fd-a', controlPlane: true }, { name: 'fd-b' }]);
  assert.equal(statusOf(provisioned).initialization.infrastructureProvisioned, true);
  assert.equal(conditionOf(provisioned, 'InfrastructureReady')?.status, 'True');

  await setProviderStatus(h.client, 'TestControlPlane', 'c1-cp', ns, {
    initialization: { controlPlaneInitialized: true }, replicas: 3, readyReplicas: 2, availableReplicas: 2, upToDateReplicas: 3,
    conditions: [{ type: 'Available', status: 'True', reason: 'Available', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
  });
  const available = await until('c1', 'Available', (c) => conditionOf(c, 'Available')?.status === 'True');
  assert.equal(statusOf(available).initialization.controlPlaneInitialized, true);
  assert.equal(conditionOf(available, 'ControlPlaneInitialized')?.reason, 'Initialized');
  assert.equal(conditionOf(available, 'ControlPlaneAvailable')?.status, 'True');
  assert.deepEqual(statusOf(available).controlPlane, { desiredReplicas: 3, replicas: 3, readyReplicas: 2, availableReplicas: 2, upToDateReplicas: 3 });

  // The control plane reporting itself unavailable takes the Cluster's availability with it.
  await setProviderStatus(h.client, 'TestControlPlane', 'c1-cp', ns, { conditions: [{ type: 'Available', status: 'False', reason: 'EtcdQuorumLost', message: 'etcd has no quorum', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  const unavailable = await until('c1', 'not Available', (c) => conditionOf(c, 'Available')?.status === 'False');
  assert.deepEqual([conditionOf(unavailable, 'ControlPlaneAvailable')?.reason, conditionOf(unavailable, 'ControlPlaneAvailable')?.message], ['EtcdQuorumLost', 'etcd has no quorum']);
  assert.equal(conditionOf(unavailable, 'Available')?.message, '* ControlPlaneAvailable: etcd has no quorum');

  await eventually(async () => {
    const reasons = await eventReasons(h.client, ns, 'Cluster', 'c1');
    return ['Provisioning', 'Provisioned', 'InfrastructureReady', 'ControlPlaneInitialized'].every((r) => reasons.includes(r));
  }, 'an Event for each transition');
});

test('worker counters are summarised from the cluster\'s Machines', async () => {
  await h.client.create(clustersResource, clusterObject('c2', ns));
  for (const name of ['w1', 'w2']) {
    await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', `${name}-infra`, ns, { providerID: `test://${name}` }));
    await h.client.create(machinesResource, machineObject(name, ns, 'c2', { bootstrap: { dataSecretName: `${name}-data` } }));
  }
  await setProviderStatus(h.client, 'TestMachine', 'w1-infra', ns, { initialization: { provisioned: true }, conditions: [{ type: 'BootstrapExecSucceeded', status: 'True', reason: 'Succeeded', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  const counted = await until('c2', 'workers counted', (c) => statusOf(c).workers?.readyReplicas === 1);
  assert.deepEqual(statusOf(counted).workers, { desiredReplicas: 2, replicas: 2, readyReplicas: 1, availableReplicas: 1, upToDateReplicas: 0 });
  assert.equal(statusOf(counted).controlPlane, undefined, 'no control plane machines, no counters');
});

test('deletion goes in order: workers, then the control plane, then the infrastructure, then the finalizer', async () => {
  const hold = 'test.slipway.dev/hold';
  await h.client.create(providerResource('TestCluster'), providerObject('TestCluster', 'd-infra', ns, {}, { finalizers: [hold] }));
  await h.client.create(providerResource('TestControlPlane'), providerObject('TestControlPlane', 'd-cp', ns, {}, { finalizers: [hold] }));
  await h.client.create(clustersResource, clusterObject('d', ns, { infrastructureRef: ref('TestCluster', 'd-infra'), controlPlaneRef: ref('TestControlPlane', 'd-cp') }));
  await h.client.create(machineDeploymentsResource, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment', metadata: { name: 'd-md', namespace: ns, labels: { 'cluster.x-k8s.io/cluster-name': 'd' } },
    spec: { clusterName: 'd', replicas: 0, selector: { matchLabels: { md: 'd-md' } }, template: { metadata: { labels: { md: 'd-md' } }, spec: { clusterName: 'd', bootstrap: {}, infrastructureRef: ref('TestMachineTemplate', 'unused') } } },
  });
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'd-w-infra', ns, { providerID: 'test://d-w' }));
  // The worker's pre-terminate hook holds the whole cluster deletion at the workers step.
  await h.client.create(machinesResource, machineObject('d-w', ns, 'd', { bootstrap: { dataSecretName: 'd-w-data' } }, { annotations: { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/hold': '' } }));
  await until('d', 'reconciled', (c) => statusOf(c).phase === 'Provisioning');
  await eventually(async () => (await h.client.get(machinesResource, 'd-w', ns)).metadata.finalizers?.length, 'the worker to have its finalizer');

  // When each object was first seen being deleted (or gone), from watches.
  const seen = new Map<string, number>();
  const abort = new AbortController();
  const follow = async (resource: ResourceRef) => {
    for await (const event of h.client.watch(resource, { namespace: ns, signal: abort.signal })) {
      if (event.type === 'ERROR' || event.type === 'BOOKMARK') continue;
      const key = `${event.object.kind}/${event.object.metadata.name}`;
      if ((event.type === 'DELETED' || event.object.metadata.deletionTimestamp) && !seen.has(key)) seen.set(key, performance.now());
    }
  };
  const watches = [machinesResource, machineDeploymentsResource, providerResource('TestControlPlane'), providerResource('TestCluster')].map((r) => follow(r).catch(() => {}));
  try {
    await h.client.delete(clustersResource, 'd', { namespace: ns });
    const workers = await until('d', 'waiting for workers', (c) => conditionOf(c, 'Deleting')?.reason === 'WaitingForWorkersDeletion' && (conditionOf(c, 'Deleting')?.message ?? '').includes('Worker Machines'));
    assert.equal(statusOf(workers).phase, 'Deleting');
    assert.match(conditionOf(workers, 'Deleting')!.message!, /\* Worker Machines: d-w/);
    await eventually(async () => (await exists(h.client, machineDeploymentsResource, 'd-md', ns)) === undefined, 'the MachineDeployment to be deleted');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.client.get(providerResource('TestControlPlane'), 'd-cp', ns)).metadata.deletionTimestamp, undefined, 'the control plane waits for the workers');

    await h.client.patch(machinesResource, 'd-w', { metadata: { annotations: { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/hold': null } } }, { type: 'merge', namespace: ns });
    const cp = await until('d', 'waiting for the control plane', (c) => conditionOf(c, 'Deleting')?.reason === 'WaitingForControlPlaneDeletion');
    assert.equal(conditionOf(cp, 'Deleting')?.message, 'Waiting for TestControlPlane to be deleted');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.client.get(providerResource('TestCluster'), 'd-infra', ns)).metadata.deletionTimestamp, undefined, 'the infrastructure waits for the control plane');

    await h.client.patch(providerResource('TestControlPlane'), 'd-cp', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
    const infra = await until('d', 'waiting for the infrastructure', (c) => conditionOf(c, 'Deleting')?.reason === 'WaitingForInfrastructureDeletion');
    assert.equal(conditionOf(infra, 'Deleting')?.message, 'Waiting for TestCluster to be deleted');
    assert.ok(await exists(h.client, clustersResource, 'd', ns), 'the Cluster stays while its infrastructure exists');

    await h.client.patch(providerResource('TestCluster'), 'd-infra', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
    await eventually(async () => (await exists(h.client, clustersResource, 'd', ns)) === undefined, 'the Cluster to be gone');
  } finally {
    abort.abort();
    await Promise.all(watches);
  }
  const at = (key: string) => { const t = seen.get(key); assert.ok(t !== undefined, `${key} was seen deleted`); return t; };
  assert.ok(at('Machine/d-w') < at('TestControlPlane/d-cp'), 'worker Machine before the control plane');
  assert.ok(at('MachineDeployment/d-md') < at('TestControlPlane/d-cp'), 'MachineDeployment before the control plane');
  assert.ok(at('TestControlPlane/d-cp') < at('TestCluster/d-infra'), 'control plane before the infrastructure');
  const reasons = await eventReasons(h.client, ns, 'Cluster', 'd');
  assert.ok(reasons.includes('Deleting') && reasons.includes('Deleted'), `events: ${reasons}`);
});

test('a paused Cluster (spec.paused) is not reconciled, nor are its Machines; each says so in its Paused condition', async () => {
  await h.client.create(providerResource('TestCluster'), providerObject('TestCluster', 'p-infra', ns, { controlPlaneEndpoint: { host: 'p.example', port: 443 } }));
  await setProviderStatus(h.client, 'TestCluster', 'p-infra', ns, { initialization: { provisioned: true } });
  await h.client.create(clustersResource, clusterObject('p', ns, { paused: true, infrastructureRef: ref('TestCluster', 'p-infra') }));
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'p-m-infra', ns));
  await h.client.create(machinesResource, machineObject('p-m', ns, 'p', { bootstrap: { dataSecretName: 'p-m-data' } }));

  const paused = await until('p', 'Paused', (c) => conditionOf(c, 'Paused')?.status === 'True');
  assert.equal(conditionOf(paused, 'Paused')?.message, 'Cluster spec.paused is set to true');
  const machine = await eventually(async () => { const m = await h.client.get(machinesResource, 'p-m', ns); return conditionOf(m, 'Paused')?.status === 'True' ? m : undefined; }, 'the Machine paused');
  assert.equal(conditionOf(machine, 'Paused')?.message, 'Cluster spec.paused is set to true');
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(statusOf(await getCluster('p')).phase, undefined, 'no phase while paused');
  assert.equal((await h.client.get(providerResource('TestCluster'), 'p-infra', ns)).metadata.ownerReferences, undefined, 'provider objects untouched while paused');

  await h.client.patch(clustersResource, 'p', { spec: { paused: false } }, { type: 'merge', namespace: ns });
  const resumed = await until('p', 'Provisioned', (c) => statusOf(c).phase === 'Provisioned');
  assert.equal(conditionOf(resumed, 'Paused')?.reason, 'NotPaused');
  await eventually(async () => conditionOf(await h.client.get(machinesResource, 'p-m', ns), 'Paused')?.status === 'False', 'the Machine to resume with its Cluster');
});
