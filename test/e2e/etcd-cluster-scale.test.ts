// Scaling a Slipway-managed etcd cluster on real container machines: 1,000 keys written, 3 → 5 → 3
// members (one learner at a time, promoted once in sync; on the way down each member leaves etcd
// before its machine goes, leadership first): every key is still there and etcd's member list is
// the Machines'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdClustersResource } from '../../src/providers/controlplane/etcd/resources.ts';
import { DEBIAN_ETCD_TEST_IMAGE } from '../support/debian-image.ts';
import { startContainerTestEnv, type ContainerTestEnv } from '../support/container-env.ts';
import { applyManifest, clientCredentials, etcdClusterManifest, etcdctl, memberAddresses, memberMachines, waitForHealthyMembers } from '../support/etcd-cluster-env.ts';
import { EtcdKv } from '../support/etcd-kv.ts';

const name = 'tally';
const KEYS = 1_000;

async function assertMembersAreMachines(env: ContainerTestEnv): Promise<string[]> {
  const list = await etcdctl(env, name, ['member', 'list', '-w', 'json']);
  assert.equal(list.code, 0, list.stderr);
  const members = (JSON.parse(list.stdout) as { members: { name: string; isLearner?: boolean }[] }).members;
  const machines = (await memberMachines(env, name)).map((m) => m.metadata.name!).sort();
  assert.deepEqual(members.map((m) => m.name).sort(), machines);
  assert.ok(members.every((m) => !m.isLearner));
  return machines;
}

test('1,000 keys survive scaling 3 → 5 → 3, and the member list always matches the Machines', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'etcd-scale', slot: 1, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  await applyManifest(env, etcdClusterManifest(env, name));
  await waitForHealthyMembers(env, name, 3);
  const kv = new EtcdKv(await memberAddresses(env, name), await clientCredentials(env, name));
  t.after(() => kv.close());
  for (let batch = 0; batch < KEYS; batch += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => kv.put(`tally/${String(batch + i).padStart(4, '0')}`, `value-${batch + i}`)));
  }
  assert.equal((await kv.getPrefix('tally/')).size, KEYS);
  const three = await assertMembersAreMachines(env);

  let started = performance.now();
  await env.client.patch(etcdClustersResource, name, { spec: { replicas: 5 } }, { type: 'merge', namespace: env.namespace });
  await waitForHealthyMembers(env, name, 5);
  t.diagnostic(`3 → 5 members in ${Math.round(performance.now() - started)} ms`);
  const five = await assertMembersAreMachines(env);
  assert.ok(three.every((m) => five.includes(m)), 'scaling up keeps every member');

  started = performance.now();
  await env.client.patch(etcdClustersResource, name, { spec: { replicas: 3 } }, { type: 'merge', namespace: env.namespace });
  await waitForHealthyMembers(env, name, 3);
  t.diagnostic(`5 → 3 members in ${Math.round(performance.now() - started)} ms`);
  await assertMembersAreMachines(env);

  kv.setMembers(await memberAddresses(env, name));
  const values = await kv.getPrefix('tally/');
  assert.equal(values.size, KEYS);
  for (let i = 0; i < KEYS; i++) assert.equal(values.get(`tally/${String(i).padStart(4, '0')}`), `value-${i}`);
});
