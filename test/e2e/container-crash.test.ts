// Crash while machines are being made, and while they are being removed: Slipway (its own process)
// is SIGKILLed in the middle of creating 10 ContainerMachines and started again. Afterwards every
// machine runs under the id its object records — adopted if it was made, made again from scratch if
// it was half-made — with exactly one container, state directory, network namespace, veth and
// address each, and nothing else on the host. Then the same for deleting them: SIGKILL in the
// middle, restart, and nothing at all is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { attachmentName } from '../../src/machines/network/attachment.ts';
import { containerMachinesResource } from '../../src/providers/infrastructure/container/resources.ts';
import { startContainerTestEnv, type ContainerMachineObject, type ContainerTestEnv } from '../support/container-env.ts';
import { until } from '../support/until.ts';

const SLOT = 5;
const COUNT = 10;
const names = Array.from({ length: COUNT }, (_, i) => `crash-${i}`);

async function machines(env: ContainerTestEnv): Promise<ContainerMachineObject[]> {
  return (await env.client.listAll<ContainerMachineObject>(containerMachinesResource, { namespace: env.namespace })).items;
}

test('SIGKILL during a 10-machine create and during their deletion: after each restart, no duplicate and no leak', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'container-crash', slot: SLOT, inProcess: false });

  const create = (batch: string[]) => Promise.all(batch.map((name) => env.client.create(containerMachinesResource, env.machine(name, { ssh: { generateKey: true }, resources: { cpus: '100m', memory: '128Mi' } }))));
  // Kill once some machines run on the host while others are still being made. Ten machines made in
  // parallel can all finish while the host is being looked at, so the second half is asked for only
  // once the first has containers, and the kill follows within a fraction of one machine's making.
  await create(names.slice(0, COUNT / 2));
  await until('machines half-way made', async () => (await env.hostLeftovers()).containers.length >= 2, 60_000, 20);
  await create(names.slice(COUNT / 2));
  await delay(Math.random() * 150);
  await env.kill();
  const atKill = await env.hostLeftovers();
  t.diagnostic(`killed with ${atKill.stateDirectories.length} of ${COUNT} machines made, ${atKill.containers.length} containers, ${atKill.attachments.length} attachments`);
  assert.ok(atKill.containers.length < COUNT, 'the kill came before every machine was running');

  let began = performance.now();
  await env.start();
  await Promise.all(names.map((name) => env.waitReady(name, 180_000)));
  t.diagnostic(`restarted and all ${COUNT} Ready in ${Math.round(performance.now() - began)} ms`);
  const all = await machines(env);
  const ids = all.map((m) => m.status!.machineID!).sort();
  assert.equal(new Set(ids).size, COUNT);
  const left = await env.leftovers();
  assert.deepEqual(left.stateDirectories.sort(), ids, 'one machine on the host per object, under the id it records');
  assert.deepEqual(left.containers.sort(), ids);
  assert.deepEqual(left.attachments.sort(), ids.map((id) => attachmentName(id, env.prefix)).sort());
  assert.deepEqual(left.addresses.sort(), all.map((m) => m.status!.network!.ip).sort());
  assert.ok(left.mounts.every((point) => ids.some((id) => point.startsWith(`${env.runtime.directory(id).dir}/`))), `mounts: ${left.mounts.join(' ')}`);
  const hostnames = await Promise.all(names.map((name) => until(`SSH into ${name}`, () => env.ssh(name, ['hostname']).catch(() => undefined), 30_000)));
  assert.deepEqual(hostnames, names.map((name) => `${name}\n`));

  await Promise.all(names.map((name) => env.client.delete(containerMachinesResource, name, { namespace: env.namespace })));
  await delay(300 + Math.random() * 700);
  await env.kill();
  began = performance.now();
  await env.start();
  await Promise.all(names.map((name) => env.waitGone(name, 120_000)));
  t.diagnostic(`restarted and all ${COUNT} gone in ${Math.round(performance.now() - began)} ms`);
  await env.assertNothingLeft();
});
