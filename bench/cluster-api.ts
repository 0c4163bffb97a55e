// Cluster API at scale on the in-memory provider, with zero provisioning delay:
//   1. one MachineDeployment from 0 to N (default 1,000) Running Machines;
//   2. a rolling update of those N (maxSurge 10%, maxUnavailable 0);
//   3. C clusters × M machines (default 100 × 100) from nothing, in a fresh Slipway.
// Each reports wall time, reconciles/s and API requests/s (from /metrics), the CPU time the Slipway process used
// (a figure less sensitive than wall time to other work on the machine) and its peak RSS. Before the rolling update
// the MachineDeployment's status is left to settle, so the update is not charged for the scale-up's last writes.
// Reference, in the same run: the API writes the end state needs at the least — per machine, create
// the InMemoryMachine and the Machine and write both statuses — made straight by a client (c=64)
// against a Slipway without controllers. The ratio says what reconciling costs beyond those writes.
//   node bench/cluster-api.ts [--machines N] [--clusters C] [--per-cluster M]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { RestClient, type ResourceRef } from '../src/client/rest-client.ts';
import type { KubeObject } from '../src/api/meta.ts';
import { rawRequest } from '../test/support/http.ts';
import { startSlipwayProcess, type SlipwayProcess } from '../test/support/slipway-process.ts';
import { capiResource as capi, inMemoryClusterObjects, inMemoryResource as infra } from '../test/support/in-memory-cluster.ts';
import { counterTotals, fmt, peakRssMiB, runLoad } from './lib.ts';

const arg = (flag: string, fallback: number) => {
  const i = process.argv.indexOf(flag);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const machinesWanted = arg('--machines', 1000);
const clusterCount = arg('--clusters', 100);
const perCluster = arg('--per-cluster', 100);

const namespaces: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
const rolloutStrategy = { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '10%', maxUnavailable: 0 } } };
const machines = capi('machines');
const machineDeployments = capi('machinedeployments');
const inMemoryMachines = infra('inmemorymachines');
const templates = infra('inmemorymachinetemplates');

const clientOf = (p: SlipwayProcess) => new RestClient({ server: p.url, caCert: p.caCert, token: p.token, namespace: 'default' });

/** Machines by name, kept current by a watch over all namespaces. */
function trackMachines(client: RestClient) {
  const seen = new Map<string, KubeObject>();
  const abort = new AbortController();
  const done = (async () => {
    for await (const event of client.watch(machines, { signal: abort.signal })) {
      if (event.type === 'ERROR' || event.type === 'BOOKMARK') continue;
      const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
      if (event.type === 'DELETED') seen.delete(key);
      else seen.set(key, event.object);
    }
  })().catch(() => {});
  return { seen, stop: async () => { abort.abort(); await done; } };
}

const isRunning = (m: KubeObject) => (m.status as any)?.phase === 'Running' && !m.metadata.deletionTimestamp;

async function waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function metricTotals(p: SlipwayProcess): Promise<Map<string, number>> {
  const res = await rawRequest({ url: p.url, caCert: p.caCert, token: p.token }, 'GET', '/metrics');
  return counterTotals(res.text);
}

/** User plus system CPU time of a process so far, in seconds (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s). */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Phase { seconds: number; cpuSeconds: number; reconcilesPerSecond: number; requestsPerSecond: number }

/** Runs `act` and waits for `done`, measuring the controllers' reconciles, the API's requests and Slipway's CPU time meanwhile. */
async function measure(p: SlipwayProcess, what: string, act: () => Promise<void>, done: () => boolean, timeoutMs: number): Promise<Phase> {
  const before = await metricTotals(p);
  const cpuBefore = await cpuSeconds(p.pid);
  const t0 = performance.now();
  await act();
  await waitFor(what, done, timeoutMs);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = (await cpuSeconds(p.pid)) - cpuBefore;
  const after = await metricTotals(p);
  const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  return { seconds, cpuSeconds: cpu, reconcilesPerSecond: delta('controller_runtime_reconcile_total') / seconds, requestsPerSecond: delta('apiserver_request_total') / seconds };
}

const line = (label: string, phase: Phase, extra = '') =>
  console.log(`${label}: ${fmt(phase.seconds, 2)} s (Slipway CPU ${fmt(phase.cpuSeconds, 1)} s), ${fmt(phase.reconcilesPerSecond, 0)} reconciles/s, ${fmt(phase.requestsPerSecond, 0)} API requests/s${extra}`);

