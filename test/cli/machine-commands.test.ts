// The machine and image commands' own logic, without a server: Ignite's size forms, random names,
// machines and images found by name, ID or digest prefix, the flags turned into a ContainerMachine,
// the NAME:PATH form of cp, Ignite's `ps` and `images` columns, and the API names the CLI repeats
// to start quickly, checked against the provider's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { byteQuantity, formatByteSize, parseByteSize } from '../../src/cli/byte-size.ts';
import { randomMachineName } from '../../src/cli/random-name.ts';
import { matchImage, matchMachine, normalizedImageReference, type ImageObject, type MachineObject } from '../../src/cli/object-lookup.ts';
import { machineFromFlags, type MachineFlags } from '../../src/cli/machine-flags.ts';
import { parseCopyEnd } from '../../src/cli/commands/cp.ts';
import { imageRow, imageTable, machineRow, machineTable } from '../../src/cli/printers/machine-table.ts';
import * as names from '../../src/cli/machine-resources.ts';
import { CliError, UsageError } from '../../src/cli/errors.ts';
import { generateSshKeyPair } from '../../src/machines/ssh/key-pair.ts';
import { ContainerMachineReason, START_REQUESTED_ANNOTATION, STANDALONE_LABEL, STOP_IMMEDIATELY_ANNOTATION } from '../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { FORCE_DELETE_ANNOTATION } from '../../src/api/slipway.dev/v1alpha1/image.ts';
import { DEFAULT_NETWORK_NAME } from '../../src/api/slipway.dev/v1alpha1/network.ts';
import { containerMachinesResource, imagesResource, networksResource } from '../../src/providers/infrastructure/container/resources.ts';

const now = new Date('2025-06-01T12:00:00Z');

test('sizes take Ignite\'s forms, 1024-based, and become binary quantities', () => {
  const cases: Array<[string, number]> = [
    ['1GB', 2 ** 30], ['1G', 2 ** 30], ['1Gi', 2 ** 30], ['1gib', 2 ** 30], ['512MB', 512 * 2 ** 20], ['512m', 512 * 2 ** 20],
    ['1.5G', 1.5 * 2 ** 30], ['64Mi', 64 * 2 ** 20], ['2048', 2048], ['10KB', 10 * 1024], ['1TB', 2 ** 40], [' 256MB ', 256 * 2 ** 20],
  ];
  for (const [text, bytes] of cases) assert.equal(parseByteSize(text, '--memory'), bytes, text);
  for (const bad of ['', 'GB', '1 GiB of RAM', '-1G', '1Xb', '0', '1iB', '1e3M']) {
    assert.throws(() => parseByteSize(bad, '--memory'), (e: unknown) => e instanceof UsageError && e.message.includes('--memory') && /512MB/.test(e.hint ?? ''), bad);
  }
  assert.equal(byteQuantity(2 ** 30), '1Gi');
  assert.equal(byteQuantity(1.5 * 2 ** 30), '1536Mi');
  assert.equal(byteQuantity(256 * 2 ** 20), '256Mi');
  assert.equal(byteQuantity(3 * 1024), '3Ki');
  assert.equal(byteQuantity(1000), '1000');
  assert.equal(formatByteSize(500), '500B');
  assert.equal(formatByteSize(1536), '1.5KiB');
  assert.equal(formatByteSize(174469813), '166MiB');
  assert.equal(formatByteSize(3 * 2 ** 30), '3.0GiB');
});

test('random names are readable DNS labels and vary', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const name = randomMachineName();
    assert.match(name, /^[a-z]+-[a-z]+$/);
    assert.ok(name.length <= 63);
    seen.add(name);
  }
  assert.ok(seen.size > 100, `only ${seen.size} distinct names in 200`);
});

const machine = (name: string, machineID?: string, status: Partial<NonNullable<MachineObject['status']>> = {}): MachineObject => ({
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachine',
  metadata: { name, namespace: 'default', creationTimestamp: '2025-06-01T11:55:00Z' },
  spec: { image: 'debian:bookworm' },
  status: { ...(machineID ? { machineID } : {}), ...status },
}) as MachineObject;

