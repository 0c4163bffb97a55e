// Slipway stopped and started again while a machine runs: the machine is adopted as it is (same id,
// same init process, its port forward back), while what no object claims — a container of a machine
// that is gone, a network namespace and veth under this daemon's prefix, an address whose claimant
// is gone — is removed at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipAddressObjectName } from '../../../../src/api/slipway.dev/v1alpha1/ip-address.ts';
import { attachMachine, attachmentName } from '../../../../src/machines/network/attachment.ts';
import { containerMachinesResource, ipAddressesResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { MachineLabel } from '../../../../src/providers/infrastructure/container/runtime-spec.ts';
import { debianRootfs } from '../../../support/debian-rootfs.ts';
import { freePort } from '../../../support/free-port.ts';
import { until } from '../../../support/until.ts';
import { startContainerTestEnv } from '../../../support/container-env.ts';

const SLOT = 2;

test('a restarted Slipway adopts running machines and removes what nothing claims', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'cm-adoption', slot: SLOT });
  const port = await freePort();
  await env.client.create(containerMachinesResource, env.machine('kept', { ssh: { generateKey: true }, ports: [{ hostPort: port, machinePort: 22 }] }));
  const before = await env.waitReady('kept');
  const id = before.status!.machineID!;
  const pid = (await env.runtime.state(id)).pid;
  assert.ok(pid);

  // An address claimed by a machine that no longer exists, as a crash between allocation and release leaves it.
  const strayAddress = env.subnet.broadcast.replace(/\d+$/, '250');
  await env.client.create(ipAddressesResource, {
    apiVersion: 'slipway.dev/v1alpha1', kind: 'IPAddress', metadata: { name: ipAddressObjectName(env.network, strayAddress) },
    spec: { network: env.network, address: strayAddress, prefixLength: 24, gateway: env.subnet.gateway, claimRef: { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachine', namespace: env.namespace, name: 'gone', uid: 'no-such-uid' } },
  });
  await env.stop();

  // While Slipway is down: a running machine whose object is gone, and a namespace and veth of a half-made one.
  const orphan = 'feedfacecafebeef';
  const orphanNetwork = await attachMachine({ machineId: orphan, bridge: env.bridge, subnet: env.subnet, address: env.subnet.broadcast.replace(/\d+$/, '251'), namePrefix: env.prefix });
  await env.runtime.create({
    id: orphan, hostname: 'orphan', lowerDirs: [await debianRootfs()], resources: { cpus: 0.1, memoryBytes: 128 << 20 }, networkNamespace: orphanNetwork.netnsPath,
    labels: { [MachineLabel.namespace]: env.namespace, [MachineLabel.name]: 'gone', [MachineLabel.uid]: 'no-such-uid' },
  });
  await env.runtime.start(orphan);
  const halfMade = await attachMachine({ machineId: '0123456789abcdef', bridge: env.bridge, subnet: env.subnet, address: env.subnet.broadcast.replace(/\d+$/, '252'), namePrefix: env.prefix });

  await env.start();
  await until('the leftovers to be removed', async () => {
    const left = await env.leftovers();
    return left.stateDirectories.join() === id && left.attachments.join() === attachmentName(id, env.prefix) && left.addresses.join() === before.status!.network!.ip ? left : undefined;
  }, 60_000);
  assert.ok(!(await env.leftovers()).attachments.includes(halfMade.name));
  const after = await env.waitReady('kept');
  assert.equal(after.status!.machineID, id);
  assert.equal(after.status!.startedAt, before.status!.startedAt, 'not started again');
  assert.equal((await env.runtime.state(id)).pid, pid, 'the same init runs');
  assert.equal(await until('SSH through the re-made port forward', () => env.ssh('kept', ['hostname'], { address: '127.0.0.1', port }).catch(() => undefined), 30_000), 'kept\n');

  await env.client.delete(containerMachinesResource, 'kept', { namespace: env.namespace });
  await env.waitGone('kept');
  await env.assertNothingLeft();
});
