import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { attachmentName, attachMachine, detachMachine, listAttachments, type AttachmentState } from '../../../src/machines/network/attachment.ts';
import { ensureBridge, removeBridge } from '../../../src/machines/network/bridge.ts';
import { findLink, ip, ipv4Addresses } from '../../../src/machines/network/ip-command.ts';
import { allocateAddress } from '../../../src/machines/network/ipam.ts';
import { cleanUpNetwork, freeTestSubnet, runInNetns, startInNetns, testNamePrefix } from '../support/network.ts';

const SLOT = 0;
const echoServer = new URL('../support/tcp-echo-server.ts', import.meta.url).pathname;

/** Whether one ping from the host (or from inside `netns`) to `address` is answered within 2 s. */
async function pings(address: string, netns?: string): Promise<boolean> {
  const args = ['-c', '1', '-W', '2', address];
  if (netns) return (await runInNetns(netns, ['ping', ...args])).code === 0;
  return promisify(execFile)('ping', args).then(() => true, () => false);
}

/** Sends `text` over TCP, half-closes, and resolves with everything the peer sent back. */
function echo(address: string, port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, allowHalfOpen: true }, () => socket.end(text));
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk) => (received += chunk)).on('end', () => resolve(received)).on('error', reject);
  });
}

test('two machines on a bridge reach each other and the host; detach leaves nothing', async (t) => {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  t.after(() => cleanUpNetwork(prefix, [bridge]));
  const subnet = await freeTestSubnet(SLOT);

  assert.deepEqual(await ensureBridge({ name: bridge, subnet }), { name: bridge, subnet, gateway: subnet.gateway });
  await ip(['addr', 'add', `${subnet.network.replace(/\.0$/, '.250')}/24`, 'dev', bridge]);
  await ensureBridge({ name: bridge, subnet });
  assert.deepEqual(await ipv4Addresses(bridge), [{ address: subnet.gateway, prefixLength: 24 }], 'ensureBridge again keeps only the gateway address');
  assert.ok((await findLink(bridge))?.flags.includes('UP'));
  assert.equal((await readFile(`/proc/sys/net/ipv4/conf/${bridge}/forwarding`, 'utf8')).trim(), '0');

  const taken = new Set<string>();
  const addressA = allocateAddress(subnet, taken);
  taken.add(addressA);
  const addressB = allocateAddress(subnet, taken);
  const a = await attachMachine({ machineId: `${prefix}/machine-a`, bridge, subnet, address: addressA, namePrefix: prefix });
  const b = await attachMachine({ machineId: `${prefix}/machine-b`, bridge, subnet, address: addressB, namePrefix: prefix });
  assert.equal(a.name, attachmentName(`${prefix}/machine-a`, prefix));
  assert.ok(a.name.length <= 15);
  assert.deepEqual(a, {
    name: a.name, netnsPath: `/run/netns/${a.name}`, hostInterface: a.name, interface: 'eth0',
    address: addressA, prefixLength: 24, gateway: subnet.gateway,
  });
  assert.ok(existsSync(a.netnsPath));
  assert.deepEqual(await ipv4Addresses('eth0', a.name), [{ address: addressA, prefixLength: 24 }]);
  const routes = (await runInNetns(a.name, ['ip', 'route', 'show', 'default'])).stdout;
  assert.match(routes, new RegExp(`^default via ${subnet.gateway.replaceAll('.', '\\.')} dev eth0`));
  assert.equal((await runInNetns(a.name, ['ping', '-c', '1', '-W', '2', '127.0.0.1'])).code, 0, 'loopback is up');

  assert.ok(await pings(addressA), 'host reaches machine a');
  assert.ok(await pings(addressB), 'host reaches machine b');
  assert.ok(await pings(addressB, a.name), 'a reaches b');
  assert.ok(await pings(addressA, b.name), 'b reaches a');
  assert.ok(await pings(subnet.gateway, a.name), 'a reaches its gateway');

  const server = await startInNetns(b.name, [process.execPath, echoServer, addressB, '7007'], /^listening/);
  t.after(() => server.stop());
  assert.equal(await echo(addressB, 7007, 'hello from the host'), 'hello from the host');
  const fromA = await runInNetns(a.name, [process.execPath, '-e',
    `const s = require('node:net').connect(7007, ${JSON.stringify(addressB)}, () => s.end('from a')); s.setEncoding('utf8').on('data', (d) => process.stdout.write(d));`]);
  assert.equal(fromA.stdout, 'from a', fromA.stderr);

  // Attaching again (a restarted controller) changes nothing and keeps open connections.
  const held = connect({ host: addressB, port: 7007 });
  await new Promise((resolve) => held.once('connect', resolve));
  assert.deepEqual(await attachMachine({ machineId: `${prefix}/machine-b`, bridge, subnet, address: addressB, namePrefix: prefix }), b);
  held.write('still there');
  const [reply] = await Promise.race([
    new Promise<Buffer[]>((resolve) => held.once('data', (d) => resolve([d]))),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no echo on the held connection')), 5000)),
  ]);
  assert.equal(reply.toString(), 'still there');
  held.destroy();

  const listed = await listAttachments(prefix);
  assert.deepEqual(listed, [a, b].sort((x, y) => x.name.localeCompare(y.name)).map((m): AttachmentState => ({
    name: m.name, netnsPath: m.netnsPath, hostInterface: m.name, machineId: m === a ? `${prefix}/machine-a` : `${prefix}/machine-b`,
    bridge, address: `${m.address}/24`, complete: true,
  })));

  await server.stop();
  await detachMachine(a.name);
  await detachMachine(a.name);
  assert.equal(existsSync(a.netnsPath), false);
  assert.equal(await findLink(a.name), undefined);
  assert.deepEqual((await listAttachments(prefix)).map((s) => s.name), [b.name]);
  assert.equal(await pings(addressA), false, 'a is gone');
  await detachMachine(b.name);
  assert.deepEqual(await listAttachments(prefix), []);
  assert.deepEqual((await ip(['netns', 'list'])).split('\n').filter((l) => l.startsWith(prefix)), []);
  assert.deepEqual((await ip(['-brief', 'link', 'show', 'master', bridge])).trim(), '', 'no ports left on the bridge');
  await removeBridge(bridge);
  await removeBridge(bridge);
  assert.equal(await findLink(bridge), undefined);
});

