// The MachineHealthCheck controller against the real server, with the in-memory provider simulating
// machines and their nodes (failures injected through the InMemoryMachine spec). The Machine
// controller is not running: the tests write the Machine status fields it would (provisioned,
// nodeRef, InfrastructureReady) and the Cluster conditions the Cluster controller would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../../src/api/meta.ts';
import type { RestClient } from '../../../src/client/rest-client.ts';
import type { InMemoryMachineSimulation } from '../../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import type { MachineHealthCheckSpec } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';
import { machineHealthCheckTypeMeta } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';
import { clusterTypeMeta } from '../../../src/api/cluster.x-k8s.io/v1beta2/cluster.ts';
import { machineSkipRemediationAnnotation, pausedAnnotation, remediateMachineAnnotation } from '../../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { clustersResource, machinesResource } from '../../../src/controllers/cluster/resources.ts';
import { machineHealthCheckController } from '../../../src/controllers/machine-health-check/controller.ts';
import { machineHealthChecksResource } from '../../../src/controllers/machine-health-check/resources.ts';
import { findCondition } from '../../../src/controllers/provider-contract/conditions.ts';
import { infraMachine } from '../../../src/controllers/provider-contract/contract.ts';
import { inMemoryProviderControllers } from '../../../src/providers/infrastructure/inmemory/index.ts';
import { inMemoryMachinesResource } from '../../../src/providers/infrastructure/inmemory/resources.ts';
import { eventually } from '../../client/helpers.ts';
import { eventsFor, inMemoryMachine, machineFor, startClusterApiTestEnv, type ClusterApiTestEnv } from '../../providers/inmemory/fixtures.ts';

const ns = 'mhc';
let env: ClusterApiTestEnv;
let client: RestClient;

before(async () => {
  env = await startClusterApiTestEnv(ns);
  client = env.client;
  await env.startManager([machineHealthCheckController(), ...inMemoryProviderControllers()]);
});
after(async () => {
  await env?.stop();
});

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const trueCondition = (type: string, reason: string) => ({ type, status: 'True', reason, message: '', lastTransitionTime: now() });

/** A Cluster whose infrastructure is ready and whose control plane is initialized (what the Cluster controller would report). */
async function readyCluster(name: string): Promise<void> {
  const cluster = await client.create(clustersResource, { ...clusterTypeMeta, metadata: { name, namespace: ns }, spec: { paused: false } });
  await client.updateStatus(clustersResource, { ...cluster, status: { conditions: [trueCondition('InfrastructureReady', 'Ready'), trueCondition('ControlPlaneInitialized', 'Initialized')] } });
}

interface MachineOptions {
  simulation?: InMemoryMachineSimulation;
  annotations?: Record<string, string>;
  /** Wait for the infrastructure and record what the Machine controller would (default true). */
  provision?: boolean;
}

/** Machine `name` (labelled pool=<cluster>) owning an InMemoryMachine of the same name. */
async function machine(cluster: string, name: string, options: MachineOptions = {}): Promise<void> {
  const created = await client.create(machinesResource, machineFor(name, ns, { clusterName: cluster, labels: { pool: cluster }, annotations: options.annotations }));
  await client.create(inMemoryMachinesResource, inMemoryMachine(name, ns, options.simulation ? { simulation: options.simulation } : {}, {
    labels: { 'cluster.x-k8s.io/cluster-name': cluster },
    ownerReferences: [{ apiVersion: created.apiVersion, kind: 'Machine', name, uid: created.metadata.uid!, controller: true }],
  }));
  if (options.provision === false) return;
  const infrastructure = await eventually(async () => {
    const obj = await client.get(inMemoryMachinesResource, name, ns);
    return infraMachine.provisioned(obj) ? obj : undefined;
  }, `InMemoryMachine ${name} to be provisioned`);
  const current = await client.get(machinesResource, name, ns);
  await client.updateStatus(machinesResource, {
    ...current,
    status: {
      initialization: { infrastructureProvisioned: true },
      nodeRef: { name: infraMachine.node(infrastructure)!.name },
      conditions: [trueCondition('InfrastructureReady', 'Ready')],
    },
  });
}

async function healthCheck(name: string, cluster: string, spec: Partial<MachineHealthCheckSpec> = {}, annotations?: Record<string, string>): Promise<void> {
  await client.create(machineHealthChecksResource, {
    ...machineHealthCheckTypeMeta,
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec: {
      clusterName: cluster,
      selector: { matchLabels: { pool: cluster } },
      checks: { unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }, { type: 'Ready', status: 'Unknown', timeoutSeconds: 1 }] },
      ...spec,
    },
  });
}

