// Health checks on a whole Slipway with the in-memory provider: 2 of 10 machines fail and are
// replaced; when 6 of 10 fail with unhealthyLessThanOrEqualTo 40%, none is replaced and the
// MachineHealthCheck's condition says why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../support/slipway.ts';
import type { RestClient } from '../../src/client/rest-client.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { until } from '../support/until.ts';
import { capiResource as capi, inMemoryClusterObjects, inMemoryResource as infra } from '../support/in-memory-cluster.ts';

const ns = 'capi-mhc';
const machines = capi('machines');
const inMemoryMachines = infra('inmemorymachines');

let client: RestClient;
let running: SlipwayForTest;

const condition = (obj: KubeObject, type: string) => ((obj.status as any)?.conditions ?? []).find((c: any) => c.type === type);

async function applyCluster(name: string, replicas: number, triggerIf: Record<string, unknown>): Promise<void> {
  const healthCheck: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineHealthCheck', metadata: { name, namespace: ns },
    spec: {
      clusterName: name,
      selector: { matchLabels: { 'cluster.x-k8s.io/deployment-name': name } },
      checks: { nodeStartupTimeoutSeconds: 60, unhealthyNodeConditions: [{ type: 'Ready', status: 'False', timeoutSeconds: 1 }] },
      remediation: { triggerIf },
    },
  };
  const objects = [...inMemoryClusterObjects(ns, name, { replicas, provisioningDelay: '100ms' }), [capi('machinehealthchecks'), healthCheck] as const];
  for (const [resource, obj] of objects) await client.apply(resource, obj, { fieldManager: 'e2e' });
}

async function clusterMachines(name: string): Promise<KubeObject[]> {
  return (await client.listAll(machines, { namespace: ns, labelSelector: `cluster.x-k8s.io/deployment-name=${name}` })).items;
}

async function healthy(name: string, count: number): Promise<KubeObject[]> {
  return until(`${count} healthy running machines in ${name}`, async () => {
    const ms = await clusterMachines(name);
    const ok = ms.length === count && ms.every((m) => !m.metadata.deletionTimestamp && (m.status as any)?.phase === 'Running' && condition(m, 'HealthCheckSucceeded')?.status === 'True');
    return ok ? ms : false;
  });
}

/** Makes the simulated node of each machine report Ready=False from now on. */
async function breakNodes(ms: KubeObject[]): Promise<void> {
  for (const m of ms) {
    await client.patch(inMemoryMachines, (m.spec as any).infrastructureRef.name, { spec: { simulation: { failures: { becomeUnhealthyAfter: '0s' } } } }, { type: 'merge', namespace: ns });
  }
}

before(async () => {
  running = await startSlipwayWithNamespace(ns);
  ({ client } = running);
});

after(async () => {
  await running?.stop();
});

test('2 of 10 machines fail: both are replaced', async () => {
  await applyCluster('two-fail', 10, { unhealthyLessThanOrEqualTo: '40%' });
  const ms = await healthy('two-fail', 10);
  const victims = ms.slice(0, 2);
  await breakNodes(victims);
  await until('both victims gone', async () => {
    const left = new Set((await clusterMachines('two-fail')).map((m) => m.metadata.name));
    return victims.every((v) => !left.has(v.metadata.name));
  });
  const after = await healthy('two-fail', 10);
  const names = new Set(after.map((m) => m.metadata.name));
  for (const v of victims) assert.ok(!names.has(v.metadata.name), `${v.metadata.name} was replaced`);
  assert.equal(after.filter((m) => ms.some((o) => o.metadata.name === m.metadata.name)).length, 8, 'the 8 healthy machines were left alone');
});

test('6 of 10 fail with unhealthyLessThanOrEqualTo 40%: none replaced, and the condition says why', async () => {
  await applyCluster('six-fail', 10, { unhealthyLessThanOrEqualTo: '40%' });
  const ms = await healthy('six-fail', 10);
  // Six nodes cannot fail in one write: while the health check runs, it could see the first few
  // alone (within 40%) and rightly remediate them. Paused, it looks only once all six have failed.
  const pause = (paused: string | null) => client.patch(capi('machinehealthchecks'), 'six-fail', { metadata: { annotations: { 'cluster.x-k8s.io/paused': paused } } }, { type: 'merge', namespace: ns });
  await pause('');
  await until('the health check reports itself paused', async () => condition(await client.get(capi('machinehealthchecks'), 'six-fail', ns), 'Paused')?.status === 'True');
  const victims = ms.slice(0, 6);
  await breakNodes(victims);
  await until('six nodes report Ready=False', async () => {
    const nodes = await Promise.all(victims.map((m) => client.get(inMemoryMachines, (m.spec as any).infrastructureRef.name, ns)));
    return nodes.every((obj) => ((obj.status as any)?.node?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'False'));
  });
  await pause(null);
  const mhc = await until('RemediationAllowed=False with the six seen unhealthy', async () => {
    const obj = await client.get(capi('machinehealthchecks'), 'six-fail', ns);
    return condition(obj, 'RemediationAllowed')?.status === 'False' && (obj.status as any)?.currentHealthy === 4 ? obj : false;
  });
  assert.match(condition(mhc, 'RemediationAllowed').message, /40%|unhealthy/i);
  assert.equal((mhc.status as any).currentHealthy, 4);
  await new Promise((r) => setTimeout(r, 3000));
  const now = await clusterMachines('six-fail');
  assert.deepEqual(now.map((m) => m.metadata.name).sort(), ms.map((m) => m.metadata.name).sort(), 'no machine was replaced');
  assert.ok(now.every((m) => !m.metadata.deletionTimestamp), 'no machine is being deleted');
});
