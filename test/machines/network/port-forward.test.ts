import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket as DatagramSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { attachMachine } from '../../../src/machines/network/attachment.ts';
import { ensureBridge } from '../../../src/machines/network/bridge.ts';
import { allocateAddress } from '../../../src/machines/network/ipam.ts';
import { parsePortMapping } from '../../../src/machines/network/port-mapping.ts';
import { PortForwarder } from '../../../src/machines/network/port-forwarder.ts';
import { PortForwards } from '../../../src/machines/network/port-forwards.ts';
import { UdpPortForwarder } from '../../../src/machines/network/udp-port-forwarder.ts';
import { cleanUpNetwork, freeTestSubnet, startInNetns, testNamePrefix } from '../support/network.ts';

const SLOT = 1;
const echoServer = new URL('../support/tcp-echo-server.ts', import.meta.url).pathname;
const udpEchoServer = new URL('../support/udp-echo-server.ts', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Sends `text`, half-closes, and resolves with everything sent back before the peer closed. */
function echo(port: number, text: string | Buffer, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, allowHalfOpen: true }, () => socket.end(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/** A machine on its own bridge running the TCP echo server on port 7000 and the UDP one on port 7053; returns its address. */
async function machineWithEchoServer(t: test.TestContext): Promise<string> {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  t.after(() => cleanUpNetwork(prefix, [bridge]));
  const subnet = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridge, subnet });
  const machine = await attachMachine({ machineId: `${prefix}/echo`, bridge, subnet, address: allocateAddress(subnet, new Set()), namePrefix: prefix });
  const server = await startInNetns(machine.name, [process.execPath, echoServer, machine.address, '7000'], /^listening/);
  t.after(() => server.stop());
  const udpServer = await startInNetns(machine.name, [process.execPath, udpEchoServer, machine.address, '7053'], /^listening/);
  t.after(() => udpServer.stop());
  return machine.address;
}

/** A UDP client socket on loopback. */
async function udpClient(t: test.TestContext): Promise<DatagramSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  return socket;
}

/** Sends one datagram and resolves with the first answer, or undefined when none comes within `ms`. */
async function ask(socket: DatagramSocket, port: number, text: string, ms = 2_000): Promise<string | undefined> {
  const answer = once(socket, 'message', { signal: AbortSignal.timeout(ms) }).then(([message]) => (message as Buffer).toString(), () => undefined);
  socket.send(text, port, '127.0.0.1');
  return answer;
}

test('a forwarder carries TCP from a loopback port to a machine and back, half-closes included', async (t) => {
  const address = await machineWithEchoServer(t);
  const port = await freePort();
  const forwarder = await PortForwarder.start(parsePortMapping(`${port}:7000`), address);
  t.after(() => forwarder.close());

  assert.equal((await echo(port, 'ping through the forwarder')).toString(), 'ping through the forwarder');
  const large = Buffer.alloc(32 * 1024 * 1024, 'slipway');
  const timed = async (target: number, host?: string) => {
    const started = performance.now();
    const back = await echo(target, large, host);
    assert.ok(back.equals(large), '32 MiB came back intact');
    return (performance.now() - started) / 1000;
  };
  const direct = await timed(7000, address);
  const forwarded = await timed(port);
  t.diagnostic(`32 MiB echoed: directly to the machine ${direct.toFixed(3)} s, through the forwarder ${forwarded.toFixed(3)} s (${(forwarded / direct).toFixed(2)}x)`);
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => echo(port, `connection ${i}`)));
  assert.deepEqual(replies.map(String), Array.from({ length: 20 }, (_, i) => `connection ${i}`));

  const open = connect({ host: '127.0.0.1', port });
  await once(open, 'connect');
  open.write('x');
  await once(open, 'data');
  assert.equal(forwarder.connections, 1);
  await forwarder.close();
  await once(open, 'close');
  await assert.rejects(echo(port, 'after close'), /ECONNREFUSED/);
});

test('a closed machine port resets the client connection', async (t) => {
  const address = await machineWithEchoServer(t);
  const port = await freePort();
  const forwarder = await PortForwarder.start(parsePortMapping(`${port}:7001`), address);
  t.after(() => forwarder.close());
  await assert.rejects(echo(port, 'anyone?'), /ECONNRESET/);
});

