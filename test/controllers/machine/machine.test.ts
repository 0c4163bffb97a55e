// The Machine controller against the real server, with a test-only provider whose status the test
// writes by hand: phases Pending → Provisioning → Provisioned → Running, the hand-over of the
// provider objects, a node-less machine, deletion hooks and the deletion order, pause.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/meta.ts';
import {
  clusterObject, conditionOf, eventReasons, eventually, exists, machineObject, machinesResource, machineSetsResource, providerObject, providerResource,
  ref, setProviderSpec, setProviderStatus, startHarness, clustersResource, type Harness,
} from '../cluster/fixtures.ts';

const ns = 'machines';
let h: Harness;

before(async () => {
  h = await startHarness(ns);
  await h.client.create(clustersResource, clusterObject('c1', ns));
});
after(async () => {
  await h?.stop();
});

const getMachine = (name: string) => h.client.get(machinesResource, name, ns);
const statusOf = (m: KubeObject) => (m.status ?? {}) as { phase?: string; nodeRef?: { name: string }; addresses?: unknown[]; failureDomain?: string; initialization?: Record<string, boolean>; deletion?: Record<string, string> };
const specOf = (m: KubeObject) => m.spec as { providerID?: string; bootstrap: { dataSecretName?: string } };
const phase = (name: string, expected: string) => eventually(async () => { const m = await getMachine(name); return statusOf(m).phase === expected ? m : undefined; }, `Machine ${name} to be ${expected}`);
const healthyNode = (name: string) => ({
  name,
  conditions: [
    { type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', lastTransitionTime: '2026-01-01T00:00:00Z' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', lastTransitionTime: '2026-01-01T00:00:00Z' },
  ],
});

