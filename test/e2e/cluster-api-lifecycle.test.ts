// A Cluster API cluster on the in-memory provider, managed end to end through a whole Slipway
// (API server + every controller): create with a MachineDeployment of 5, scale to 20 and back,
// roll out a template change with maxSurge 1 / maxUnavailable 0 (never fewer than 5 available),
// OnDelete, pause, then delete the Cluster and see everything go, in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import type { RunningSlipway } from '../../src/daemon/daemon.ts';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../support/slipway.ts';
import { type RestClient, type ResourceRef } from '../../src/client/rest-client.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');
const ns = 'capi-e2e';
const name = 'lifecycle';
const md = `${name}-md-0`;
const capi = (plural: string): ResourceRef => ({ group: 'cluster.x-k8s.io', version: 'v1beta2', plural, namespaced: true });
const infra = (plural: string): ResourceRef => ({ group: 'infrastructure.cluster.x-k8s.io', version: 'v1alpha1', plural, namespaced: true });
const clusters = capi('clusters');
const machines = capi('machines');
const machineSets = capi('machinesets');
const machineDeployments = capi('machinedeployments');
const inMemoryMachines = infra('inmemorymachines');
const inMemoryClusters = infra('inmemoryclusters');
const inMemoryTemplates = infra('inmemorymachinetemplates');

let slipway: RunningSlipway;
let client: RestClient;
let running: SlipwayForTest;

const condition = (obj: KubeObject, type: string) => ((obj.status as any)?.conditions ?? []).find((c: any) => c.type === type);
const isAvailable = (m: KubeObject) => !m.metadata.deletionTimestamp && condition(m, 'Available')?.status === 'True';

async function list(ref: ResourceRef): Promise<KubeObject[]> {
  return (await client.listAll(ref, { namespace: ns })).items;
}

async function runningMachines(): Promise<KubeObject[]> {
  return (await list(machines)).filter((m) => (m.status as any)?.phase === 'Running' && !m.metadata.deletionTimestamp);
}

/** Waits until the deployment has exactly `count` Machines, all Running and Available, and its status says so. */
async function settled(count: number, ms = 90_000): Promise<KubeObject[]> {
  return until(`${count} running machines`, async () => {
    const all = await list(machines);
    const deployment = await client.get(machineDeployments, md, ns);
    const status = deployment.status as any;
    const ok = all.length === count && all.every((m) => (m.status as any)?.phase === 'Running' && isAvailable(m))
      && status?.replicas === count && status?.availableReplicas === count && status?.upToDateReplicas === count;
    return ok ? all : false;
  }, ms);
}

before(async () => {
  running = await startSlipwayWithNamespace(ns);
  ({ slipway, client } = running);
});

after(async () => {
  await running?.stop();
});

async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', ['--kubeconfig', slipway.kubeconfigPath, '-n', ns, ...args], { timeout: 60_000 })).stdout;
}

