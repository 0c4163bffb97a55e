// The in-memory provider's controllers against the real server: simulated provisioning after the
// configured delay (continued, not restarted, by a new controller), injected failures, the
// simulated node, the InfraMachine/InfraCluster contract fields, pause, and deletion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../../src/api/meta.ts';
import type { RestClient } from '../../../src/client/rest-client.ts';
import type { Manager } from '../../../src/client/controller.ts';
import { inMemoryClusterTypeMeta } from '../../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-cluster.ts';
import { pausedAnnotation } from '../../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { inMemoryProviderControllers } from '../../../src/providers/infrastructure/inmemory/index.ts';
import { inMemoryClustersResource, inMemoryMachinesResource } from '../../../src/providers/infrastructure/inmemory/resources.ts';
import { machinesResource } from '../../../src/controllers/cluster/resources.ts';
import { infraCluster, infraMachine } from '../../../src/controllers/provider-contract/contract.ts';
import { findCondition } from '../../../src/controllers/provider-contract/conditions.ts';
import { eventually } from '../../client/helpers.ts';
import { eventsFor, inMemoryMachine, machineFor, startClusterApiTestEnv, type ClusterApiTestEnv } from './fixtures.ts';

const ns = 'inmem';
let env: ClusterApiTestEnv;
let client: RestClient;
let manager: Manager;

before(async () => {
  env = await startClusterApiTestEnv(ns);
  client = env.client;
  manager = await env.startManager(inMemoryProviderControllers());
});
after(async () => {
  await env?.stop();
});

const getMachine = (name: string) => client.get(inMemoryMachinesResource, name, ns);
const provisioned = (name: string) => eventually(async () => {
  const obj = await getMachine(name);
  return infraMachine.provisioned(obj) ? obj : undefined;
}, `InMemoryMachine ${name} to be provisioned`);

test('with no delay a machine is provisioned at once, with the contract fields, the bootstrap sentinel and a Ready node', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('fast', ns));
  const obj = await provisioned('fast');
  assert.equal(infraMachine.providerID(obj), `in-memory://${ns}/fast`);
  assert.deepEqual(infraMachine.addresses(obj)?.map((a) => a.type), ['Hostname', 'InternalIP']);
  assert.equal(infraMachine.bootstrapSucceeded(obj), true);
  assert.equal(findCondition(obj, 'Ready')?.status, 'True');
  const node = infraMachine.node(obj);
  assert.equal(node?.name, 'fast');
  assert.equal(node?.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  assert.ok(obj.metadata.finalizers?.includes('inmemorymachine.infrastructure.cluster.x-k8s.io'));
  assert.ok((await eventsFor(client, ns, 'fast')).some((e) => e.reason === 'Provisioned'));
});

test('provisioning takes provisioningDelay, and a new controller continues the wait instead of starting it again', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('slow', ns, { simulation: { provisioningDelay: '3s' } }));
  const waiting = await eventually(async () => {
    const obj = await getMachine('slow');
    return findCondition(obj, 'Provisioned')?.reason === 'WaitingForProvisioningDelay' ? obj : undefined;
  }, 'the provisioning to start');
  const startedMs = Date.parse(findCondition(waiting, 'Provisioned')!.lastTransitionTime);
  assert.equal(infraMachine.provisioned(waiting), false);
  assert.equal(findCondition(waiting, 'Ready')?.status, 'False');

  // The controller manager restarts in the middle of the wait: the new one must finish at the same moment.
  await manager.stop();
  await sleep(1000);
  manager = await env.startManager(inMemoryProviderControllers());
  await sleep(500);
  assert.equal(infraMachine.provisioned(await getMachine('slow')), false, 'not before the delay');
  const done = await provisioned('slow');
  const provisionedMs = Date.parse(findCondition(done, 'Provisioned')!.lastTransitionTime);
  assert.ok(provisionedMs - startedMs >= 3000, `provisioned ${provisionedMs - startedMs} ms after the start`);
  assert.ok(provisionedMs - startedMs <= 4000, `provisioned ${provisionedMs - startedMs} ms after the start: the wait restarted`);
});

test('failToProvision: the machine is never provisioned and says why', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('broken', ns, { simulation: { failures: { failToProvision: true } } }));
  const failed = await eventually(async () => {
    const obj = await getMachine('broken');
    return findCondition(obj, 'Provisioned')?.reason === 'SimulatedProvisioningFailure' ? obj : undefined;
  }, 'the provisioning failure');
  assert.equal(findCondition(failed, 'Provisioned')?.status, 'False');
  assert.equal(findCondition(failed, 'Ready')?.reason, 'SimulatedProvisioningFailure');
  assert.match(findCondition(failed, 'Ready')!.message!, /failToProvision/);
  await sleep(800);
  const later = await getMachine('broken');
  assert.equal(infraMachine.provisioned(later), false);
  assert.equal(infraMachine.providerID(later), undefined);
  assert.ok((await eventsFor(client, ns, 'broken')).some((e) => e.reason === 'ProvisioningFailed' && e.type === 'Warning'));
});

