// The MachineSet controller on its own (stand-alone MachineSets, no MachineDeployment) against the real API
// server: ownership and labels, machine naming, adoption of orphans, the Newest deletion order, in-place
// propagation, clean-up of clones a crash left without a Machine, convergence without duplicates across a
// controller restart in the middle of a scale-up, deletion (Machines first, then the finalizer), and the cache
// expectations that keep a stale cache from creating twice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Machine } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import type { KubeObject } from '../../../src/api/meta.ts';
import { CacheExpectations, type CacheView } from '../../../src/controllers/machine-set/cache-expectations.ts';
import { nameLabelValue } from '../../../src/controllers/machine-set/name-label-value.ts';
import {
  eventually, infraGroup, infraRef, isAvailable, listMachines, machineSetsResource, machinesResource, startHarness, testMachinesResource, type Harness,
} from './cluster-api-harness.ts';

let h: Harness;
const ns = 'ms-test';

before(async () => { h = await startHarness(ns); });
after(async () => { await h?.stop(); });

function machineSet(name: string, replicas: number, extra: Partial<MachineSet['spec']> = {}): MachineSet {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'MachineSet',
    metadata: { name, namespace: ns },
    spec: {
      clusterName: 'c1',
      replicas,
      selector: { matchLabels: { set: name } },
      template: {
        metadata: { labels: { set: name }, annotations: { note: 'v1' } },
        spec: { clusterName: 'c1', bootstrap: { dataSecretName: 'data' }, infrastructureRef: infraRef('tmpl-a') },
      },
      ...extra,
    },
  };
}

const getMS = (name: string) => h.client.get<MachineSet>(machineSetsResource, name, ns);
const machinesOf = (name: string) => listMachines(h.client, ns, `set=${name}`);
const infraOf = async (name: string) => (await h.client.list(testMachinesResource, { namespace: ns, labelSelector: `set=${name}` })).items;

async function settled(name: string, replicas: number, ms = 15_000): Promise<Machine[]> {
  return eventually(async () => {
    const machines = await machinesOf(name);
    const set = await getMS(name);
    return machines.length === replicas && machines.every((m) => !m.metadata.deletionTimestamp && isAvailable(m))
      && set.status?.availableReplicas === replicas && set.status?.replicas === replicas && set.status.observedGeneration === set.metadata.generation ? machines : undefined;
  }, `MachineSet ${name} to settle at ${replicas} available Machines`, ms);
}

test('a stand-alone MachineSet is owned by its Cluster, labelled, and names its Machines by spec.machineNaming.template', async () => {
  await h.client.create(machineSetsResource, machineSet('named', 2, { machineNaming: { template: '{{ .cluster.name }}-worker-{{ .random }}' } }));
  const machines = await settled('named', 2);
  const ms = await getMS('named');
  assert.ok(ms.metadata.ownerReferences!.some((r) => r.kind === 'Cluster' && r.name === 'c1' && !r.controller));
  assert.equal(ms.metadata.labels!['cluster.x-k8s.io/cluster-name'], 'c1');
  assert.equal(ms.spec.selector.matchLabels!['cluster.x-k8s.io/cluster-name'], 'c1');
  assert.equal(ms.status!.selector, 'cluster.x-k8s.io/cluster-name=c1,set=named');
  for (const type of ['MachinesReady', 'MachinesUpToDate']) assert.equal(ms.status!.conditions!.find((c) => c.type === type)!.status, 'True', type);
  for (const type of ['ScalingUp', 'ScalingDown', 'Remediating', 'Deleting', 'Paused']) assert.equal(ms.status!.conditions!.find((c) => c.type === type)!.status, 'False', type);
  for (const m of machines) {
    assert.match(m.metadata.name!, /^c1-worker-[a-z0-9]{5}$/);
    assert.equal(m.metadata.annotations!.note, 'v1');
    assert.deepEqual(m.metadata.finalizers, ['machine.cluster.x-k8s.io']);
  }
});