test('half-made attachments after a crash are listed, then completed or removed', async (t) => {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  const strayPeer = `${prefix}peer`;
  t.after(() => cleanUpNetwork(prefix, [bridge]));
  const subnet = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridge, subnet });

  const ids = ['netns-only', 'unconfigured-pair', 'veth-only'].map((id) => `${prefix}/${id}`);
  const [netnsOnly, unconfigured, vethOnly] = ids.map((id) => attachmentName(id, prefix));
  // The states a crash between the steps of attachMachine can leave behind.
  await ip(['netns', 'add', netnsOnly]);
  await ip(['netns', 'add', unconfigured]);
  await ip(['link', 'add', 'name', unconfigured, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', unconfigured]);
  await ip(['link', 'add', 'name', vethOnly, 'type', 'veth', 'peer', 'name', strayPeer]);

  const half = (name: string, netns: boolean, veth: boolean): AttachmentState => ({
    name, netnsPath: netns ? `/run/netns/${name}` : null, hostInterface: veth ? name : null,
    machineId: null, bridge: null, address: null, complete: false,
  });
  assert.deepEqual(await listAttachments(prefix), [
    half(netnsOnly, true, false), half(unconfigured, true, true), half(vethOnly, false, true),
  ].sort((x, y) => x.name.localeCompare(y.name)));
  assert.deepEqual(await listAttachments(testNamePrefix()), [], 'another prefix sees none of them');

  // A restarted daemon completes what it still wants…
  const first = await attachMachine({ machineId: ids[0], bridge, subnet, address: allocateAddress(subnet, new Set()), namePrefix: prefix });
  const second = await attachMachine({ machineId: ids[1], bridge, subnet, address: allocateAddress(subnet, new Set([first.address])), namePrefix: prefix });
  assert.ok(await pings(first.address));
  assert.ok(await pings(second.address));
  assert.ok(await pings(first.address, second.name));
  const states = await listAttachments(prefix);
  assert.deepEqual(states.filter((s) => s.complete).map((s) => s.machineId).sort(), [ids[0], ids[1]].sort());

  // …and removes the rest.
  const wanted = new Set([ids[0]]);
  for (const state of states) {
    if (state.machineId === null || !wanted.has(state.machineId)) await detachMachine(state.name);
  }
  assert.deepEqual((await listAttachments(prefix)).map((s) => s.machineId), [ids[0]]);
  assert.equal(await findLink(strayPeer), undefined, 'removing the host end removed its peer');
  assert.equal(existsSync(`/run/netns/${unconfigured}`), false);
  assert.equal(await pings(second.address), false);
});

test('a host end recording another machine id is not taken over', async (t) => {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  t.after(() => cleanUpNetwork(prefix, [bridge]));
  const subnet = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridge, subnet });
  const options = { machineId: `${prefix}/one`, bridge, subnet, address: allocateAddress(subnet, new Set()), namePrefix: prefix };
  const attached = await attachMachine(options);
  await ip(['link', 'set', 'dev', attached.name, 'alias', 'someone-else']);
  await assert.rejects(attachMachine(options), new RegExp(`interface ${attached.name} belongs to machine someone-else, not ${prefix}/one`));
});

