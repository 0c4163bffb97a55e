// etcd clusters on container machines, wall times on this host (real runc, Debian's etcd 3.4):
//   apply → 3 healthy members; 3 → 5 members; a 3-member rollout (new machine template) under a
//   writer putting a key every 50 ms (acknowledged writes lost, longest outage).
// Reference, same run: 3 plain ContainerMachines of the same image Ready (what the machines alone
// cost), so the ratios show what etcd membership adds.
// Targets: 3 healthy members < 30 s; 3-member rollout < 90 s with no acknowledged write lost.
//   node bench/etcd-cluster.ts      (as root)
import { cpus, totalmem } from 'node:os';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { etcdClustersResource } from '../src/providers/controlplane/etcd/resources.ts';
import { containerMachinesResource } from '../src/providers/infrastructure/container/resources.ts';
import { startContainerTestEnv, type ContainerTestEnv } from '../test/support/container-env.ts';
import { DEBIAN_ETCD_TEST_IMAGE } from '../test/support/debian-image.ts';
import {
  applyManifest, clientCredentials, createRolloutTemplate, etcdClusterManifest, memberAddresses, useMachineTemplate, waitForHealthyMembers,
} from '../test/support/etcd-cluster-env.ts';
import { EtcdKv, startWriter } from '../test/support/etcd-kv.ts';
import { fmt } from './lib.ts';

const name = 'bench';
const note = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return (performance.now() - t0) / 1000;
}

async function plainMachines(env: ContainerTestEnv): Promise<number> {
  const names = ['ref-0', 'ref-1', 'ref-2'];
  const seconds = await timed(async () => {
    await Promise.all(names.map((n) => env.client.create(containerMachinesResource, env.machine(n))));
    await Promise.all(names.map((n) => env.waitReady(n, 120_000)));
  });
  await Promise.all(names.map((n) => env.client.delete(containerMachinesResource, n, { namespace: env.namespace })));
  await Promise.all(names.map((n) => env.waitGone(n)));
  return seconds;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
const context = { after: (fn: () => unknown) => { cleanups.push(fn); } } as unknown as TestContext;
try {
  const env = await startContainerTestEnv(context, { namespace: 'etcd-bench', slot: 5, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  note('reference: 3 plain machines');
  const reference = await plainMachines(env);
  note('apply → 3 healthy members');
  const create = await timed(async () => {
    await applyManifest(env, etcdClusterManifest(env, name));
    await waitForHealthyMembers(env, name, 3);
  });
  note('3 → 5');
  const scaleUp = await timed(async () => {
    await env.client.patch(etcdClustersResource, name, { spec: { replicas: 5 } }, { type: 'merge', namespace: env.namespace });
    await waitForHealthyMembers(env, name, 5);
  });
  note('5 → 3');
  const scaleDown = await timed(async () => {
    await env.client.patch(etcdClustersResource, name, { spec: { replicas: 3 } }, { type: 'merge', namespace: env.namespace });
    await waitForHealthyMembers(env, name, 3);
  });
  note('rollout under a writer');
  const template = await createRolloutTemplate(env, name);
  const kv = new EtcdKv(await memberAddresses(env, name), await clientCredentials(env, name));
  cleanups.push(() => kv.close());
  const writer = startWriter(kv, () => memberAddresses(env, name));
  await delay(1_000);
  const rollout = await timed(async () => {
    await useMachineTemplate(env, name, template);
    await waitForHealthyMembers(env, name, 3, 300_000);
  });
  const writes = await writer.stop();
  kv.setMembers(await memberAddresses(env, name));
  const stored = await kv.getPrefix('relay/w/');
  const lost = writes.acknowledged.filter((key) => !stored.has(key)).length;

  console.log(`host: ${cpus().length} vCPU (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30)} GiB`);
  console.log(`reference: 3 plain ContainerMachines Ready          ${fmt(reference)} s`);
  console.log(`apply → 3 healthy members                            ${fmt(create)} s  (${fmt(create / reference)}× reference; target < 30 s: ${create < 30 ? 'met' : 'MISSED'})`);
  console.log(`3 → 5 members                                        ${fmt(scaleUp)} s  (${fmt(scaleUp / reference)}× reference)`);
  console.log(`5 → 3 members                                        ${fmt(scaleDown)} s`);
  console.log(`3-member rollout under a 50 ms writer                ${fmt(rollout)} s  (${fmt(rollout / reference)}× reference; target < 90 s: ${rollout < 90 ? 'met' : 'MISSED'})`);
  console.log(`  writes acknowledged ${writes.acknowledged.length}, failed ${writes.failed}, acknowledged but lost ${lost}, longest outage ${fmt(writes.longestGapMs / 1000, 2)} s`);
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