const getMachine = (name: string) => client.get(machinesResource, name, ns);
const getHealthCheck = (name: string) => client.get(machineHealthChecksResource, name, ns);
const status = (obj: KubeObject) => obj.status as { expectedMachines?: number; currentHealthy?: number; remediationsAllowed?: number; targets?: string[] };
const names = (cluster: string, count: number) => Array.from({ length: count }, (_, i) => `${cluster}-${i}`);
const unhealthyAfterOneSecond: InMemoryMachineSimulation = { failures: { becomeUnhealthyAfter: '1s' } };

test('2 of 10 machines turn unhealthy: both are marked for remediation by their owner, the 8 others pass', async () => {
  await readyCluster('two');
  const machines = names('two', 10);
  await Promise.all(machines.map((name, i) => machine('two', name, { simulation: i < 2 ? unhealthyAfterOneSecond : undefined })));
  await healthCheck('two', 'two', { remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40%' } } });

  const mhc = await eventually(async () => {
    const obj = await getHealthCheck('two');
    return status(obj).currentHealthy === 8 && findCondition(obj, 'RemediationAllowed')?.status === 'True' ? obj : undefined;
  }, 'the health check to count 8 healthy machines', 15_000);
  assert.equal(status(mhc).expectedMachines, 10);
  assert.equal(status(mhc).remediationsAllowed, 2);
  assert.deepEqual(status(mhc).targets, [...machines].sort());

  for (const name of machines.slice(0, 2)) {
    const obj = await eventually(async () => {
      const m = await getMachine(name);
      return findCondition(m, 'OwnerRemediated') ? m : undefined;
    }, `${name} to be marked for remediation`);
    assert.equal(findCondition(obj, 'HealthCheckSucceeded')?.status, 'False');
    assert.equal(findCondition(obj, 'HealthCheckSucceeded')?.reason, 'UnhealthyNode');
    assert.match(findCondition(obj, 'HealthCheckSucceeded')!.message!, /Condition Ready on Node is reporting status False with reason KubeletNotReady for more than 1s/);
    assert.equal(findCondition(obj, 'OwnerRemediated')?.status, 'False');
    assert.equal(findCondition(obj, 'OwnerRemediated')?.reason, 'WaitingForRemediation');
    await eventually(async () => (await eventsFor(client, ns, name)).some((e) => e.reason === 'MachineMarkedUnhealthy'), `the MachineMarkedUnhealthy event of ${name}`);
  }
  for (const name of machines.slice(2)) {
    const obj = await getMachine(name);
    assert.equal(findCondition(obj, 'HealthCheckSucceeded')?.status, 'True', name);
    assert.equal(findCondition(obj, 'OwnerRemediated'), undefined, `${name} is not marked`);
  }
  const owned = (await getHealthCheck('two')).metadata;
  assert.equal(owned.labels?.['cluster.x-k8s.io/cluster-name'], 'two');
  assert.equal(owned.ownerReferences?.[0].kind, 'Cluster', 'the health check belongs to its Cluster');
});

test('6 of 10 unhealthy with unhealthyLessThanOrEqualTo 40%: all 6 fail the check, none is marked for remediation, and the condition says why', async () => {
  await readyCluster('six');
  const machines = names('six', 10);
  await Promise.all(machines.map((name, i) => machine('six', name, { simulation: i < 6 ? unhealthyAfterOneSecond : undefined })));
  await healthCheck('six', 'six', { remediation: { triggerIf: { unhealthyLessThanOrEqualTo: '40%' } } });

  await eventually(async () => {
    const all = await Promise.all(machines.slice(0, 6).map(getMachine));
    return all.every((m) => findCondition(m, 'HealthCheckSucceeded')?.status === 'False');
  }, 'the 6 machines to fail the health check', 15_000);
  const mhc = await eventually(async () => {
    const obj = await getHealthCheck('six');
    return status(obj).currentHealthy === 4 ? obj : undefined;
  }, 'the health check to count 4 healthy machines');
  const allowed = findCondition(mhc, 'RemediationAllowed');
  assert.equal(allowed?.status, 'False');
  assert.equal(allowed?.reason, 'TooManyUnhealthy');
  assert.equal(allowed?.message, 'Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: 10, unhealthy: 6, maxUnhealthy: 40%)');
  assert.equal(status(mhc).remediationsAllowed, 0);
  await sleep(1500);
  for (const obj of await Promise.all(machines.map(getMachine))) {
    assert.equal(findCondition(obj, 'OwnerRemediated'), undefined, `${obj.metadata.name} must not be marked for remediation`);
  }
  assert.ok((await eventsFor(client, ns, 'six')).some((e) => e.reason === 'RemediationRestricted' && e.type === 'Warning'));
});

test('skip-remediation: never marked (and not a target); remediate-machine: marked at once', async () => {
  await readyCluster('ann');
  await machine('ann', 'ann-skip', { simulation: unhealthyAfterOneSecond, annotations: { [machineSkipRemediationAnnotation]: '' } });
  await machine('ann', 'ann-remediate', { annotations: { [remediateMachineAnnotation]: '' } });
  await machine('ann', 'ann-fine');
  await healthCheck('ann', 'ann');

  const marked = await eventually(async () => {
    const obj = await getMachine('ann-remediate');
    return findCondition(obj, 'OwnerRemediated') ? obj : undefined;
  }, 'the annotated machine to be marked');
  assert.equal(findCondition(marked, 'HealthCheckSucceeded')?.reason, 'HasRemediateAnnotation');
  assert.equal(findCondition(marked, 'OwnerRemediated')?.reason, 'WaitingForRemediation');

  // ann-skip's node has been NotReady for longer than the timeout by now.
  await eventually(async () => {
    const infra = await client.get(inMemoryMachinesResource, 'ann-skip', ns);
    return infraMachine.node(infra)?.conditions.some((c) => c.type === 'Ready' && c.status === 'False');
  }, 'ann-skip’s node to fail');
  await sleep(2500);
  const skipped = await getMachine('ann-skip');
  assert.equal(findCondition(skipped, 'HealthCheckSucceeded'), undefined);
  assert.equal(findCondition(skipped, 'OwnerRemediated'), undefined);
  const mhc = await getHealthCheck('ann');
  assert.deepEqual(status(mhc).targets, ['ann-fine', 'ann-remediate']);
  assert.equal(status(mhc).expectedMachines, 2);
});

test('a machine whose node never appears fails the node startup timeout', async () => {
  await readyCluster('startup');
  await machine('startup', 'startup-stuck', { simulation: { failures: { failToProvision: true } }, provision: false });
  await machine('startup', 'startup-fine');
  await healthCheck('startup', 'startup', { checks: { nodeStartupTimeoutSeconds: 2, unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 60 }] } });

  const pending = await eventually(async () => {
    const obj = await getHealthCheck('startup');
    return status(obj).expectedMachines === 2 ? obj : undefined;
  }, 'the health check to see both machines');
  assert.ok((status(pending).currentHealthy ?? 0) <= 1);
  const stuck = await eventually(async () => {
    const obj = await getMachine('startup-stuck');
    return findCondition(obj, 'HealthCheckSucceeded') ? obj : undefined;
  }, 'the stuck machine to be judged');
  assert.equal(findCondition(stuck, 'HealthCheckSucceeded')?.reason, 'NodeStartupTimeout');
  assert.match(findCondition(stuck, 'HealthCheckSucceeded')!.message!, /Node failed to report startup in 2s/);
  assert.equal(findCondition(stuck, 'OwnerRemediated')?.status, 'False');
  assert.ok(Date.parse(findCondition(stuck, 'HealthCheckSucceeded')!.lastTransitionTime) - Date.parse(stuck.metadata.creationTimestamp!) >= 2000, 'not before the timeout');
  assert.equal(findCondition(await getMachine('startup-fine'), 'HealthCheckSucceeded')?.status, 'True');
});