test('machines on different bridges cannot reach each other: the host forwards nothing', async (t) => {
  const prefix = testNamePrefix();
  const bridges = [`${prefix}br1`, `${prefix}br2`];
  t.after(() => cleanUpNetwork(prefix, bridges));
  const subnet1 = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridges[0], subnet: subnet1 });
  const subnet2 = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridges[1], subnet: subnet2 });
  const one = await attachMachine({ machineId: 'one', bridge: bridges[0], subnet: subnet1, address: allocateAddress(subnet1, new Set()), namePrefix: prefix });
  const two = await attachMachine({ machineId: 'two', bridge: bridges[1], subnet: subnet2, address: allocateAddress(subnet2, new Set()), namePrefix: prefix });
  assert.ok(await pings(one.address) && await pings(two.address), 'the host reaches both');
  assert.ok(await pings(subnet1.gateway, one.name), 'one reaches its own gateway');
  assert.equal(await pings(two.address, one.name), false, 'one does not reach two through the host');
  assert.equal(await pings(one.address, two.name), false, 'two does not reach one through the host');
});

test('bad names, addresses and subnets are refused before anything changes', async (t) => {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  const notBridge = `${prefix}vt`;
  t.after(async () => {
    await ip(['link', 'del', 'dev', notBridge]).catch(() => undefined);
    await cleanUpNetwork(prefix, [bridge]);
  });
  const subnet = await freeTestSubnet(SLOT);

  for (const name of ['', 'a-very-long-name', '-br', 'br/0', 'br 0', 'br:0', 'brü']) {
    await assert.rejects(ensureBridge({ name, subnet }), /^Error: invalid bridge name/, name);
  }
  await assert.rejects(attachMachine({ machineId: 'm', bridge, subnet, address: subnet.gateway.replace(/\.1$/, '.2'), namePrefix: prefix }),
    new RegExp(`bridge ${bridge} does not exist; create it with ensureBridge first`));
  assert.deepEqual(await listAttachments(prefix), [], 'no namespace was made for the refused attachment');

  await ip(['link', 'add', 'name', notBridge, 'type', 'veth', 'peer', 'name', `${prefix}dp`]);
  await assert.rejects(ensureBridge({ name: notBridge, subnet }), new RegExp(`cannot use ${notBridge} as a machine bridge: a veth device already has that name`));
  await assert.rejects(removeBridge(notBridge), /refusing to remove .*: it is a veth device/);
  assert.deepEqual(await ipv4Addresses(notBridge), []);

  await ensureBridge({ name: bridge, subnet });
  const inside = subnet.network.replace(/\.0$/, '.128');
  await assert.rejects(ensureBridge({ name: `${prefix}br2`, subnet: { ...subnet, network: inside, cidr: `${inside}/25`, prefixLength: 25 } }),
    new RegExp(`cannot use subnet ${inside.replaceAll('.', '\\.')}/25 for bridge ${prefix}br2: it overlaps ${subnet.gateway.replaceAll('.', '\\.')}/24 on ${bridge}; pick another subnet`));
  assert.equal(await findLink(`${prefix}br2`), undefined);

  await assert.rejects(attachMachine({ machineId: 'm', bridge, subnet, address: subnet.gateway, namePrefix: prefix }), /is the gateway address/);
  await assert.rejects(attachMachine({ machineId: 'm', bridge, subnet, address: '192.168.77.2', namePrefix: prefix }), /is not in subnet/);
  await assert.rejects(attachMachine({ machineId: 'm x', bridge, subnet, address: '192.168.77.2', namePrefix: prefix }), /invalid machine id "m x"/);
  assert.throws(() => attachmentName('m', 'toolong'), /invalid name prefix "toolong": use 1 to 4 lowercase letters/);
  assert.throws(() => attachmentName('m', '1ab'), /invalid name prefix/);
  assert.throws(() => attachmentName('', 'slw'), /invalid machine id ""/);
  await assert.rejects(detachMachine('eth0'), /invalid attachment name "eth0"/);
  await assert.rejects(detachMachine('../x-0123456789'), /invalid attachment name/);
  await assert.rejects(listAttachments('a.*'), /invalid name prefix/);
  assert.equal(attachmentName('default/web-0'), attachmentName('default/web-0'), 'names are deterministic');
  assert.notEqual(attachmentName('default/web-0'), attachmentName('default/web-1'));
  assert.match(attachmentName('default/web-0'), /^slw-[0-9a-f]{10}$/);
});