/** Until the MachineDeployment's status counts every Machine ready, available and up to date, for its current generation. */
async function settled(client: RestClient, namespace: string, name: string, replicas: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const md = await client.get(machineDeployments, name, namespace);
    const status = (md.status ?? {}) as Record<string, unknown>;
    if (status.observedGeneration === md.metadata.generation && ['readyReplicas', 'availableReplicas', 'upToDateReplicas'].every((k) => status[k] === replicas)) return;
    if (Date.now() > deadline) throw new Error(`MachineDeployment ${namespace}/${name} did not settle: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The reference: the end state's minimum API writes for `count` machines, made directly with c=64. */
async function reference(count: number): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-capi-ref-'));
  const server = await startSlipwayProcess(dataDir, { controllers: false });
  try {
    const client = clientOf(server);
    // The CRDs are installed by the daemon at start; the controllers are not running.
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ref' } });
    const load = await runLoad(64, count, async (i) => {
      const name = `ref-${i}`;
      const im = await client.create(inMemoryMachines, { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'InMemoryMachine', metadata: { name, namespace: 'ref' }, spec: {} });
      await client.updateStatus(inMemoryMachines, { ...im, status: { initialization: { provisioned: true } } });
      const m = await client.create(machines, {
        apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine', metadata: { name, namespace: 'ref' },
        spec: { clusterName: 'ref', bootstrap: { dataSecretName: 'ref' }, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachine', name } },
      });
      await client.updateStatus(machines, { ...m, status: { phase: 'Running', initialization: { infrastructureProvisioned: true, bootstrapDataSecretCreated: true } } });
    });
    client.close();
    return load.seconds;
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 2 ** 30, 0)} GiB; node ${process.version}`);

// 1 and 2: one MachineDeployment.
{
  const referenceSeconds = await reference(machinesWanted);
  console.log(`reference: the minimum API writes for ${machinesWanted} machines (4 per machine, c=64) take ${fmt(referenceSeconds, 2)} s`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-capi-'));
  const slipway = await startSlipwayProcess(dataDir, { controllers: true });
  const client = clientOf(slipway);
  const tracker = trackMachines(client);
  try {
    const ns = 'bench';
    await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    for (const [resource, obj] of inMemoryClusterObjects(ns, 'md', { replicas: 0, provisioningDelay: '0s', rollout: rolloutStrategy })) await client.apply(resource, obj, { fieldManager: 'bench' });
    const running = () => [...tracker.seen.values()].filter(isRunning);
    const scale = await measure(slipway, `${machinesWanted} Running`, async () => {
      await client.patch(machineDeployments, 'md', { spec: { replicas: machinesWanted } }, { type: 'merge', namespace: ns });
    }, () => running().length === machinesWanted, 300_000);
    line(`scale 0 → ${machinesWanted} Running`, scale, ` (target < 20 s); ${fmt(scale.seconds / referenceSeconds, 2)}× the reference`);

    await settled(client, ns, 'md', machinesWanted);
    const template = await client.get(templates, 'md', ns);
    await client.create(templates, { apiVersion: template.apiVersion, kind: template.kind, metadata: { name: 'md-v2', namespace: ns }, spec: template.spec });
    const oldNames = new Set(running().map((m) => m.metadata.name));
    const rollout = await measure(slipway, 'rollout to v2', async () => {
      await client.patch(machineDeployments, 'md', { spec: { template: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 'md-v2' } } } } }, { type: 'merge', namespace: ns });
    }, () => tracker.seen.size === machinesWanted && running().length === machinesWanted && running().every((m) => !oldNames.has(m.metadata.name)), 600_000);
    line(`rolling update of ${machinesWanted} (maxSurge 10%, maxUnavailable 0)`, rollout, ` (target < 60 s); ${fmt(rollout.seconds / referenceSeconds, 2)}× the reference`);
    console.log(`peak RSS of the Slipway process: ${fmt(await peakRssMiB(slipway.pid), 0)} MiB`);
  } finally {
    await tracker.stop();
    client.close();
    await slipway.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// 3: many clusters, in a fresh Slipway.
{
  const total = clusterCount * perCluster;
  const referenceSeconds = await reference(total);
  console.log(`reference: the minimum API writes for ${total} machines (4 per machine, c=64) take ${fmt(referenceSeconds, 2)} s`);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-capi-many-'));
  const slipway = await startSlipwayProcess(dataDir, { controllers: true });
  const client = clientOf(slipway);
  const tracker = trackMachines(client);
  try {
    const many = await measure(slipway, `${total} Running`, async () => {
      await runLoad(8, clusterCount, async (i) => {
        const ns = `fleet-${i}`;
        await client.create(namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
        for (const [resource, obj] of inMemoryClusterObjects(ns, `c${i}`, { replicas: perCluster, provisioningDelay: '0s', rollout: rolloutStrategy })) await client.apply(resource, obj, { fieldManager: 'bench' });
      });
    }, () => [...tracker.seen.values()].filter(isRunning).length === total, 900_000);
    line(`${clusterCount} clusters × ${perCluster} machines Running`, many, ` (target < 180 s); ${fmt(many.seconds / referenceSeconds, 2)}× the reference`);
    console.log(`peak RSS of the Slipway process: ${fmt(await peakRssMiB(slipway.pid), 0)} MiB (target < 2048 MiB)`);
  } finally {
    await tracker.stop();
    client.close();
    await slipway.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