test('create: a generated in-memory cluster comes up with 5 Running machines', async () => {
  const { stdout: manifest } = await run(process.execPath, [cli, 'generate', 'cluster', name, '--flavor', 'in-memory', '--namespace', ns, '--kubernetes-version', 'v1.33.0', '--worker-machine-count', '5'], {
    env: { ...process.env, INMEMORY_CLUSTER_PROVISIONING_DELAY: '200ms', INMEMORY_MACHINE_PROVISIONING_DELAY: '300ms', INMEMORY_MACHINE_PROVISIONING_JITTER: '0.5' },
  });
  const applied = execFile('kubectl', ['--kubeconfig', slipway.kubeconfigPath, 'apply', '-f', '-']);
  applied.stdin!.end(manifest);
  await new Promise<void>((resolve, reject) => applied.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl apply exited ${code}`)))));
  const ms = await settled(5);
  for (const m of ms) {
    assert.equal(m.metadata.labels?.['cluster.x-k8s.io/cluster-name'], name);
    assert.equal(m.metadata.labels?.['cluster.x-k8s.io/deployment-name'], md);
    assert.ok((m.spec as any).providerID?.startsWith('in-memory://'), 'providerID copied from the infrastructure machine');
    assert.ok((m.status as any).nodeRef?.name, 'nodeRef from the simulated node');
    assert.equal(m.metadata.ownerReferences?.[0]?.kind, 'MachineSet');
  }
  const cluster = await until('cluster provisioned', async () => {
    const c = await client.get(clusters, name, ns);
    return (c.status as any)?.phase === 'Provisioned' ? c : false;
  });
  assert.equal((cluster.status as any).initialization?.infrastructureProvisioned, true);
  const infraMachines = await list(inMemoryMachines);
  assert.equal(infraMachines.length, 5);
  for (const im of infraMachines) assert.equal(im.metadata.ownerReferences?.find((o) => o.controller)?.kind, 'Machine', 'the Machine took over its infrastructure machine');
});

test('scale to 20 and back to 5', async () => {
  await kubectl('scale', 'machinedeployment', md, '--replicas=20');
  await settled(20);
  await kubectl('scale', 'machinedeployment', md, '--replicas=5');
  await settled(5);
  assert.equal((await list(inMemoryMachines)).length, 5, 'infrastructure machines of deleted Machines are gone');
});

test('a template change rolls out with maxSurge 1 / maxUnavailable 0, never below 5 available', async () => {
  const template = await client.get(inMemoryTemplates, md, ns);
  await client.create(inMemoryTemplates, { apiVersion: template.apiVersion, kind: template.kind, metadata: { name: `${md}-v2`, namespace: ns }, spec: template.spec });
  const before = new Set((await list(machines)).map((m) => m.metadata.name));
  const seen = new Map<string, KubeObject>((await list(machines)).map((m) => [m.metadata.name!, m]));
  let minAvailable = Infinity;
  let maxTotal = 0;
  const abort = new AbortController();
  const watching = (async () => {
    for await (const event of client.watch(machines, { namespace: ns, signal: abort.signal })) {
      if (event.type === 'ERROR' || event.type === 'BOOKMARK') continue;
      if (event.type === 'DELETED') seen.delete(event.object.metadata.name!);
      else seen.set(event.object.metadata.name!, event.object);
      minAvailable = Math.min(minAvailable, [...seen.values()].filter(isAvailable).length);
      maxTotal = Math.max(maxTotal, [...seen.values()].filter((m) => !m.metadata.deletionTimestamp).length);
    }
  })().catch(() => {});
  await client.patch(machineDeployments, md, {
    spec: {
      rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
      template: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: `${md}-v2` } } },
    },
  }, { type: 'merge', namespace: ns });
  const after = await until('rollout finished', async () => {
    const ms = await settled(5, 120_000);
    return ms.every((m) => !before.has(m.metadata.name!)) ? ms : false;
  }, 150_000);
  abort.abort();
  await watching;
  assert.equal(after.length, 5);
  assert.ok(minAvailable >= 5, `available machines never dropped below 5 (lowest seen: ${minAvailable})`);
  assert.ok(maxTotal <= 6, `never more than replicas + maxSurge machines (highest seen: ${maxTotal})`);
  const sets = await list(machineSets);
  const current = sets.filter((s) => ((s.spec as any).replicas ?? 0) > 0);
  assert.equal(current.length, 1, 'one MachineSet holds all replicas after the rollout');
  assert.equal(current[0].metadata.annotations?.['machinedeployment.clusters.x-k8s.io/revision'], '2');
});

test('OnDelete: a template change waits for old machines to be deleted by hand', async () => {
  const template = await client.get(inMemoryTemplates, md, ns);
  await client.create(inMemoryTemplates, { apiVersion: template.apiVersion, kind: template.kind, metadata: { name: `${md}-v3`, namespace: ns }, spec: template.spec });
  const old = await list(machines);
  await client.patch(machineDeployments, md, {
    spec: {
      rollout: { strategy: { type: 'OnDelete', rollingUpdate: null } },
      template: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: `${md}-v3` } } },
    },
  }, { type: 'merge', namespace: ns });
  await new Promise((r) => setTimeout(r, 3000));
  const still = await list(machines);
  assert.deepEqual(still.map((m) => m.metadata.name).sort(), old.map((m) => m.metadata.name).sort(), 'no machine replaced on its own');
  await client.delete(machines, old[0].metadata.name!, { namespace: ns });
  const replaced = await until('a v3 machine replaces the deleted one', async () => {
    const ms = await runningMachines();
    const fresh = ms.filter((m) => !old.some((o) => o.metadata.name === m.metadata.name));
    return ms.length === 5 && fresh.length === 1 ? fresh : false;
  });
  const infraMachine = await client.get(inMemoryMachines, (replaced[0].spec as any).infrastructureRef.name, ns);
  assert.equal(infraMachine.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], `${md}-v3`);
});

test('a paused MachineDeployment does not roll out until resumed', async () => {
  const template = await client.get(inMemoryTemplates, md, ns);
  await client.create(inMemoryTemplates, { apiVersion: template.apiVersion, kind: template.kind, metadata: { name: `${md}-v4`, namespace: ns }, spec: template.spec });
  const clonedFrom = async (m: KubeObject) => (await client.get(inMemoryMachines, (m.spec as any).infrastructureRef.name, ns)).metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'];
  // Finish the OnDelete rollout first: with one active MachineSet, pausing keeps exactly 5 Machines. (Paused
  // mid-rollout under RollingUpdate, proportional scaling may hold replicas + maxSurge, as Cluster API does.)
  for (const m of await list(machines)) if (await clonedFrom(m) !== `${md}-v3`) await client.delete(machines, m.metadata.name!, { namespace: ns });
  await until('OnDelete rollout finished', async () => {
    const ms = await settled(5);
    return (await Promise.all(ms.map(clonedFrom))).every((o) => o === `${md}-v3`);
  });
  // spec.paused pauses rollouts only; the Paused condition is about reconciliation (Cluster spec.paused, paused annotation).
  const pausedDeployment = await client.patch(machineDeployments, md, { spec: { paused: true } }, { type: 'merge', namespace: ns });
  await until('the pause observed', async () => ((await client.get(machineDeployments, md, ns)).status as any)?.observedGeneration >= pausedDeployment.metadata.generation!);
  await client.patch(machineDeployments, md, {
    spec: {
      rollout: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
      template: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: `${md}-v4` } } },
    },
  }, { type: 'merge', namespace: ns });
  await new Promise((r) => setTimeout(r, 3000));
  const paused = await list(machines);
  assert.equal(paused.length, 5);
  for (const m of paused) assert.notEqual(await clonedFrom(m), `${md}-v4`, 'no machine of the new template while paused');
  await client.patch(machineDeployments, md, { spec: { paused: false } }, { type: 'merge', namespace: ns });
  const resumed = await until('rollout to v4 after resume', async () => {
    const ms = await settled(5, 120_000);
    const origins = await Promise.all(ms.map(clonedFrom));
    return origins.every((o) => o === `${md}-v4`) ? ms : false;
  }, 150_000);
  assert.equal(resumed.length, 5);
});

test('deleting the Cluster removes workers, then infrastructure, then the Cluster', async () => {
  const goneAt = new Map<string, number>();
  const abort = new AbortController();
  const watchDeletes = async (ref: ResourceRef, label: string) => {
    for await (const event of client.watch(ref, { namespace: ns, signal: abort.signal })) {
      if (event.type === 'DELETED') goneAt.set(`${label}/${event.object.metadata.name}`, performance.now());
    }
  };
  const watches = [watchDeletes(machines, 'Machine'), watchDeletes(inMemoryClusters, 'InMemoryCluster'), watchDeletes(clusters, 'Cluster')].map((p) => p.catch(() => {}));
  await new Promise((r) => setTimeout(r, 300));
  const present = (await list(machines)).length;
  await client.delete(clusters, name, { namespace: ns });
  await until('everything gone', async () => {
    const left = [
      ...(await list(clusters)), ...(await list(machineDeployments)), ...(await list(machineSets)),
      ...(await list(machines)), ...(await list(inMemoryMachines)), ...(await list(inMemoryClusters)),
    ];
    return left.length === 0;
  }, 120_000);
  await new Promise((r) => setTimeout(r, 300));
  abort.abort();
  await Promise.all(watches);
  const times = (kind: string) => [...goneAt].filter(([key]) => key.startsWith(`${kind}/`)).map(([, t]) => t);
  const lastMachine = Math.max(...times('Machine'));
  const [infraGone] = times('InMemoryCluster');
  const [clusterGone] = times('Cluster');
  assert.equal(times('Machine').length, present, 'every Machine deletion seen');
  assert.ok(lastMachine <= infraGone, 'workers went before the infrastructure cluster');
  assert.ok(infraGone <= clusterGone, 'the infrastructure cluster went before the Cluster');
});
