// Repairing a Slipway-managed etcd cluster on real container machines. One member's container is
// killed: its MachineHealthCheck marks the Machine, the EtcdCluster removes the member and replaces
// the machine, and three healthy members keep every key. Two of three killed: quorum is lost, so no
// member may be removed and nothing is remediated; the Remediating condition says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { DEBIAN_ETCD_TEST_IMAGE } from '../support/debian-image.ts';
import { startContainerTestEnv, type ContainerTestEnv } from '../support/container-env.ts';
import {
  applyManifest, clientCredentials, etcdClusterManifest, getEtcdCluster, memberAddresses, memberMachines, waitForHealthyMembers, type MachineObject,
} from '../support/etcd-cluster-env.ts';
import { EtcdKv } from '../support/etcd-kv.ts';
import { until } from '../support/until.ts';

const name = 'mender';
const KEYS = 100;

/** Kills the machine's init (and so everything in it) with SIGKILL, as a crash would. */
async function killMachine(env: ContainerTestEnv, machine: MachineObject): Promise<void> {
  const infra = await env.get(machine.spec.infrastructureRef.name);
  await env.runtime.kill(infra.status!.machineID!, 'SIGKILL');
}

test('a killed member is replaced with its data intact; with two of three killed nothing is remediated, and the condition says why', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'etcd-repair', slot: 2, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  await applyManifest(env, etcdClusterManifest(env, name, { unhealthyAfterSeconds: 20 }));
  await waitForHealthyMembers(env, name, 3);
  const kv = new EtcdKv(await memberAddresses(env, name), await clientCredentials(env, name));
  t.after(() => kv.close());
  await Promise.all(Array.from({ length: KEYS }, (_, i) => kv.put(`mender/${i}`, `v${i}`)));

  const before = await memberMachines(env, name);
  const victim = before[0];
  const started = performance.now();
  await killMachine(env, victim);
  await until(`Machine ${victim.metadata.name} to be marked unhealthy`, async () => {
    const marked = (await memberMachines(env, name)).find((m) => m.metadata.name === victim.metadata.name);
    return !marked || marked.status?.conditions?.some((c) => c.type === 'HealthCheckSucceeded' && c.status === 'False');
  }, 90_000);
  await until(`Machine ${victim.metadata.name} to be replaced`, async () => !(await memberMachines(env, name)).some((m) => m.metadata.name === victim.metadata.name), 120_000);
  await waitForHealthyMembers(env, name, 3);
  t.diagnostic(`one killed member replaced in ${Math.round(performance.now() - started)} ms (health check timeout 20 s)`);
  const after = await memberMachines(env, name);
  assert.equal(after.filter((m) => before.some((b) => b.metadata.name === m.metadata.name)).length, 2, 'the two live members stay');
  kv.setMembers(await memberAddresses(env, name));
  const values = await kv.getPrefix('mender/');
  assert.equal(values.size, KEYS);
  for (let i = 0; i < KEYS; i++) assert.equal(values.get(`mender/${i}`), `v${i}`);

  // Two of three killed: no quorum, so no member can be removed.
  const [first, second] = after;
  await killMachine(env, first);
  await killMachine(env, second);
  const blocked = await until('the EtcdCluster to say why it does not remediate', async () => {
    const e = await getEtcdCluster(env, name);
    const remediating = e.status?.conditions?.find((c) => c.type === 'Remediating');
    if (remediating?.status === 'True' && remediating.reason === 'RemediationNotAllowed' && /quorum/.test(remediating.message ?? '')) {
      const marked = (await memberMachines(env, name)).filter((m) => m.status?.conditions?.some((c) => c.type === 'HealthCheckSucceeded' && c.status === 'False'));
      if (marked.length === 2 && marked.every((m) => remediating.message!.includes(m.metadata.name!))) return remediating;
    }
    throw new Error(`Remediating: ${JSON.stringify(remediating)}`);
  }, 120_000);
  t.diagnostic(`Remediating: ${blocked.message}`);
  // Without a quorum the survivor has no leader, so etcd reports it unhealthy too.
  assert.match(blocked.message ?? '', /remediation needs a quorum to remove a member: [01] of 3 voting members are healthy, below the quorum of 2/);
  // It stays that way: no Machine is deleted.
  await delay(15_000);
  const still = await memberMachines(env, name);
  assert.deepEqual(still.map((m) => m.metadata.name).sort(), after.map((m) => m.metadata.name).sort());
  assert.ok(still.every((m) => !m.metadata.deletionTimestamp), 'no member machine is deleted without quorum');
  const e = await getEtcdCluster(env, name);
  assert.equal(e.status?.conditions?.find((c) => c.type === 'Available')?.status, 'False');
  assert.equal(e.status?.conditions?.find((c) => c.type === 'EtcdClusterHealthy')?.status, 'False');
});