test('a Machine goes Pending → Provisioning → Provisioned → Running as its bootstrap config, infrastructure and node report in; the provider objects are handed over to it', async () => {
  const ms = await h.client.create(machineSetsResource, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', metadata: { name: 'ms1', namespace: ns },
    spec: { clusterName: 'c1', replicas: 0, selector: { matchLabels: { set: 'ms1' } }, template: { metadata: { labels: { set: 'ms1' } }, spec: { clusterName: 'c1', bootstrap: {}, infrastructureRef: ref('TestMachine', 'unused') } } },
  });
  const createdBy = [{ apiVersion: ms.apiVersion, kind: 'MachineSet', name: 'ms1', uid: ms.metadata.uid!, controller: true }];
  await h.client.create(providerResource('TestConfig'), providerObject('TestConfig', 'm1-config', ns, {}, { ownerReferences: createdBy }));
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'm1-infra', ns, {}, { ownerReferences: createdBy }));
  const machine = await h.client.create(machinesResource, machineObject('m1', ns, 'c1', {}, { labels: { set: 'ms1', 'cluster.x-k8s.io/set-name': 'ms1' }, ownerReferences: createdBy }));

  const pending = await phase('m1', 'Pending');
  assert.ok(pending.metadata.finalizers?.includes('machine.cluster.x-k8s.io'));
  assert.equal(pending.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');
  assert.deepEqual(pending.metadata.ownerReferences?.map((r) => r.kind), ['MachineSet'], 'a MachineSet\'s Machine is not adopted by the Cluster');
  const bootstrapReady = conditionOf(pending, 'BootstrapConfigReady');
  assert.equal(bootstrapReady?.status, 'False');
  assert.equal(bootstrapReady?.message, 'TestConfig status.initialization.dataSecretCreated is false');
  assert.equal(conditionOf(pending, 'Ready')?.status, 'False');

  for (const kind of ['TestConfig', 'TestMachine'] as const) {
    const obj = await eventually(async () => {
      const o = await h.client.get(providerResource(kind), kind === 'TestConfig' ? 'm1-config' : 'm1-infra', ns);
      return o.metadata.ownerReferences?.some((r) => r.kind === 'Machine') ? o : undefined;
    }, `the ${kind} to be handed over`);
    assert.deepEqual(obj.metadata.ownerReferences, [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', name: 'm1', uid: machine.metadata.uid, controller: true, blockOwnerDeletion: true }], 'the Machine replaces the MachineSet as controller');
    assert.equal(obj.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');
  }

  await setProviderStatus(h.client, 'TestConfig', 'm1-config', ns, { initialization: { dataSecretCreated: true }, dataSecretName: 'm1-bootstrap-data' });
  const provisioning = await phase('m1', 'Provisioning');
  assert.equal(specOf(provisioning).bootstrap.dataSecretName, 'm1-bootstrap-data');
  assert.equal(statusOf(provisioning).initialization?.bootstrapDataSecretCreated, true);
  assert.equal(conditionOf(provisioning, 'BootstrapConfigReady')?.status, 'True');
  assert.equal(conditionOf(provisioning, 'InfrastructureReady')?.message, 'TestMachine status.initialization.provisioned is false');

  await setProviderSpec(h.client, 'TestMachine', 'm1-infra', ns, { providerID: 'test://m1' });
  await setProviderStatus(h.client, 'TestMachine', 'm1-infra', ns, { initialization: { provisioned: true }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Bogus', address: 'x' }], failureDomain: 'fd-1' });
  const provisioned = await phase('m1', 'Provisioned');
  assert.equal(specOf(provisioned).providerID, 'test://m1');
  assert.deepEqual(statusOf(provisioned).addresses, [{ type: 'InternalIP', address: '10.0.0.1' }], 'addresses copied, unknown types dropped');
  assert.equal(statusOf(provisioned).failureDomain, 'fd-1');
  assert.equal(conditionOf(provisioned, 'InfrastructureReady')?.status, 'True');
  assert.equal(conditionOf(provisioned, 'NodeHealthy')?.status, 'Unknown');
  assert.equal(conditionOf(provisioned, 'Ready')?.status, 'Unknown');

  await setProviderStatus(h.client, 'TestMachine', 'm1-infra', ns, { node: healthyNode('m1-node') });
  const running = await phase('m1', 'Running');
  assert.equal(statusOf(running).nodeRef?.name, 'm1-node');
  assert.equal(conditionOf(running, 'NodeReady')?.reason, 'NodeReady');
  assert.equal(conditionOf(running, 'NodeHealthy')?.reason, 'NodeHealthy');
  assert.equal(conditionOf(running, 'Ready')?.status, 'True');
  const available = await eventually(async () => { const m = await getMachine('m1'); return conditionOf(m, 'Available')?.status === 'True' ? m : undefined; }, 'Available');
  assert.equal(conditionOf(available, 'Paused')?.status, 'False');
  assert.equal(conditionOf(available, 'Deleting')?.reason, 'NotDeleting');
  assert.equal(conditionOf(available, 'UpToDate'), undefined, 'UpToDate is the MachineSet\'s to set');

  // A node condition going bad shows on NodeHealthy and Ready.
  const sick = healthyNode('m1-node');
  sick.conditions[2] = { type: 'DiskPressure', status: 'True', reason: 'KubeletHasDiskPressure', lastTransitionTime: '2026-01-01T00:00:00Z' };
  await setProviderStatus(h.client, 'TestMachine', 'm1-infra', ns, { node: sick });
  const unhealthy = await eventually(async () => { const m = await getMachine('m1'); return conditionOf(m, 'NodeHealthy')?.status === 'False' ? m : undefined; }, 'NodeHealthy False');
  assert.equal(conditionOf(unhealthy, 'NodeHealthy')?.message, '* Node.DiskPressure: Condition is True');
  assert.equal(conditionOf(unhealthy, 'Ready')?.status, 'False');
  assert.match(conditionOf(unhealthy, 'Ready')?.message ?? '', /NodeHealthy/);

  await eventually(async () => {
    const reasons = await eventReasons(h.client, ns, 'Machine', 'm1');
    return ['Pending', 'Provisioning', 'Provisioned', 'Running', 'SuccessfulSetNodeRef'].every((r) => reasons.includes(r));
  }, 'an Event for each transition');
});

test('a Machine of a cluster without Kubernetes nodes is Running once provisioned and its infrastructure reports BootstrapExecSucceeded', async () => {
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'etcd-0-infra', ns, { providerID: 'test://etcd-0' }));
  await h.client.create(machinesResource, machineObject('etcd-0', ns, 'c1', { bootstrap: { dataSecretName: 'etcd-0-data' } }));
  const provisioning = await phase('etcd-0', 'Provisioning');
  assert.equal(conditionOf(provisioning, 'BootstrapConfigReady')?.reason, 'DataSecretProvided');
  assert.ok(provisioning.metadata.ownerReferences?.some((r) => r.kind === 'Cluster' && r.name === 'c1'), 'a standalone Machine is adopted by its Cluster');

  await setProviderStatus(h.client, 'TestMachine', 'etcd-0-infra', ns, { initialization: { provisioned: true } });
  const provisioned = await phase('etcd-0', 'Provisioned');
  assert.match(conditionOf(provisioned, 'NodeHealthy')?.message ?? '', /BootstrapExecSucceeded/);

  await setProviderStatus(h.client, 'TestMachine', 'etcd-0-infra', ns, { conditions: [{ type: 'BootstrapExecSucceeded', status: 'True', reason: 'BootstrapSucceeded', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }] });
  const running = await phase('etcd-0', 'Running');
  assert.equal(statusOf(running).nodeRef, undefined);
  assert.equal(conditionOf(running, 'NodeHealthy')?.reason, 'BootstrapExecSucceeded');
  assert.equal(conditionOf(running, 'Ready')?.status, 'True');
});

test('deletion waits for pre-drain then pre-terminate hooks, then deletes the infrastructure machine and waits for it, then the bootstrap config, then lets go', async () => {
  const hold = 'test.slipway.dev/hold';
  await h.client.create(providerResource('TestConfig'), providerObject('TestConfig', 'd1-config', ns, {}, { finalizers: [hold] }));
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'd1-infra', ns, { providerID: 'test://d1' }, { finalizers: [hold] }));
  await h.client.create(machinesResource, machineObject('d1', ns, 'c1', {}, {
    annotations: { 'pre-drain.delete.hook.machine.cluster.x-k8s.io/drainer': 'owner', 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/terminator': 'owner' },
  }));
  await setProviderStatus(h.client, 'TestConfig', 'd1-config', ns, { initialization: { dataSecretCreated: true }, dataSecretName: 'd1-data' });
  await setProviderStatus(h.client, 'TestMachine', 'd1-infra', ns, { initialization: { provisioned: true }, node: healthyNode('d1-node') });
  await phase('d1', 'Running');

  await h.client.delete(machinesResource, 'd1', { namespace: ns });
  const deleting = (reason: string) => eventually(async () => { const m = await getMachine('d1'); return conditionOf(m, 'Deleting')?.reason === reason ? m : undefined; }, `Deleting reason ${reason}`);
  const providerDeleting = async (kind: 'TestConfig' | 'TestMachine', name: string) => Boolean((await exists(h.client, providerResource(kind), name, ns))?.metadata.deletionTimestamp);

  const preDrain = await deleting('WaitingForPreDrainHook');
  assert.equal(statusOf(preDrain).phase, 'Deleting');
  assert.equal(conditionOf(preDrain, 'Deleting')?.message, 'Waiting for pre-drain hooks to succeed (hooks: pre-drain.delete.hook.machine.cluster.x-k8s.io/drainer)');
  assert.ok(statusOf(preDrain).deletion?.waitForPreDrainHookStartTime);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await providerDeleting('TestMachine', 'd1-infra'), false, 'nothing deleted while a pre-drain hook holds');

  await h.client.patch(machinesResource, 'd1', { metadata: { annotations: { 'pre-drain.delete.hook.machine.cluster.x-k8s.io/drainer': null } } }, { type: 'merge', namespace: ns });
  const preTerminate = await deleting('WaitingForPreTerminateHook');
  assert.ok(statusOf(preTerminate).deletion?.waitForPreTerminateHookStartTime);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await providerDeleting('TestMachine', 'd1-infra'), false, 'nothing deleted while a pre-terminate hook holds');

  await h.client.patch(machinesResource, 'd1', { metadata: { annotations: { 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/terminator': null } } }, { type: 'merge', namespace: ns });
  const waitingInfra = await deleting('WaitingForInfrastructureDeletion');
  assert.equal(conditionOf(waitingInfra, 'Deleting')?.message, 'Waiting for TestMachine to be deleted');
  assert.equal(await providerDeleting('TestMachine', 'd1-infra'), true);
  assert.equal(await providerDeleting('TestConfig', 'd1-config'), false, 'the bootstrap config waits for the infrastructure');

  await h.client.patch(providerResource('TestMachine'), 'd1-infra', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
  await deleting('WaitingForBootstrapDeletion');
  assert.equal(await providerDeleting('TestConfig', 'd1-config'), true);
  assert.ok(await getMachine('d1'), 'the Machine stays until its bootstrap config is gone');

  await h.client.patch(providerResource('TestConfig'), 'd1-config', { metadata: { finalizers: null } }, { type: 'merge', namespace: ns });
  await eventually(async () => (await exists(h.client, machinesResource, 'd1', ns)) === undefined, 'the Machine to be gone');
  await eventually(async () => {
    const reasons = await eventReasons(h.client, ns, 'Machine', 'd1');
    return ['WaitingForPreDrainHook', 'WaitingForPreTerminateHook', 'WaitingForInfrastructureDeletion', 'WaitingForBootstrapDeletion'].every((r) => reasons.includes(r));
  }, 'an Event for each deletion step');
});

test('a paused Machine is not reconciled but says so in its Paused condition', async () => {
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'p1-infra', ns, { providerID: 'test://p1' }));
  await h.client.create(machinesResource, machineObject('p1', ns, 'c1', { bootstrap: { dataSecretName: 'p1-data' } }, { annotations: { 'cluster.x-k8s.io/paused': '' } }));
  const paused = await eventually(async () => { const m = await getMachine('p1'); return conditionOf(m, 'Paused')?.status === 'True' ? m : undefined; }, 'Paused True');
  assert.equal(conditionOf(paused, 'Paused')?.message, 'Machine has the cluster.x-k8s.io/paused annotation');
  await setProviderStatus(h.client, 'TestMachine', 'p1-infra', ns, { initialization: { provisioned: true } });
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(statusOf(await getMachine('p1')).phase, undefined, 'no phase while paused');

  await h.client.patch(machinesResource, 'p1', { metadata: { annotations: { 'cluster.x-k8s.io/paused': null } } }, { type: 'merge', namespace: ns });
  const resumed = await phase('p1', 'Provisioned');
  assert.equal(conditionOf(resumed, 'Paused')?.reason, 'NotPaused');
});

test('a control plane Machine records when its certificates expire: its own annotation first, else its bootstrap config\'s; other Machines do not', async () => {
  const expiry = 'machine.cluster.x-k8s.io/certificates-expiry';
  const controlPlane = { labels: { 'cluster.x-k8s.io/control-plane': '' } };
  for (const name of ['cp1', 'cp2', 'w1']) {
    await h.client.create(providerResource('TestConfig'), providerObject('TestConfig', `${name}-config`, ns, {}, { annotations: { [expiry]: '2027-03-01T00:00:00Z' } }));
    await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', `${name}-infra`, ns));
  }
  await h.client.create(machinesResource, machineObject('cp1', ns, 'c1', {}, controlPlane));
  await h.client.create(machinesResource, machineObject('cp2', ns, 'c1', {}, { ...controlPlane, annotations: { [expiry]: '2026-12-24T12:00:00Z' } }));
  await h.client.create(machinesResource, machineObject('w1', ns, 'c1'));
  const recorded = (name: string) => eventually(async () => {
    const m = await getMachine(name);
    return (m.status as { certificatesExpiryDate?: string } | undefined)?.certificatesExpiryDate;
  }, `the certificates' expiry of ${name}`);
  assert.equal(await recorded('cp1'), '2027-03-01T00:00:00Z', 'from the bootstrap config');
  assert.equal(await recorded('cp2'), '2026-12-24T12:00:00Z', 'the Machine\'s own annotation wins');
  await phase('w1', 'Pending');
  assert.equal((statusOf(await getMachine('w1')) as { certificatesExpiryDate?: string }).certificatesExpiryDate, undefined, 'not for a worker');
  // Renewed certificates (a new date on the config) are seen.
  await h.client.patch(providerResource('TestConfig'), 'cp1-config', { metadata: { annotations: { [expiry]: '2028-03-01T00:00:00Z' } } }, { type: 'merge', namespace: ns });
  await eventually(async () => (await recorded('cp1')) === '2028-03-01T00:00:00Z' || undefined, 'the new expiry of cp1');
});
