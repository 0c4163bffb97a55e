// A running machine's /etc/hosts lines for its cluster's other machines: rewritten at once, kept
// for later starts, and refused (nothing changed) when an entry is not a name and an address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MachineRuntime } from '../../../src/machines/runtime/index.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, suffix, testRuntime } from './support.ts';

const hostsOf = async (runtime: MachineRuntime, id: string) => (await runtime.exec(id, ['cat', '/etc/hosts'])).stdout.toString();

test('setHosts rewrites /etc/hosts in a running machine and keeps the lines for its next start', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const id = `rt-hosts-${suffix()}`;
  await runtime.create(machineSpec(id, lower, { ip: '10.216.250.2' }));
  await runtime.start(id);
  assert.doesNotMatch(await hostsOf(runtime, id), /member-b/);

  await runtime.setHosts(id, [{ ip: '10.216.250.3', names: ['member-b'] }, { ip: '10.216.250.4', names: ['member-c', 'c'] }]);
  const hosts = await hostsOf(runtime, id);
  assert.match(hosts, /^10\.216\.250\.2\trt-hosts-/m, 'its own line stays');
  assert.match(hosts, /^10\.216\.250\.3\tmember-b$/m);
  assert.match(hosts, /^10\.216\.250\.4\tmember-c c$/m);
  assert.equal((await runtime.exec(id, ['getent', 'hosts', 'member-c'])).stdout.toString().trim().split(/\s+/)[0], '10.216.250.4');

  await runtime.setHosts(id, [{ ip: '10.216.250.4', names: ['member-c'] }]);
  assert.doesNotMatch(await hostsOf(runtime, id), /member-b/, 'a machine that went is gone from the file');

  await assert.rejects(runtime.setHosts(id, [{ ip: 'not-an-address', names: ['x'] }]), /not an IPv4 or IPv6 address/);
  await assert.rejects(runtime.setHosts(id, [{ ip: '10.216.250.9', names: ['bad name; rm -rf /'] }]), /not a valid host name/);
  assert.match(await hostsOf(runtime, id), /^10\.216\.250\.4\tmember-c$/m, 'refused entries change nothing');

  await runtime.stop(id);
  await runtime.start(id);
  assert.match(await hostsOf(runtime, id), /^10\.216\.250\.4\tmember-c$/m, 'the lines are written again at the next start');
});
