// The MachineDeployment and MachineSet controllers together against the real API server (with the garbage
// collector and a stand-in for the Machine controller, see ../machine-set/cluster-api-harness.ts): creation,
// scaling with the deletion order, RollingUpdate (maxSurge 1 / maxUnavailable 0, availability checked at every
// observed change), OnDelete, pause, and remediation of a Machine marked by a health check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Machine } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { KubeObject } from '../../../src/api/meta.ts';
import {
  createTemplate, eventually, infraRef, isAvailable, listMachines, machineDeploymentsResource, machineSetsResource, machinesResource,
  startHarness, testMachineTemplatesResource, testMachinesResource, type Harness,
} from '../machine-set/cluster-api-harness.ts';

let h: Harness;
const ns = 'md-test';

before(async () => {
  h = await startHarness(ns, { readyAfterMs: 150 });
  await createTemplate(h.client, ns, 'tmpl-b', { size: 'large' });
});
after(async () => { await h?.stop(); });

function deployment(name: string, replicas: number, extra: Partial<MachineDeployment['spec']> = {}): MachineDeployment {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'MachineDeployment',
    metadata: { name, namespace: ns, annotations: { team: 'blue' } },
    spec: {
      clusterName: 'c1',
      replicas,
      selector: { matchLabels: { 'cluster.x-k8s.io/deployment-name': name } },
      template: {
        metadata: { labels: { 'cluster.x-k8s.io/deployment-name': name, pool: name } },
        spec: { clusterName: 'c1', version: 'v1.31.0', bootstrap: { dataSecretName: 'bootstrap-data' }, infrastructureRef: infraRef('tmpl-a') },
      },
      ...extra,
    },
  };
}

