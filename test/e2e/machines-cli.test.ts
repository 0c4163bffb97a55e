// Ignite's workflow on real machines, as root, through the `slipway` command against a Slipway in its
// own process: a Debian image pushed with skopeo to Debian's docker-registry on loopback, `slipway
// image pull`, `slipway run --ssh --ports … --memory 256MB`, then over real SSH the hostname, the
// address and the memory limit in the machine's cgroup; the port forward from the host; logs, exec
// and cp both ways; stop/start keeping files; create/start/kill; and rm leaving nothing behind
// (runc list, mounts, network namespaces, veths, IPAddresses, the SSH key Secret).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startRegistry, type RunningRegistry } from '../support/docker-registry.ts';
import { debianImageArchive, DEBIAN_TEST_IMAGE } from '../support/debian-image.ts';
import { freePort } from '../support/free-port.ts';
import { skopeo } from '../support/oci-fixture.ts';
import { runSlipway } from '../support/slipway-cli.ts';
import { startMachinesCliEnv, type MachinesCliEnv } from './fixtures/machines-cli.ts';

const exec = promisify(execFile);
let env: MachinesCliEnv;
let registry: RunningRegistry;
let image: string;
/** The same image under a second tag, which `create` pulls itself. */
let second: string;

before(async () => {
  registry = await startRegistry();
  image = `${registry.host}/test/debian:bookworm`;
  second = `${registry.host}/test/debian:second`;
  await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci-archive:${await debianImageArchive()}:${DEBIAN_TEST_IMAGE}`, `docker://${image}`]);
  await skopeo(['copy', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${image}`, `docker://${second}`]);
  env = await startMachinesCliEnv(0);
});

after(async () => {
  await env?.tearDown();
  await registry?.stop();
});

/** Real SSH through `slipway ssh` (OpenSSH with the machine's generated key). */
const ssh = async (machine: string, ...command: string[]) => (await env.ok(['ssh', machine, '--', ...command])).trim();

test('image pull brings the pushed image in with its progress; images lists it', async () => {
  const result = await env.cli(['image', 'pull', image]);
  assert.equal(result.code, 0, result.stderr);
  const [reference, digest] = result.stdout.trim().split(' ');
  assert.equal(reference, image);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.match(result.stderr, new RegExp(`^(Pending|Pulling) ${image.replace(/[.]/g, '\\.')}`, 'm'));
  const listed = (await env.ok(['images'])).trimEnd().split('\n');
  assert.match(listed[0], /^IMAGE ID\s+NAME\s+CREATED\s+SIZE\s+STATUS$/);
  assert.match(listed[1], new RegExp(`^${digest.slice(7, 19)}\\s+${image.replace(/[.]/g, '\\.')}\\s+.+ ago\\s+\\d+MiB\\s+Ready$`));
  assert.equal(await env.ok(['image', 'ls']), await env.ok(['images']));
  // Pulling again finds it there.
  assert.equal((await env.ok(['image', 'pull', image])).trim(), `${image} ${digest}`);
});

test('run --ssh --ports --memory: a machine reachable over SSH with its hostname, address and memory limit', async (t) => {
  const hostPort = await freePort();
  await writeFile(path.join(env.dataDir, 'motd'), 'welcome aboard\n');
  const run = await env.cli(['run', image, '--name', 'vm1', '--ssh', '--ports', `127.0.0.1:${hostPort}:22`, '--memory', '256MB', '--cpus', '500m', '--copy-files', './motd:/etc/motd', '--label', 'team=cli', '--env', 'GREETING=ahoy']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'vm1\n');
  assert.match(run.stderr, /^created machine vm1$/m);

  const ps = (await env.ok(['ps'])).trimEnd().split('\n');
  assert.match(ps[0], /^ID\s+IMAGE\s+SIZE\s+CPUS\s+MEMORY\s+CREATED\s+STATUS\s+IPS\s+PORTS\s+NAME$/);
  const row = ps.find((line) => line.endsWith(' vm1'));
  assert.ok(row, ps.join('\n'));
  const [id, , , cpus, memory] = row.split(/\s{3,}/);
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.deepEqual([cpus, memory], ['500m', '256Mi']);
  assert.match(row, new RegExp(`Up \\d+s\\s+(10\\.218\\.\\d+\\.\\d+)\\s+127\\.0\\.0\\.1:${hostPort}->22/tcp\\s+vm1$`));
  const address = /\s(10\.218\.\d+\.\d+)\s/.exec(row)![1];
  assert.ok(env.subnet.cidr.startsWith(address.split('.').slice(0, 3).join('.')), `${address} in ${env.subnet.cidr}`);
  assert.deepEqual((await env.ok(['ps', '-q'])).trim().split('\n'), [id]);

  assert.equal(await ssh('vm1', 'hostname'), 'vm1');
  assert.equal(await ssh(id.slice(0, 6), 'hostname', '-I'), address);
  const limit = await ssh('vm1', 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
  assert.equal(limit, String(256 * 1024 * 1024));
  assert.equal(await ssh('vm1', 'cat', '/etc/motd'), 'welcome aboard');

  // The port forward, from the host, with the key `slipway ssh` wrote (0600) under the data directory.
  const key = path.join(env.dataDir, 'ssh', 'default', 'vm1');
  assert.equal((await exec('stat', ['-c', '%a', key])).stdout.trim(), '600');
  const forwarded = await exec('ssh', ['-i', key, '-p', String(hostPort), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', 'root@127.0.0.1', 'hostname'], { timeout: 30_000 });
  assert.equal(forwarded.stdout.trim(), 'vm1');

  // logs: the console of the machine's init (dropbear logs each login).
  assert.match(await env.ok(['logs', 'vm1']), /Pubkey auth succeeded for 'root'/);

  // exec: runc exec as root, the command's exit code passed on.
  assert.equal((await env.ok(['exec', 'vm1', '--', 'cat', '/etc/hostname'])).trim(), 'vm1');
  const failing = await env.cli(['exec', 'vm1', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
  assert.deepEqual([failing.code, failing.stdout, failing.stderr], [7, 'out\n', 'err\n']);
  assert.equal((await env.ok(['exec', '-i', 'vm1', '--', 'cat'], { stdin: 'fed through\n' })), 'fed through\n');

  // cp both ways.
  const inbound = path.join(env.dataDir, 'inbound.txt');
  await writeFile(inbound, 'from the host\n');
  await env.ok(['cp', inbound, 'vm1:/root/inbound.txt']);
  assert.equal(await ssh('vm1', 'cat', '/root/inbound.txt'), 'from the host');
  await ssh('vm1', 'sh', '-c', 'echo from the machine > /root/outbound.txt');
  const outbound = path.join(env.dataDir, 'outbound.txt');
  await env.ok(['cp', 'vm1:/root/outbound.txt', outbound]);
  assert.equal(await readFile(outbound, 'utf8'), 'from the machine\n');

  // inspect: the object, by name or ID prefix, as JSON or YAML.
  const inspected = JSON.parse(await env.ok(['inspect', id.slice(0, 8)]));
  assert.equal(inspected.metadata.name, 'vm1');
  assert.deepEqual(inspected.metadata.labels, { team: 'cli', 'slipway.dev/standalone': 'true' });
  assert.deepEqual(inspected.spec.env, [{ name: 'GREETING', value: 'ahoy' }]);
  assert.match(await env.ok(['inspect', 'vm', 'vm1', '-o', 'yaml']), /^ {2}machineID: [0-9a-f]{16}$/m);

  // Shell completion offers machine names to the machine commands, and image references to rmi.
  // The script passes the whole command line typed so far, --data-dir included.
  const complete = async (...words: string[]) => {
    const result = await runSlipway(['__complete', '--data-dir', env.dataDir, ...words]);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.trimEnd().split('\n');
  };
  assert.deepEqual(await complete('ssh', ''), ['vm1']);
  assert.deepEqual(await complete('exec', 'v'), ['vm1']);
  assert.deepEqual(await complete('logs', 'vm1', ''), [''], 'only the first positional of logs is a machine');
  assert.ok(!(await complete('rm', 'vm1', '')).includes('vm1'), 'a machine already named is not offered again');
  assert.deepEqual(await complete('rmi', ''), [image]);

  // The generic kinds still work for the same objects.
  assert.match(await env.ok(['get', 'containermachines']), /^vm1\s+[0-9a-f]{16}\s/m);

  t.diagnostic(`machine vm1 (${id}) at ${address}, forward 127.0.0.1:${hostPort}->22`);
});

test('stop and start keep the machine\'s files; a stopped machine refuses exec in one line', async () => {
  await ssh('vm1', 'sh', '-c', 'echo kept > /root/kept.txt');
  assert.equal(await env.ok(['stop', 'vm1']), 'vm1\n');
  assert.match(await env.ok(['ps', '-a']), /\sStopped\s.*\svm1$/m);
  assert.doesNotMatch(await env.ok(['ps']), /vm1/);
  assert.match(await env.fails(['exec', 'vm1', '--', 'true']), /^error: machine vm1 is not running \(Stopped\) \(hint: .*slipway start vm1/);
  assert.equal(await env.ok(['start', 'vm1']), 'vm1\n');
  assert.equal(await ssh('vm1', 'cat', '/root/kept.txt'), 'kept');
  assert.match(await env.fails(['start', 'vm1']), /^error: machine vm1 is already running/);
});

test('create pulls a missing image (its progress from the Image), makes the machine without starting it; start runs it; kill stops it at once', async () => {
  const create = await env.cli(['create', second, '--name', 'vm2', '--ssh']);
  assert.equal(create.code, 0, create.stderr);
  assert.equal(create.stdout, 'vm2\n');
  assert.match(create.stderr, /^machine vm2: WaitingForImage: /m);
  assert.match(create.stderr, new RegExp(`^(Pending|Pulling) ${second.replace(/[.]/g, '\\.')}`, 'm'));
  assert.match(await env.ok(['ps', '-a']), /^[0-9a-f]{16}\s.*\sStopped\s.*\svm2$/m);
  assert.equal(await env.ok(['start', 'vm2']), 'vm2\n');
  assert.equal(await ssh('vm2', 'hostname'), 'vm2');
  assert.equal(await env.ok(['kill', 'vm2']), 'vm2\n');
  assert.match(await env.ok(['ps', '-a']), /\sStopped\s.*\svm2$/m);
  assert.equal(await env.ok(['rm', 'vm2']), 'vm2\n');
});

test('rm refuses a running machine unless forced, then leaves nothing behind; rmi removes the image', async () => {
  assert.match(await env.fails(['rm', 'vm1']), /^error: machine vm1 is running \(hint: .*slipway rm -f vm1/);
  assert.match(await env.fails(['rmi', image]), /^error: image .* is in use by machine\(s\) default\/vm1/);
  assert.equal(await env.ok(['rm', '-f', 'vm1']), 'vm1\n');
  await env.assertNothingLeft();
  assert.equal(await env.ok(['rmi', image, second]), `${image}\n${second}\n`);
  assert.deepEqual(await env.list('images'), []);
});