test('a stand-alone MachineSet created without a selector selects its set-name label (a hash for a name too long for a label)', async () => {
  const name = `unselected-${'x'.repeat(60)}`;
  const { selector: _omitted, ...spec } = machineSet(name, 2).spec;
  await h.client.create(machineSetsResource, { ...machineSet(name, 2), spec: { ...spec, template: { ...spec.template, metadata: { labels: { pool: 'unselected' } } } } });
  const labelValue = nameLabelValue(name);
  assert.match(labelValue, /^hash_[A-Za-z0-9_-]{6}_z$/);
  const machines = await eventually(async () => {
    const found = await listMachines(h.client, ns, `cluster.x-k8s.io/set-name=${labelValue}`);
    return found.length === 2 && found.every(isAvailable) ? found : undefined;
  }, 'two available Machines labelled with the MachineSet\'s set-name');
  const ms = await getMS(name);
  const defaulted = { 'cluster.x-k8s.io/set-name': labelValue, 'cluster.x-k8s.io/cluster-name': 'c1' };
  assert.deepEqual(ms.spec.selector, { matchLabels: defaulted });
  assert.deepEqual(ms.spec.template.metadata?.labels, { pool: 'unselected', ...defaulted });
  for (const machine of machines) assert.equal(machine.metadata.labels?.pool, 'unselected');
  await h.client.delete(machineSetsResource, name, { namespace: ns });
});

test('an orphan Machine matching the selector is adopted and counted', async () => {
  await h.client.create(testMachinesResource, { apiVersion: `${infraGroup}/v1`, kind: 'TestMachine', metadata: { name: 'stray', namespace: ns, labels: { set: 'adopter' } }, spec: {} });
  await h.client.create(machinesResource, {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name: 'stray', namespace: ns, labels: { set: 'adopter', 'cluster.x-k8s.io/cluster-name': 'c1' } },
    spec: { clusterName: 'c1', bootstrap: { dataSecretName: 'data' }, infrastructureRef: { apiGroup: infraGroup, kind: 'TestMachine', name: 'stray' } },
  });
  await h.client.create(machineSetsResource, machineSet('adopter', 2));
  const machines = await settled('adopter', 2);
  const stray = machines.find((m) => m.metadata.name === 'stray');
  assert.ok(stray, 'the orphan is one of the two');
  assert.deepEqual(stray.metadata.ownerReferences!.map((r) => [r.kind, r.name, r.controller]), [['MachineSet', 'adopter', true]]);
});

test('deletion order Newest deletes the most recent Machines first; in-place changes reach existing Machines', async () => {
  await h.client.create(machineSetsResource, machineSet('newest', 2, { deletion: { order: 'Newest' } }));
  const first = await settled('newest', 2);
  await new Promise((r) => setTimeout(r, 1100)); // creationTimestamp has second precision
  await h.client.patch(machineSetsResource, 'newest', { spec: { replicas: 4 } }, { type: 'merge', namespace: ns });
  await settled('newest', 4);
  await h.client.patch(machineSetsResource, 'newest', { spec: { replicas: 2 } }, { type: 'merge', namespace: ns });
  const left = await settled('newest', 2);
  assert.deepEqual(left.map((m) => m.metadata.name).sort(), first.map((m) => m.metadata.name).sort(), 'the two newer Machines went');

  await h.client.patch(machineSetsResource, 'newest', { spec: { template: { metadata: { annotations: { note: 'v2' } }, spec: { minReadySeconds: 7 } } } }, { type: 'merge', namespace: ns });
  const updated = await eventually(async () => {
    const machines = await machinesOf('newest');
    return machines.every((m) => m.metadata.annotations?.note === 'v2' && m.spec.minReadySeconds === 7) ? machines : undefined;
  }, 'the new annotation and minReadySeconds on the existing Machines');
  assert.deepEqual(updated.map((m) => m.metadata.name).sort(), first.map((m) => m.metadata.name).sort(), 'no Machine was replaced');
  await eventually(async () => (await infraOf('newest')).every((o) => o.metadata.annotations?.note === 'v2'), 'the annotation on the infrastructure machines');
});