test('a paused health check marks nothing until unpaused', async () => {
  await readyCluster('held');
  await machine('held', 'held-0', { annotations: { [remediateMachineAnnotation]: '' } });
  await healthCheck('held', 'held', {}, { [pausedAnnotation]: '' });
  const paused = await eventually(async () => {
    const obj = await getHealthCheck('held');
    return findCondition(obj, 'Paused')?.status === 'True' ? obj : undefined;
  }, 'the Paused condition');
  assert.match(findCondition(paused, 'Paused')!.message!, /MachineHealthCheck has the cluster.x-k8s.io\/paused annotation/);
  await sleep(500);
  assert.equal(findCondition(await getMachine('held-0'), 'HealthCheckSucceeded'), undefined);

  await client.patch(machineHealthChecksResource, 'held', { metadata: { annotations: { [pausedAnnotation]: null } } }, { type: 'merge', namespace: ns });
  await eventually(async () => findCondition(await getMachine('held-0'), 'OwnerRemediated')?.status === 'False', 'the machine to be marked once unpaused');
});

test('a health check whose Cluster does not exist yet says so in an event, and checks once the Cluster is made', async () => {
  await healthCheck('early', 'later');
  const warning = await eventually(async () => (await eventsFor(client, ns, 'early')).find((e) => e.reason === 'ClusterNotFound' && e.type === 'Warning'), 'the ClusterNotFound event');
  assert.match(String(warning.message), /Cluster mhc\/later does not exist/);
  await readyCluster('later');
  await machine('later', 'later-0');
  const checked = await eventually(async () => {
    const obj = await getHealthCheck('early');
    return status(obj).expectedMachines === 1 ? obj : undefined;
  }, 'the health check to count the Cluster\'s machine');
  assert.deepEqual(checked.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`), ['Cluster/later']);
});