test('a port in use is reported with who holds it', async (t) => {
  const port = await freePort();
  const holder = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => holder.kill());
  await once(createInterface({ input: holder.stdout }), 'line');
  await assert.rejects(PortForwarder.start(parsePortMapping(`${port}:80`), '10.215.0.2'),
    new RegExp(`^Error: cannot forward 127\\.0\\.0\\.1:${port}->80/tcp: TCP port ${port} on 127\\.0\\.0\\.1 is already in use \\(by node \\(pid ${holder.pid}\\) on 127\\.0\\.0\\.1:${port}\\); choose another host port$`));
  await assert.rejects(PortForwarder.start(parsePortMapping(`0.0.0.0:${port}:80`), '10.215.0.2'), /port \d+ on 0\.0\.0\.0 is already in use \(by node/);
  await assert.rejects(PortForwarder.start(parsePortMapping(`192.0.2.123:${port}:80`), '10.215.0.2'),
    /192\.0\.2\.123 is not an address of this host; use 127\.0\.0\.1, 0\.0\.0\.0 or one of the host's addresses/);
  await assert.rejects(PortForwarder.start(parsePortMapping(`${port}:80`), 'machine'), /invalid IPv4 machine address "machine"/);
});

test('a UDP forwarder gives each client its own socket towards the machine, answers go back to their client', async (t) => {
  const address = await machineWithEchoServer(t);
  const port = await freePort();
  const forwarder = await UdpPortForwarder.start(parsePortMapping(`${port}:7053/udp`), address, { idleTimeoutMs: 300, maxClients: 2 });
  t.after(() => forwarder.close());
  const [a, b, c] = [await udpClient(t), await udpClient(t), await udpClient(t)];

  const fromA = await ask(a, port, 'from a');
  const fromB = await ask(b, port, 'from b');
  assert.match(fromA ?? '', /^\S+:\d+ from a$/);
  assert.match(fromB ?? '', /^\S+:\d+ from b$/);
  const source = (answer: string | undefined) => answer?.split(' ')[0];
  assert.notEqual(source(fromA), source(fromB), 'each client reaches the machine from its own socket');
  assert.equal(source(await ask(a, port, 'again')), source(fromA), 'a client keeps its socket while it is active');
  assert.equal(forwarder.connections, 2);
  // A third client evicts the least recently active one (b); a quiet spell ends the others.
  assert.match(await ask(c, port, 'from c') ?? '', /from c$/);
  assert.equal(forwarder.connections, 2);
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(forwarder.connections, 0);
  assert.match(await ask(b, port, 'back') ?? '', /back$/, 'a client that was dropped is forwarded again when it sends');

  // Datagrams to a closed machine port are lost, as UDP's are, and the forwarder goes on.
  const closed = await UdpPortForwarder.start(parsePortMapping(`${await freePort()}:7054/udp`), address);
  t.after(() => closed.close());
  assert.equal(await ask(a, closed.mapping.hostPort, 'anyone?', 300), undefined);

  await forwarder.close();
  assert.equal(await ask(a, port, 'after close', 300), undefined);
});

test('a UDP port in use is reported with who holds it; TCP and UDP of the same number are separate', async (t) => {
  const address = await machineWithEchoServer(t);
  const holder = await udpClient(t);
  const port = (holder.address()).port;
  await assert.rejects(UdpPortForwarder.start(parsePortMapping(`${port}:53/udp`), '10.215.0.2'),
    new RegExp(`^Error: cannot forward 127\\.0\\.0\\.1:${port}->53/udp: UDP port ${port} on 127\\.0\\.0\\.1 is already in use \\(by this process \\(pid ${process.pid}\\)`));
  const forwards = new PortForwards();
  t.after(() => forwards.stopAll());
  const both = await freePort();
  await forwards.ensure('default/dns', [parsePortMapping(`${both}:7000/tcp`), parsePortMapping(`${both}:7053/udp`)], address);
  assert.equal((await echo(both, 'over tcp')).toString(), 'over tcp');
  assert.match(await ask(holder, both, 'over udp') ?? '', /over udp$/);
  assert.deepEqual(forwards.list().map((f) => `${f.mapping.hostPort}/${f.mapping.protocol}`), [`${both}/tcp`, `${both}/udp`]);
});

test('the manager converges each machine to its mappings and refuses cross-machine conflicts', async (t) => {
  const address = await machineWithEchoServer(t);
  const forwards = new PortForwards();
  t.after(() => forwards.stopAll());
  const [p1, p2, p3] = [await freePort(), await freePort(), await freePort()];
  const m1 = parsePortMapping(`${p1}:7000`);
  const m2 = parsePortMapping(`${p2}:7000`);

  await forwards.ensure('default/a', [m1, m2], address);
  assert.equal((await echo(p1, 'one')).toString(), 'one');
  assert.equal((await echo(p2, 'two')).toString(), 'two');
  await forwards.ensure('default/a', [m1, m2], address);
  assert.deepEqual(forwards.list().map((f) => [f.owner, f.mapping.hostPort]), [['default/a', p1], ['default/a', p2]]);

  await assert.rejects(forwards.ensure('default/b', [parsePortMapping(`0.0.0.0:${p2}:22`)], address),
    new RegExp(`cannot forward 0\\.0\\.0\\.0:${p2}->22/tcp for machine default/b: host port ${p2} is already forwarded to machine default/a`));
  await assert.rejects(forwards.ensure('default/b', [parsePortMapping(`${p3}:1`), parsePortMapping(`${p3}:2`)], address), /both use host port/);
  assert.equal(forwards.list().length, 2, 'refused calls changed nothing');

  // A port taken on the host fails the call and leaves none of its new forwarders behind.
  const blocker = createServer().listen(p3, '127.0.0.1');
  await once(blocker, 'listening');
  const p4 = await freePort();
  await assert.rejects(forwards.ensure('default/c', [parsePortMapping(`${p4}:7000`), parsePortMapping(`${p3}:7000`)], address),
    new RegExp(`port ${p3} on 127\\.0\\.0\\.1 is already in use \\(by this process \\(pid ${process.pid}\\)`));
  await new Promise((resolve) => blocker.close(resolve));
  assert.deepEqual(forwards.list().map((f) => f.owner), ['default/a', 'default/a']);
  await assert.rejects(echo(p4, 'x'), /ECONNREFUSED/);

  await forwards.ensure('default/a', [m2, parsePortMapping(`${p3}:7000`)], address);
  await assert.rejects(echo(p1, 'dropped'), /ECONNREFUSED/);
  assert.equal((await echo(p3, 'three')).toString(), 'three');
  await forwards.stop('default/a');
  await forwards.stop('default/a');
  assert.deepEqual(forwards.list(), []);
  await assert.rejects(echo(p2, 'stopped'), /ECONNREFUSED/);
});