test('becomeUnhealthyAfter: the simulated node turns NotReady that long after provisioning', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('flaky', ns, { simulation: { failures: { becomeUnhealthyAfter: '2s' } } }));
  const up = await provisioned('flaky');
  assert.equal(infraMachine.node(up)?.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  const down = await eventually(async () => {
    const obj = await getMachine('flaky');
    return infraMachine.node(obj)?.conditions.find((c) => c.type === 'Ready')?.status === 'False' ? obj : undefined;
  }, 'the node to turn NotReady');
  const ready = infraMachine.node(down)!.conditions.find((c) => c.type === 'Ready')!;
  const provisionedMs = Date.parse(findCondition(down, 'Provisioned')!.lastTransitionTime);
  assert.equal(Date.parse(ready.lastTransitionTime) - provisionedMs, 2000, 'NotReady since provisioned + 2s');
  assert.equal(findCondition(down, 'Healthy')?.reason, 'SimulatedUnhealthy');
  assert.equal(infraMachine.provisioned(down), true, 'the infrastructure itself stays provisioned');
});

test('an owned machine waits for its Machine’s bootstrap data and reports the Machine’s failure domain', async () => {
  const machine = await client.create(machinesResource, machineFor('owned', ns, {
    spec: { bootstrap: { configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'owned' } }, failureDomain: 'fd-2' },
  }));
  await client.create(inMemoryMachinesResource, inMemoryMachine('owned', ns, {}, {
    ownerReferences: [{ apiVersion: machine.apiVersion, kind: 'Machine', name: 'owned', uid: machine.metadata.uid!, controller: true }],
  }));
  const waiting = await eventually(async () => {
    const obj = await getMachine('owned');
    return findCondition(obj, 'Ready')?.reason === 'WaitingForBootstrapData' ? obj : undefined;
  }, 'the machine to wait for bootstrap data');
  assert.equal(infraMachine.provisioned(waiting), false);

  await client.patch(machinesResource, 'owned', { spec: { bootstrap: { dataSecretName: 'owned-bootstrap' } } }, { type: 'merge', namespace: ns });
  const obj = await provisioned('owned');
  assert.equal(infraMachine.failureDomain(obj), 'fd-2');
});

test('a paused machine is left alone until unpaused', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('held', ns, {}, { annotations: { [pausedAnnotation]: '' } }));
  const paused = await eventually(async () => {
    const obj = await getMachine('held');
    return findCondition(obj, 'Paused')?.status === 'True' ? obj : undefined;
  }, 'the Paused condition');
  assert.match(findCondition(paused, 'Paused')!.message!, /paused annotation/);
  assert.equal(infraMachine.provisioned(paused), false);
  await client.patch(inMemoryMachinesResource, 'held', { metadata: { annotations: { [pausedAnnotation]: null } } }, { type: 'merge', namespace: ns });
  const obj = await provisioned('held');
  assert.equal(findCondition(obj, 'Paused')?.status, 'False');
});

test('a deleted machine goes away (the controller releases its finalizer)', async () => {
  await client.create(inMemoryMachinesResource, inMemoryMachine('doomed', ns));
  await provisioned('doomed');
  await client.delete(inMemoryMachinesResource, 'doomed', { namespace: ns });
  await eventually(async () => {
    try {
      await getMachine('doomed');
      return false;
    } catch {
      return true;
    }
  }, 'the machine to be deleted');
});

test('InMemoryCluster: provisioned after its delay, with the spec’s failure domains published; deleted on request', async () => {
  const failureDomains = [{ name: 'fd-1', controlPlane: true }, { name: 'fd-2' }];
  const cluster: KubeObject = {
    ...inMemoryClusterTypeMeta,
    metadata: { name: 'c1', namespace: ns },
    spec: { controlPlaneEndpoint: { host: 'c1.example', port: 6443 }, failureDomains, simulation: { provisioningDelay: '1s', jitter: '0.5' } },
  };
  await client.create(inMemoryClustersResource, cluster);
  await sleep(300);
  assert.equal(infraCluster.provisioned(await client.get(inMemoryClustersResource, 'c1', ns)), false, 'not before the delay');
  const obj = await eventually(async () => {
    const current = await client.get(inMemoryClustersResource, 'c1', ns);
    return infraCluster.provisioned(current) ? current : undefined;
  }, 'the cluster to be provisioned');
  assert.deepEqual(infraCluster.failureDomains(obj), failureDomains);
  assert.deepEqual(infraCluster.controlPlaneEndpoint(obj), { host: 'c1.example', port: 6443 });
  assert.equal(findCondition(obj, 'Ready')?.status, 'True');
  const readyMs = Date.parse(findCondition(obj, 'Ready')!.lastTransitionTime);
  assert.ok(readyMs - Date.parse(obj.metadata.creationTimestamp!) >= 1000, 'provisioned no earlier than the delay');

  await client.delete(inMemoryClustersResource, 'c1', { namespace: ns });
  await eventually(async () => {
    try {
      await client.get(inMemoryClustersResource, 'c1', ns);
      return false;
    } catch {
      return true;
    }
  }, 'the cluster to be deleted');
});