test('machines are found by exact name or ID first, else by a unique prefix of either', () => {
  const machines = [machine('web', '3c5fa9a18682f1e9'), machine('web-2', '3c5fb00000000000'), machine('db', 'aa00000000000000'), machine('new')];
  assert.equal(matchMachine(machines, 'web', 'default').metadata.name, 'web');
  assert.equal(matchMachine(machines, '3c5fa', 'default').metadata.name, 'web');
  assert.equal(matchMachine(machines, 'aa', 'default').metadata.name, 'db');
  assert.equal(matchMachine(machines, 'd', 'default').metadata.name, 'db');
  assert.equal(matchMachine(machines, 'ne', 'default').metadata.name, 'new');
  assert.equal(matchMachine(machines, '3c5fb00000000000', 'default').metadata.name, 'web-2');
  assert.throws(() => matchMachine(machines, '3c5f', 'default'), (e: unknown) => e instanceof CliError && /"3c5f" matches 2 machines \(web, web-2\)/.test(e.message));
  assert.throws(() => matchMachine(machines, 'we', 'default'), (e: unknown) => e instanceof CliError && /matches 2 machines/.test(e.message));
  assert.throws(() => matchMachine(machines, 'zz', 'default'), (e: unknown) => e instanceof CliError && e.message === 'no machine matches "zz"' && /slipway ps -a -n default/.test(e.hint ?? ''));
  assert.throws(() => matchMachine(machines, '', 'default'), CliError);
});

const image = (name: string, status: Partial<NonNullable<ImageObject['status']>>, spec: Partial<ImageObject['spec']> = {}): ImageObject => ({
  apiVersion: 'slipway.dev/v1alpha1', kind: 'Image',
  metadata: { name, creationTimestamp: '2025-06-01T10:00:00Z' },
  spec: { source: { registry: { reference: 'debian:bookworm' } }, ...spec },
  status,
}) as ImageObject;

test('images are found by reference (as typed or normalized), object name, or digest prefix', () => {
  const images = [
    image('debian-bookworm', { reference: 'docker.io/library/debian:bookworm', digest: 'sha256:4875a7c8206a78dc58c2086238184d4d8dd7a77d6182c4f3da75df6decc1e98d', phase: 'Ready' }),
    image('app', { reference: '127.0.0.1:5000/team/app:1', digest: 'sha256:48aa000000000000000000000000000000000000000000000000000000000000', phase: 'Ready' }),
    image('pulling', {}, { source: { registry: { reference: '127.0.0.1:5000/team/web:2' } } }),
  ];
  assert.equal(matchImage(images, 'debian:bookworm').metadata.name, 'debian-bookworm');
  assert.equal(matchImage(images, 'docker.io/library/debian:bookworm').metadata.name, 'debian-bookworm');
  assert.equal(matchImage(images, 'app').metadata.name, 'app');
  assert.equal(matchImage(images, '127.0.0.1:5000/team/web:2').metadata.name, 'pulling');
  assert.equal(matchImage(images, '4875a7').metadata.name, 'debian-bookworm');
  assert.equal(matchImage(images, 'sha256:48aa').metadata.name, 'app');
  // Three hex digits match too much to be meant.
  assert.throws(() => matchImage(images, '487'), (e: unknown) => e instanceof CliError && e.message === 'no image matches "487"');
  const twins = [...images, image('other', { reference: 'docker.io/library/other:1', digest: 'sha256:4875ff0000000000000000000000000000000000000000000000000000000000' })];
  assert.throws(() => matchImage(twins, '4875'), (e: unknown) => e instanceof CliError && e.message === '"4875" matches 2 images (debian-bookworm, other)');
  assert.equal(matchImage(twins, '4875a').metadata.name, 'debian-bookworm');
  assert.throws(() => matchImage(images, 'ubuntu'), (e: unknown) => e instanceof CliError && /slipway image pull/.test(e.hint ?? ''));
});

test('image references with shell metacharacters or bad tags are usage errors naming the problem', () => {
  assert.equal(normalizedImageReference('debian'), 'docker.io/library/debian:latest');
  for (const bad of ['debian;rm -rf /', 'debian:$(id)', 'a b', 'Debian:UPPER', 'debian:bookworm`x`', '']) {
    assert.throws(() => normalizedImageReference(bad), (e: unknown) => e instanceof UsageError && /debian:bookworm/.test(e.hint ?? ''), bad);
  }
});

const flags = (extra: Partial<MachineFlags>): MachineFlags => ({ image: 'debian:bookworm', ports: [], 'copy-files': [], label: [], env: [], ...extra });

