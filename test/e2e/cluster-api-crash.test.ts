// Crash safety of the Cluster API controllers: a MachineDeployment scales from 0 to 500 in-memory
// machines while Slipway is SIGKILLed five times at random moments. After each restart it must
// converge to exactly 500 Machines, each with its own infrastructure machine, and no provider object
// left without an owner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RestClient } from '../../src/client/rest-client.ts';
import { startSlipwayProcess, type SlipwayProcess } from '../support/slipway-process.ts';
import { until } from '../support/until.ts';
import { capiResource as capi, inMemoryClusterObjects, inMemoryResource as infra } from '../support/in-memory-cluster.ts';

const ns = 'capi-crash';
const name = 'crash';
const replicas = 500;
const machines = capi('machines');
const machineSets = capi('machinesets');
const machineDeployments = capi('machinedeployments');
const inMemoryMachines = infra('inmemorymachines');

const clientOf = (p: SlipwayProcess) => new RestClient({ server: p.url, caCert: p.caCert, token: p.token, namespace: ns });

async function applyCluster(client: RestClient): Promise<void> {
  await client.create({ group: '', version: 'v1', plural: 'namespaces', namespaced: false }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const [resource, obj] of inMemoryClusterObjects(ns, name, { replicas, provisioningDelay: '500ms', jitter: '0.5' })) await client.apply(resource, obj, { fieldManager: 'e2e' });
}

test('SIGKILL five times during a scale-up to 500: exactly 500 Machines, no orphaned provider objects', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-capi-crash-'));
  let slipway: SlipwayProcess | undefined;
  try {
    slipway = await startSlipwayProcess(dataDir, { controllers: true });
    const port = Number(new URL(slipway.url).port);
    await applyCluster(clientOf(slipway));
    let peak = 0;
    // Five random moments of the scale-up, as Machine counts: each kill comes once the restarted Slipway has made
    // Machines beyond the last kill and reached its count. A delay in time instead could outlast a fast scale-up.
    const killAt = Array.from({ length: 5 }, () => 10 + Math.floor(Math.random() * (replicas - 100))).sort((a, b) => a - b);
    for (const [i, count] of killAt.entries()) {
      const kill = i + 1;
      const client = clientOf(slipway);
      const before = await until(`the scale-up past ${count} Machines`, async () => {
        const made = (await client.listAll(machines, { namespace: ns })).items.length;
        return made > peak && made >= count && made;
      }, 60_000, 25);
      await slipway.kill();
      peak = Math.max(peak, before);
      console.log(`SIGKILL ${kill}: ${before} Machines existed`);
      slipway = await startSlipwayProcess(dataDir, { controllers: true, port });
    }
    assert.ok(peak < replicas, `every kill came during the scale-up (most Machines at a kill: ${peak})`);

    const client = clientOf(slipway);
    const converged = await until(`${replicas} Running Machines`, async () => {
      const ms = (await client.listAll(machines, { namespace: ns })).items;
      const md = await client.get(machineDeployments, name, ns);
      const running = ms.filter((m) => (m.status as any)?.phase === 'Running' && !m.metadata.deletionTimestamp);
      return running.length === replicas && ms.length === replicas && (md.status as any)?.availableReplicas === replicas ? ms : false;
    }, 240_000);
    // Stay converged: nothing more is created or deleted once the controllers settle.
    await new Promise((r) => setTimeout(r, 3000));
    const ms = (await client.listAll(machines, { namespace: ns })).items;
    assert.equal(ms.length, replicas, 'exactly 500 Machines');
    assert.deepEqual(ms.map((m) => m.metadata.name).sort(), converged.map((m) => m.metadata.name).sort(), 'no Machine replaced after converging');
    assert.equal((await client.listAll(machineSets, { namespace: ns })).items.length, 1, 'one MachineSet');

    const infraMachines = (await client.listAll(inMemoryMachines, { namespace: ns })).items;
    const byName = new Map(infraMachines.map((im) => [im.metadata.name!, im]));
    const machineUids = new Set(ms.map((m) => m.metadata.uid));
    for (const m of ms) {
      const im = byName.get((m.spec as any).infrastructureRef.name);
      assert.ok(im, `Machine ${m.metadata.name} has its InMemoryMachine`);
      assert.equal(im.metadata.ownerReferences?.find((o) => o.controller)?.uid, m.metadata.uid, `${im.metadata.name} is controlled by its Machine`);
    }
    const orphans = infraMachines.filter((im) => !im.metadata.ownerReferences?.some((o) => machineUids.has(o.uid)));
    assert.deepEqual(orphans.map((im) => im.metadata.name), [], 'no InMemoryMachine without its Machine');
    assert.equal(infraMachines.length, replicas, 'one InMemoryMachine per Machine');
  } finally {
    await slipway?.kill();
    await rm(dataDir, { recursive: true, force: true });
  }
});
