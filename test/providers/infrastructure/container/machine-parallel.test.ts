// Twenty ContainerMachines created at once: all Running with their own addresses and reachable over
// SSH, then all deleted at once, leaving nothing on the host or in the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerMachinesResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { startContainerTestEnv } from '../../../support/container-env.ts';

const SLOT = 1;
const COUNT = 20;

test(`${COUNT} ContainerMachines created in parallel all run, are reachable, and are removed cleanly`, async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'cm-parallel', slot: SLOT });
  const names = Array.from({ length: COUNT }, (_, i) => `p${i}`);
  const began = performance.now();
  await Promise.all(names.map((name) => env.client.create(containerMachinesResource, env.machine(name, { ssh: { generateKey: true }, resources: { cpus: '100m', memory: '128Mi' } }))));
  const machines = await Promise.all(names.map((name) => env.waitReady(name, 180_000)));
  const allRunningMs = Math.round(performance.now() - began);
  const addresses = machines.map((m) => m.status!.network!.ip);
  assert.equal(new Set(addresses).size, COUNT, `distinct addresses: ${addresses.join(' ')}`);
  assert.equal(new Set(machines.map((m) => m.status!.machineID)).size, COUNT);
  const hostnames = await Promise.all(names.map((name) => env.ssh(name, ['hostname'])));
  assert.deepEqual(hostnames, names.map((name) => `${name}\n`));
  t.diagnostic(`${COUNT} machines Running in ${allRunningMs} ms`);

  await Promise.all(names.map((name) => env.client.delete(containerMachinesResource, name, { namespace: env.namespace })));
  await Promise.all(names.map((name) => env.waitGone(name, 120_000)));
  await env.assertNothingLeft();
});