test('the run/create flags become a standalone ContainerMachine', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-cli-flags-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const motd = path.join(dir, 'motd');
  await writeFile(motd, 'hello\n');
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  const made = await machineFromFlags(flags({
    name: 'vm1', cpus: '2', memory: '1GB', size: '4G', ssh: '', ports: ['8080:80', '0.0.0.0:2222:22/tcp', '5353:53/udp'], 'copy-files': ['./motd:/etc/motd'],
    label: ['team=web', 'tier='], env: ['A=1', 'B=x=y'], network: 'lab', init: 'image',
  }), 'Running');
  assert.deepEqual(made.metadata, { name: 'vm1', labels: { team: 'web', tier: '', 'slipway.dev/standalone': 'true' } });
  assert.deepEqual(made.spec, {
    image: 'debian:bookworm', powerState: 'Running', resources: { cpus: '2', memory: '1Gi' }, rootfsSize: '4Gi', ssh: { generateKey: true },
    ports: [{ hostIP: '127.0.0.1', hostPort: 8080, machinePort: 80, protocol: 'TCP' }, { hostIP: '0.0.0.0', hostPort: 2222, machinePort: 22, protocol: 'TCP' }, { hostIP: '127.0.0.1', hostPort: 5353, machinePort: 53, protocol: 'UDP' }],
    copyFiles: [{ hostPath: motd, machinePath: '/etc/motd' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: 'x=y' }], network: 'lab', init: 'image',
  });
  const bare = await machineFromFlags(flags({}), 'Stopped');
  assert.deepEqual(bare.spec, { image: 'debian:bookworm', powerState: 'Stopped' });
  assert.equal(bare.metadata.name, undefined);

  // --ssh=KEY: a key line, or a .pub file (".pub" added when left out, as Ignite does).
  const { publicKey } = generateSshKeyPair('me@host');
  await writeFile(path.join(dir, 'id.pub'), `${publicKey}\n`);
  for (const value of [publicKey, path.join(dir, 'id.pub'), path.join(dir, 'id')]) {
    assert.deepEqual((await machineFromFlags(flags({ ssh: value }), 'Running')).spec.ssh, { authorizedKeys: [publicKey] }, value);
  }
});

test('bad run/create flags are usage errors with the expected form, before anything is sent', async () => {
  const cases: Array<[Partial<MachineFlags>, RegExp]> = [
    [{ memory: 'lots' }, /invalid --memory "lots"/],
    [{ size: '4 parsecs' }, /invalid --size/],
    [{ ports: ['80'] }, /invalid port mapping "80"/],
    [{ ports: ['8080:80/sctp'] }, /unknown protocol "sctp"; use tcp or udp/],
    [{ ports: ['8080:80', '8080:81'] }, /both use host port 8080/],
    [{ 'copy-files': ['/no/such/file:/etc/x'] }, /\/no\/such\/file does not exist/],
    [{ 'copy-files': ['motd'] }, /invalid --copy-files "motd"/],
    [{ label: ['team'] }, /invalid --label "team"/],
    [{ env: ['=1'] }, /invalid --env "=1"/],
    [{ ssh: '/no/such/key' }, /cannot read the SSH public key \/no\/such\/key.pub: no such file/],
    [{ ssh: 'ssh-ed25519 AAAAnotakey' }, /--ssh: invalid SSH public key/],
  ];
  for (const [extra, message] of cases) {
    await assert.rejects(machineFromFlags(flags(extra), 'Running'), (e: unknown) => e instanceof UsageError && message.test(e.message), JSON.stringify(extra));
  }
});

test('cp names a machine\'s side NAME:/path', () => {
  assert.deepEqual(parseCopyEnd('vm1:/etc/hosts'), { machine: 'vm1', path: '/etc/hosts' });
  assert.deepEqual(parseCopyEnd('3c5f:/'), { machine: '3c5f', path: '/' });
  assert.deepEqual(parseCopyEnd('/tmp/a:b'), { path: '/tmp/a:b' });
  assert.deepEqual(parseCopyEnd('./x'), { path: path.resolve('x') });
  assert.throws(() => parseCopyEnd('vm1:etc/hosts'), (e: unknown) => e instanceof UsageError && /not absolute/.test(e.message));
});