test('a clone left without its Machine (a crash between the two) is deleted', async () => {
  await h.client.create(machineSetsResource, machineSet('leftover', 1));
  const [machine] = await settled('leftover', 1);
  const ms = await getMS('leftover');
  await h.client.create(testMachinesResource, {
    apiVersion: `${infraGroup}/v1`, kind: 'TestMachine',
    metadata: { name: 'leftover-crashed', namespace: ns, labels: { set: 'leftover' }, ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', name: 'leftover', uid: ms.metadata.uid! }] },
    spec: {},
  });
  await h.client.patch(machineSetsResource, 'leftover', { metadata: { annotations: { poke: '1' } } }, { type: 'merge', namespace: ns });
  await eventually(async () => (await infraOf('leftover')).map((o) => o.metadata.name).join() === machine.metadata.name, 'only the Machine\'s own clone to remain');
});

test('a controller restart in the middle of a scale-up converges to exactly the desired Machines, with no orphaned clones', async () => {
  await h.client.create(machineSetsResource, machineSet('restart', 0));
  await settled('restart', 0);
  await h.client.patch(machineSetsResource, 'restart', { spec: { replicas: 25 } }, { type: 'merge', namespace: ns });
  await eventually(async () => (await machinesOf('restart')).length >= 5, 'the scale-up to be under way');
  await h.restart();
  const machines = await settled('restart', 25, 30_000);
  assert.equal(new Set(machines.map((m) => m.metadata.name)).size, 25);
  await eventually(async () => (await infraOf('restart')).length === 25, 'one infrastructure machine per Machine');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await machinesOf('restart')).length, 25, 'no extra Machine appears later');
});

test('deleting a MachineSet deletes its Machines first, then removes its finalizer', async () => {
  await h.client.create(machineSetsResource, machineSet('doomed', 2, { machineNaming: { template: 'doomed-{{ .random }}' } }));
  const machines = await settled('doomed', 2);
  h.simulation.holdDeletion.add(machines[0].metadata.name!);
  await h.client.delete(machineSetsResource, 'doomed', { namespace: ns });
  const deleting = await eventually(async () => {
    const ms = await getMS('doomed');
    const cond = ms.status?.conditions?.find((c) => c.type === 'Deleting');
    return cond?.status === 'True' && cond.message === 'Deleting 1 Machine' ? ms : undefined;
  }, 'the MachineSet to wait for its last Machine');
  assert.ok(deleting.metadata.finalizers!.includes('cluster.x-k8s.io/machineset'));
  h.simulation.holdDeletion.delete(machines[0].metadata.name!);
  await eventually(async () => {
    try { await getMS('doomed'); return false; } catch { return true; }
  }, 'the MachineSet to be gone');
  assert.equal((await machinesOf('doomed')).length, 0);
});

test('expectations hold a reconcile until the cache shows the writes made for it, or the wait expires', () => {
  const cache = { lastResourceVersion: '10', objects: new Map<string, KubeObject>() };
  const view: CacheView = { get lastResourceVersion() { return cache.lastResourceVersion; }, get: (key) => cache.objects.get(key) };
  const expectations = new CacheExpectations({ ttlMs: 50 });
  const obj = (name: string, rv: string, uid = `uid-${name}`): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name, namespace: 'n', resourceVersion: rv, uid } });
  assert.equal(expectations.satisfied('n/ms'), true);
  expectations.expectObserved('n/ms', view, obj('a', '12'));
  assert.equal(expectations.satisfied('n/ms'), false, 'the create is not in the cache yet');
  assert.equal(expectations.satisfied('n/other'), true, 'expectations are per owner');
  cache.lastResourceVersion = '12';
  assert.equal(expectations.satisfied('n/ms'), true);

  cache.objects.set('n/b', obj('b', '13'));
  expectations.expectGone('n/ms', view, obj('b', '13'));
  assert.equal(expectations.satisfied('n/ms'), false, 'the deleted object is still cached');
  cache.objects.set('n/b', obj('b', '20', 'a-new-uid'));
  assert.equal(expectations.satisfied('n/ms'), true, 'a new object of the same name is another object');

  expectations.expectObserved('n/ms', view, obj('c', 'not-a-number'));
  assert.equal(expectations.satisfied('n/ms'), false);
  const start = Date.now();
  while (Date.now() - start < 60) { /* wait past the ttl */ }
  assert.equal(expectations.satisfied('n/ms'), true, 'an expectation that cannot be checked expires');
});