const selectorOf = (md: string) => `cluster.x-k8s.io/deployment-name=${md}`;
const live = (machines: Machine[]) => machines.filter((m) => !m.metadata.deletionTimestamp);
const getMD = (name: string) => h.client.get<MachineDeployment>(machineDeploymentsResource, name, ns);
const machineSetsOf = async (md: string) => (await h.client.list<MachineSet>(machineSetsResource, { namespace: ns, labelSelector: selectorOf(md) })).items;
/** What a MachineHealthCheck writes on a Machine it finds unhealthy and leaves to its owner to remediate. */
async function markUnhealthy(machine: Machine): Promise<void> {
  const mark = (type: string, reason: string) => ({ type, status: 'False', reason, message: '', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
  const current = await h.client.get<Machine>(machinesResource, machine.metadata.name!, ns);
  await h.client.patch(machinesResource, machine.metadata.name!, {
    metadata: { resourceVersion: current.metadata.resourceVersion },
    status: { conditions: [...(current.status?.conditions ?? []), mark('HealthCheckSucceeded', 'UnhealthyNode'), mark('OwnerRemediated', 'WaitingForRemediation')] },
  }, { type: 'merge', namespace: ns, subresource: 'status' });
}
const patchMD = (name: string, patch: unknown) => h.client.patch(machineDeploymentsResource, name, patch, { type: 'merge', namespace: ns });

/** Waits until the MachineDeployment has exactly `replicas` Machines, all available and up to date, and reports so. */
async function settled(name: string, replicas: number, ms = 20_000): Promise<Machine[]> {
  return eventually(async () => {
    const machines = await listMachines(h.client, ns, selectorOf(name));
    const md = await getMD(name);
    return machines.length === replicas && machines.every(isAvailable)
      && md.status?.availableReplicas === replicas && md.status?.upToDateReplicas === replicas && md.status?.replicas === replicas && md.status?.observedGeneration === md.metadata.generation
      ? machines : undefined;
  }, `MachineDeployment ${name} to settle at ${replicas} available Machines`, ms);
}

test('a MachineDeployment of 3 creates one MachineSet and 3 Machines with the right labels, annotations and owners', async () => {
  await h.client.create(machineDeploymentsResource, deployment('web', 3));
  const machines = await settled('web', 3);
  const [ms] = await machineSetsOf('web');
  const md = await getMD('web');
  assert.equal((await machineSetsOf('web')).length, 1);

  const hash = ms.metadata.labels!['machine-template-hash'];
  assert.match(hash, /^\d+-[a-z0-9]{5}$/);
  assert.equal(ms.metadata.name, `web-${hash.split('-')[1]}`);
  assert.equal(ms.metadata.labels!['cluster.x-k8s.io/deployment-name'], 'web');
  assert.equal(ms.metadata.labels!['cluster.x-k8s.io/cluster-name'], 'c1');
  assert.equal(ms.spec.selector.matchLabels!['machine-template-hash'], hash);
  assert.equal(ms.spec.template.metadata!.labels!['machine-template-hash'], hash);
  assert.deepEqual(ms.metadata.ownerReferences!.map((r) => [r.kind, r.name, r.controller]), [['MachineDeployment', 'web', true]]);
  assert.equal(ms.metadata.annotations!['machinedeployment.clusters.x-k8s.io/revision'], '1');
  assert.equal(ms.metadata.annotations!['machinedeployment.clusters.x-k8s.io/desired-replicas'], '3');
  assert.equal(ms.metadata.annotations!['machinedeployment.clusters.x-k8s.io/max-replicas'], '4');
  assert.equal(ms.metadata.annotations!.team, 'blue', 'the MachineDeployment\'s own annotations are copied');
  assert.ok(ms.metadata.finalizers!.includes('cluster.x-k8s.io/machineset'));
  assert.equal(md.metadata.annotations!['machinedeployment.clusters.x-k8s.io/revision'], '1');
  assert.ok(md.metadata.ownerReferences!.some((r) => r.kind === 'Cluster' && r.name === 'c1'));
  assert.equal(md.status!.selector, 'cluster.x-k8s.io/cluster-name=c1,cluster.x-k8s.io/deployment-name=web');
  const cond = (type: string) => md.status!.conditions!.find((c) => c.type === type);
  assert.equal(cond('Available')!.status, 'True');
  assert.equal(cond('MachinesReady')!.status, 'True');
  assert.equal(cond('RollingOut')!.status, 'False');
  assert.equal(cond('Deleting')!.status, 'False');
  assert.equal(cond('Paused')!.status, 'False');

  for (const machine of machines) {
    assert.match(machine.metadata.name!, new RegExp(`^${ms.metadata.name}-[a-z0-9]{5}$`));
    assert.equal(machine.metadata.labels!['cluster.x-k8s.io/set-name'], ms.metadata.name);
    assert.equal(machine.metadata.labels!['cluster.x-k8s.io/deployment-name'], 'web');
    assert.equal(machine.metadata.labels!.pool, 'web');
    assert.equal(machine.metadata.labels!['machine-template-hash'], hash);
    assert.deepEqual(machine.metadata.ownerReferences!.map((r) => [r.kind, r.name, r.controller]), [['MachineSet', ms.metadata.name, true]]);
    assert.deepEqual(machine.spec.infrastructureRef, { apiGroup: 'infrastructure.test.slipway.dev', kind: 'TestMachine', name: machine.metadata.name });
    assert.equal(machine.spec.bootstrap.dataSecretName, 'bootstrap-data');
    const infra = await h.client.get(testMachinesResource, machine.metadata.name!, ns);
    assert.equal(infra.metadata.annotations!['cluster.x-k8s.io/cloned-from-name'], 'tmpl-a');
    assert.equal(infra.metadata.annotations!['cluster.x-k8s.io/cloned-from-groupkind'], 'TestMachineTemplate.infrastructure.test.slipway.dev');
    assert.equal(infra.metadata.labels!['cluster.x-k8s.io/cluster-name'], 'c1');
    assert.equal(infra.metadata.labels!['from-template'], 'yes');
    assert.deepEqual(infra.metadata.ownerReferences!.map((r) => [r.kind, r.name]), [['MachineSet', ms.metadata.name]]);
    assert.deepEqual(infra.spec, { size: 'small' });
  }
  const template = await h.client.get(testMachineTemplatesResource, 'tmpl-a', ns);
  assert.ok(template.metadata.ownerReferences!.some((r) => r.kind === 'Cluster' && r.name === 'c1'), 'the template becomes part of the Cluster');
});

test('scaling 3 → 5 → 4 → 1: the Machine annotated for deletion goes first', async () => {
  await patchMD('web', { spec: { replicas: 5 } });
  const five = await settled('web', 5);
  const marked = five.find((m) => m.metadata.name === [...five.map((x) => x.metadata.name!)].sort()[4])!;
  await h.client.patch(machinesResource, marked.metadata.name!, { metadata: { annotations: { 'cluster.x-k8s.io/delete-machine': 'yes' } } }, { type: 'merge', namespace: ns });
  await patchMD('web', { spec: { replicas: 4 } });
  const four = await settled('web', 4);
  assert.ok(!four.some((m) => m.metadata.name === marked.metadata.name), 'the annotated Machine was the one deleted');
  await patchMD('web', { spec: { replicas: 1 } });
  const one = await settled('web', 1);
  assert.ok(four.some((m) => m.metadata.name === one[0].metadata.name), 'scale-down deletes, it does not replace');
  assert.equal((await machineSetsOf('web')).length, 1);
  await eventually(async () => (await h.client.list(testMachinesResource, { namespace: ns, labelSelector: selectorOf('web') })).items.length === 1, 'the deleted Machines\' infrastructure to be collected');
});

test('a template change rolls out with maxSurge 1 / maxUnavailable 0: never fewer than 3 available, never more than 4 Machines', async () => {
  await h.client.create(machineDeploymentsResource, deployment('roll', 3, { rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } }));
  const before = await settled('roll', 3);
  const [oldMS] = await machineSetsOf('roll');

  // Every change of every Machine of the MachineDeployment, as the watch reports it.
  const state = new Map<string, Machine>();
  for (const m of before) state.set(m.metadata.name!, m);
  const violations: string[] = [];
  let observedSteps = 0;
  const abort = new AbortController();
  const watching = (async () => {
    const list = await h.client.list<Machine>(machinesResource, { namespace: ns, labelSelector: selectorOf('roll') });
    for await (const event of h.client.watch<Machine>(machinesResource, { namespace: ns, labelSelector: selectorOf('roll'), resourceVersion: list.metadata.resourceVersion, signal: abort.signal })) {
      if (event.type === 'ERROR' || event.type === 'BOOKMARK') continue;
      const m = event.object as Machine;
      if (event.type === 'DELETED') state.delete(m.metadata.name!);
      else state.set(m.metadata.name!, m);
      observedSteps++;
      const available = live([...state.values()]).filter(isAvailable).length;
      if (available < 3) violations.push(`${available} available after ${event.type} ${m.metadata.name}`);
      if (state.size > 4) violations.push(`${state.size} Machines after ${event.type} ${m.metadata.name}`);
    }
  })().catch((error) => { if (!abort.signal.aborted) throw error; });

  await patchMD('roll', { spec: { template: { spec: { infrastructureRef: infraRef('tmpl-b') } } } });
  await eventually(async () => {
    const machines = await listMachines(h.client, ns, selectorOf('roll'));
    return machines.length === 3 && !machines.some((m) => before.some((b) => b.metadata.name === m.metadata.name));
  }, 'every old Machine to be replaced', 30_000);
  const after = await settled('roll', 3);
  await eventually(async () => (await machineSetsOf('roll')).length === 1, 'the old MachineSet to be deleted once the rollout completed');
  abort.abort();
  await watching;

  assert.deepEqual(violations, []);
  assert.ok(observedSteps >= 12, `the rollout went through many observed steps (${observedSteps})`);
  const [newMS] = await machineSetsOf('roll');
  assert.notEqual(newMS.metadata.name, oldMS.metadata.name);
  assert.equal(newMS.metadata.annotations!['machinedeployment.clusters.x-k8s.io/revision'], '2');
  assert.equal((await getMD('roll')).metadata.annotations!['machinedeployment.clusters.x-k8s.io/revision'], '2');
  for (const m of after) {
    assert.equal(m.metadata.labels!['cluster.x-k8s.io/set-name'], newMS.metadata.name);
    assert.ok(!before.some((b) => b.metadata.name === m.metadata.name));
    assert.deepEqual((await h.client.get(testMachinesResource, m.metadata.name!, ns)).spec, { size: 'large' });
  }
  const md = await getMD('roll');
  assert.equal(md.status!.upToDateReplicas, 3);
  assert.equal(md.status!.conditions!.find((c) => c.type === 'RollingOut')!.status, 'False');
});

test('a label change of the template is propagated in place, without a rollout', async () => {
  const before = (await listMachines(h.client, ns, selectorOf('roll'))).map((m) => m.metadata.name).sort();
  await patchMD('roll', { spec: { template: { metadata: { labels: { tier: 'gold' } } } } });
  await eventually(async () => {
    const machines = await listMachines(h.client, ns, selectorOf('roll'));
    return machines.length === 3 && machines.every((m) => m.metadata.labels!.tier === 'gold');
  }, 'the new label on every Machine');
  await patchMD('roll', { spec: { template: { metadata: { labels: { tier: null } } } } });
  await eventually(async () => (await listMachines(h.client, ns, selectorOf('roll'))).every((m) => m.metadata.labels!.tier === undefined), 'the removed label to go from every Machine');
  assert.deepEqual((await listMachines(h.client, ns, selectorOf('roll'))).map((m) => m.metadata.name).sort(), before, 'same Machines');
  assert.equal((await machineSetsOf('roll')).length, 1);
});

test('OnDelete: a template change replaces nothing until old Machines are deleted, then each is replaced from the new template', async () => {
  await h.client.create(machineDeploymentsResource, deployment('ondel', 2, { rollout: { strategy: { type: 'OnDelete' } } }));
  const before = await settled('ondel', 2);
  await patchMD('ondel', { spec: { template: { spec: { infrastructureRef: infraRef('tmpl-b') } } } });
  await eventually(async () => (await machineSetsOf('ondel')).length === 2, 'the new MachineSet');
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual((await listMachines(h.client, ns, selectorOf('ondel'))).map((m) => m.metadata.name).sort(), before.map((m) => m.metadata.name).sort(), 'nothing replaced by itself');
  const oldMS = (await machineSetsOf('ondel')).find((ms) => ms.metadata.name === before[0].metadata.labels!['cluster.x-k8s.io/set-name'])!;
  assert.equal(oldMS.metadata.annotations!['cluster.x-k8s.io/disable-machine-create'], 'true');

  await h.client.delete(machinesResource, before[0].metadata.name!, { namespace: ns });
  const after = await eventually(async () => {
    const machines = await listMachines(h.client, ns, selectorOf('ondel'));
    return machines.length === 2 && !machines.some((m) => m.metadata.name === before[0].metadata.name) && machines.every(isAvailable) ? machines : undefined;
  }, 'the deleted Machine to be replaced');
  const replacement = after.find((m) => m.metadata.name !== before[1].metadata.name)!;
  assert.notEqual(replacement.metadata.labels!['cluster.x-k8s.io/set-name'], oldMS.metadata.name, 'the replacement comes from the new MachineSet');
  assert.deepEqual((await h.client.get(testMachinesResource, replacement.metadata.name!, ns)).spec, { size: 'large' });
  assert.ok(after.some((m) => m.metadata.name === before[1].metadata.name), 'the other old Machine stays');
});

test('a paused MachineDeployment does not roll out; unpaused, it does', async () => {
  await h.client.create(machineDeploymentsResource, deployment('paused', 2));
  const before = await settled('paused', 2);
  await patchMD('paused', { spec: { paused: true } });
  await eventually(async () => (await getMD('paused')).status?.observedGeneration === (await getMD('paused')).metadata.generation, 'the pause to be observed');
  await patchMD('paused', { spec: { template: { spec: { infrastructureRef: infraRef('tmpl-b') } } } });
  await new Promise((r) => setTimeout(r, 800));
  assert.equal((await machineSetsOf('paused')).length, 1, 'no new MachineSet while paused');
  assert.deepEqual((await listMachines(h.client, ns, selectorOf('paused'))).map((m) => m.metadata.name).sort(), before.map((m) => m.metadata.name).sort());
  const md = await getMD('paused');
  assert.equal(md.status!.conditions!.find((c) => c.type === 'RollingOut')!.status, 'True', 'the Machines are reported as not up to date');

  await patchMD('paused', { spec: { paused: false } });
  const after = await settled('paused', 2, 20_000);
  assert.ok(after.every((m) => !before.some((b) => b.metadata.name === m.metadata.name)), 'rolled out once unpaused');
});

test('a Machine marked by a health check is remediated by its MachineSet and replaced', async () => {
  await settled('web', 1);
  await patchMD('web', { spec: { replicas: 3 } });
  const three = await settled('web', 3);
  const sick = three[0];
  await markUnhealthy(sick);
  const after = await eventually(async () => {
    const list = await listMachines(h.client, ns, selectorOf('web'));
    return list.length === 3 && !list.some((m) => m.metadata.name === sick.metadata.name) && list.every(isAvailable) ? list : undefined;
  }, 'the unhealthy Machine to be deleted and replaced');
  assert.equal(after.filter((m) => three.some((t) => t.metadata.name === m.metadata.name)).length, 2, 'only the unhealthy Machine was replaced');
});

test('remediation is bounded by spec.remediation.maxInFlight: the second unhealthy Machine waits for the first', async () => {
  await h.client.create(machineDeploymentsResource, deployment('rem', 3, { remediation: { maxInFlight: 1 } }));
  const machines = await settled('rem', 3);
  const sick = machines.slice(0, 2);
  for (const m of sick) h.simulation.holdDeletion.add(m.metadata.name!);
  for (const m of sick) await markUnhealthy(m);
  const reasons = await eventually(async () => {
    const list = await listMachines(h.client, ns, selectorOf('rem'));
    const of = (m: Machine) => list.find((x) => x.metadata.name === m.metadata.name);
    const state = sick.map((m) => [Boolean(of(m)?.metadata.deletionTimestamp), of(m)?.status?.conditions?.find((c) => c.type === 'OwnerRemediated')?.reason]);
    return state.filter(([deleting]) => deleting).length === 1 && state.some(([, reason]) => reason === 'RemediationDeferred') ? state : undefined;
  }, 'one Machine in remediation and the other deferred');
  assert.deepEqual(reasons.map(([, reason]) => reason).sort(), ['MachineDeleting', 'RemediationDeferred']);
  // The MachineDeployment summarises its Machines in batches: it says so shortly after, and keeps saying so while the deletion is held.
  await eventually(async () => (await getMD('rem')).status?.conditions?.find((c) => c.type === 'Remediating')?.status === 'True', 'the MachineDeployment to report Remediating');
  for (const m of sick) h.simulation.holdDeletion.delete(m.metadata.name!);
  const after = await eventually(async () => {
    const list = await listMachines(h.client, ns, selectorOf('rem'));
    return list.length === 3 && list.every(isAvailable) && !list.some((m) => sick.some((s) => s.metadata.name === m.metadata.name)) ? list : undefined;
  }, 'both unhealthy Machines to be replaced');
  assert.ok(after.some((m) => m.metadata.name === machines[2].metadata.name), 'the healthy Machine stays');
});

test('a MachineDeployment applied without a selector gets Cluster API\'s default: its deployment-name and cluster-name labels on selector and template', async () => {
  const { selector: _omitted, ...spec } = deployment('unselected', 2).spec;
  const manifest = { ...deployment('unselected', 2), spec: { ...spec, template: { ...spec.template, metadata: { labels: { pool: 'unselected' } } } } };
  await h.client.apply(machineDeploymentsResource, manifest, { fieldManager: 'test' });
  const machines = await settled('unselected', 2);
  const md = await getMD('unselected');
  const defaulted = { 'cluster.x-k8s.io/deployment-name': 'unselected', 'cluster.x-k8s.io/cluster-name': 'c1' };
  assert.deepEqual(md.spec.selector, { matchLabels: defaulted });
  assert.deepEqual(md.spec.template.metadata?.labels, { pool: 'unselected', ...defaulted });
  assert.equal(md.status?.selector, 'cluster.x-k8s.io/cluster-name=c1,cluster.x-k8s.io/deployment-name=unselected');
  for (const machine of machines) assert.equal(machine.metadata.labels?.pool, 'unselected');
  // The same manifest applied again leaves the defaults alone: they belong to the controller's field manager.
  await h.client.apply(machineDeploymentsResource, manifest, { fieldManager: 'test' });
  const again = await getMD('unselected');
  assert.deepEqual(again.spec.selector, md.spec.selector);
  assert.deepEqual(again.spec.template.metadata?.labels, md.spec.template.metadata?.labels);
  await h.client.delete(machineDeploymentsResource, 'unselected', { namespace: ns });
});

test('deleting a MachineDeployment deletes its MachineSets and Machines first, then itself', async () => {
  await h.client.delete(machineDeploymentsResource, 'ondel', { namespace: ns });
  await eventually(async () => {
    try { await getMD('ondel'); return false; } catch { return true; }
  }, 'the MachineDeployment to be gone');
  assert.equal((await listMachines(h.client, ns, selectorOf('ondel'))).length, 0);
  assert.equal((await machineSetsOf('ondel')).length, 0);
  const leftovers = (await h.client.list<KubeObject>(testMachinesResource, { namespace: ns, labelSelector: selectorOf('ondel') })).items;
  await eventually(async () => (await h.client.list(testMachinesResource, { namespace: ns, labelSelector: selectorOf('ondel') })).items.length === 0, `infrastructure machines ${leftovers.map((l) => l.metadata.name)} to be collected`);
});