test('ps prints Ignite\'s columns: ID, IMAGE, SIZE, CPUS, MEMORY, CREATED, STATUS, IPS, PORTS, NAME', () => {
  const running = machine('web', '3c5fa9a18682f1e9', {
    state: 'Running', startedAt: '2025-06-01T11:58:00Z', network: { name: 'default', bridge: 'slipway0', ip: '10.99.0.2', prefixLength: 16, gateway: '10.99.0.1' },
    ports: [{ hostIP: '127.0.0.1', hostPort: 8080, machinePort: 80, protocol: 'TCP' }, { hostIP: '0.0.0.0', hostPort: 2222, machinePort: 22, protocol: 'TCP' }],
  });
  running.spec = { image: 'debian:bookworm', rootfsSize: '4Gi', resources: { cpus: '2', memory: '1Gi' } };
  assert.deepEqual(machineRow(running, now), ['3c5fa9a18682f1e9', 'debian:bookworm', '4Gi', '2', '1Gi', '5m ago', 'Up 2m', '10.99.0.2', '127.0.0.1:8080->80/tcp, 0.0.0.0:2222->22/tcp', 'web']);
  const udp = { ...running, status: { ...running.status!, ports: [{ hostIP: '127.0.0.1', hostPort: 5353, machinePort: 53, protocol: 'UDP' }] } };
  assert.equal(machineRow(udp, now)[8], '127.0.0.1:5353->53/udp');
  assert.deepEqual(machineRow(machine('new'), now), ['-', 'debian:bookworm', '-', '1', '512Mi', '5m ago', 'Creating', '', '', 'new']);
  const stopped = machine('db', 'aa00000000000000', { state: 'Stopped' });
  assert.equal(machineRow(stopped, now)[6], 'Stopped');
  assert.equal(machineRow({ ...stopped, metadata: { ...stopped.metadata, deletionTimestamp: '2025-06-01T11:59:00Z' } }, now)[6], 'Deleting');
  assert.equal(machineTable([running, machine('new')], now), [
    'ID                 IMAGE             SIZE   CPUS   MEMORY   CREATED   STATUS     IPS         PORTS                                          NAME',
    '3c5fa9a18682f1e9   debian:bookworm   4Gi    2      1Gi      5m ago    Up 2m      10.99.0.2   127.0.0.1:8080->80/tcp, 0.0.0.0:2222->22/tcp   web',
    '-                  debian:bookworm   -      1      512Mi    5m ago    Creating                                                              new',
  ].join('\n'));
  assert.equal(machineTable([], now), 'ID    IMAGE   SIZE   CPUS   MEMORY   CREATED   STATUS   IPS   PORTS   NAME');
});

test('images prints IMAGE ID, NAME, CREATED, SIZE and STATUS', () => {
  const ready = image('debian-bookworm', { reference: 'docker.io/library/debian:bookworm', digest: 'sha256:4875a7c8206a78dc58c2086238184d4d8dd7a77d6182c4f3da75df6decc1e98d', phase: 'Ready', size: 174469813, createdAt: '2025-05-30T12:00:00Z' });
  assert.deepEqual(imageRow(ready, now), ['4875a7c8206a', 'docker.io/library/debian:bookworm', '2d ago', '166MiB', 'Ready']);
  assert.deepEqual(imageRow(image('pulling', { phase: 'Pulling' }, { source: { registry: { reference: '127.0.0.1:5000/a:1' } } }), now), ['-', '127.0.0.1:5000/a:1', '120m ago', '-', 'Pulling']);
  assert.equal(imageTable([], now), 'IMAGE ID   NAME   CREATED   SIZE   STATUS');
});

test('the API names the CLI repeats (to start without loading the schemas) are the provider\'s own', () => {
  for (const [mine, theirs] of [[names.containerMachines, containerMachinesResource], [names.images, imagesResource], [names.networks, networksResource]] as const) {
    assert.deepEqual(mine, theirs);
  }
  assert.equal(names.STANDALONE_LABEL, STANDALONE_LABEL);
  assert.equal(names.STOP_IMMEDIATELY_ANNOTATION, STOP_IMMEDIATELY_ANNOTATION);
  assert.equal(names.START_REQUESTED_ANNOTATION, START_REQUESTED_ANNOTATION);
  assert.equal(names.FORCE_DELETE_ANNOTATION, FORCE_DELETE_ANNOTATION);
  assert.equal(names.DEFAULT_NETWORK, DEFAULT_NETWORK_NAME);
  for (const [key, value] of Object.entries(names.MachineReason)) assert.equal(value, ContainerMachineReason[key as keyof typeof ContainerMachineReason], key);
});
