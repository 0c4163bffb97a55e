// The checks and generated files that need no container: ids, specs, limits, the OCI bundle,
// /etc/hosts, the mount table parser and signal names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateMachineId } from '../../../src/machines/runtime/machine-id.ts';
import { machineDirectory } from '../../../src/machines/runtime/machine-directory.ts';
import { hostsFile, resolvConf } from '../../../src/machines/runtime/machine-files.ts';
import { specProblems, type MachineSpec } from '../../../src/machines/runtime/machine-spec.ts';
import { parseMountInfo } from '../../../src/machines/runtime/mountinfo.ts';
import { LABELS_ANNOTATION, ociRuntimeConfig } from '../../../src/machines/runtime/oci-bundle.ts';
import { cgroupLimits } from '../../../src/machines/runtime/resource-limits.ts';
import { signalNumber, stopSignal } from '../../../src/machines/runtime/stop-signal.ts';
import { MachineRuntimeError } from '../../../src/machines/runtime/machine-runtime-error.ts';
import { capabilityProblems, hostCapabilities, machineCapabilities } from '../../../src/machines/runtime/capabilities.ts';

const MiB = 1024 * 1024;
const spec = (overrides: Partial<MachineSpec> = {}): MachineSpec => ({
  id: 'web-1', hostname: 'web-1', lowerDirs: ['/var/lib/layers/a'], resources: { cpus: 0.5, memoryBytes: 256 * MiB }, ...overrides,
});

test('machine ids: safe names pass, traversal and odd characters fail with a hint', () => {
  for (const id of ['web-1', 'a', 'node.0_x', 'a'.repeat(128)]) validateMachineId(id);
  for (const id of ['', '..', '.', '../etc', 'a/b', 'Web', '-a', '.hidden', 'a b', 'a\0b', 'a'.repeat(129), 42]) {
    assert.throws(() => validateMachineId(id), (error: MachineRuntimeError) => error.reason === 'Invalid' && /machine id/.test(error.message), String(id));
  }
  assert.throws(() => machineDirectory('/srv/machines', '../../etc'), /not valid/);
  assert.equal(machineDirectory('/srv/machines', 'web-1').config, '/srv/machines/web-1/bundle/config.json');
});

test('spec problems name every bad field', () => {
  assert.deepEqual(specProblems(spec()), []);
  const problems = specProblems(spec({
    hostname: 'bad_host!',
    lowerDirs: ['relative/dir', '/with:colon'],
    resources: { cpus: 0, memoryBytes: 10 * MiB, pids: 3 },
    ip: '10.0.0.300',
    hosts: [{ ip: 'nope', names: ['ok'] }],
    sshAuthorizedKeys: ['not a key', 'ssh-ed25519 AAAA\nssh-rsa AAAA'],
    env: { 'BAD-NAME': 'x' },
    capabilities: ['CAP_NOT_REAL'],
    imageConfig: { StopSignal: 'SIGNOPE' },
  }));
  const text = problems.join('\n');
  for (const expected of [/hostname "bad_host!"/, /not an absolute path/, /contains ','/, /cpus must be a number above 0/, /at least 64 MiB/, /pids/, /10\.0\.0\.300/, /hosts entry address "nope"/, /SSH public key "not a key"/, /SSH public key "ssh-ed25519 AAAA\\nssh-rsa/, /BAD-NAME/, /CAP_NOT_REAL/, /SIGNOPE/]) {
    assert.match(text, expected);
  }
  assert.match(specProblems(spec({ resources: { cpus: -1, memoryBytes: 256 * MiB } })).join(), /cpus must be a number above 0/);
  assert.match(specProblems(spec({ resources: { cpus: 1000, memoryBytes: 256 * MiB } })).join(), /more than this host has/);
  assert.match(specProblems(spec({ resources: { cpus: 0.5, memoryBytes: 1.5 } })).join(), /whole number of bytes/);
});

test('cpus become a CFS quota per 100 ms period; memory gets no extra swap', () => {
  assert.deepEqual(cgroupLimits({ cpus: 0.5, memoryBytes: 256 * MiB }), {
    cpu: { quota: 50_000, period: 100_000, shares: 512 },
    memory: { limit: 256 * MiB, swap: 256 * MiB },
    pids: { limit: 4096 },
  });
  assert.equal(cgroupLimits({ cpus: 1.25, memoryBytes: 64 * MiB, pids: 100 }).cpu.quota, 125_000);
});

test('the OCI bundle: limits, namespaces, cgroup mount, capabilities, env, annotations', () => {
  const config = ociRuntimeConfig({
    spec: spec({
      networkNamespace: '/run/netns/web-1',
      env: { FOO: 'bar', PATH: '/opt/bin:/usr/bin' },
      imageConfig: { Env: ['FROM_IMAGE=1', 'FOO=image'] },
      labels: { 'cluster.x-k8s.io/cluster-name': 'c1' },
      annotations: { note: 'kept' },
      capabilities: ['CAP_NET_ADMIN'],
    }),
    rootfs: '/srv/machines/web-1/rootfs',
    initArgs: ['/.slipway/init'],
    imageInit: false,
    stopSignal: 15,
    cgroupsPath: 'slipway/web-1',
  });
  assert.equal(config.hostname, 'web-1');
  assert.deepEqual(config.root, { path: '/srv/machines/web-1/rootfs', readonly: false });
  assert.deepEqual(config.linux.resources.cpu, { quota: 50_000, period: 100_000, shares: 512 });
  assert.equal(config.linux.resources.memory.limit, 256 * MiB);
  assert.deepEqual(config.linux.namespaces.find((ns) => ns.type === 'network'), { type: 'network', path: '/run/netns/web-1' });
  assert.ok(config.linux.namespaces.some((ns) => ns.type === 'cgroup'));
  for (const destination of ['/proc', '/sys', '/dev', '/dev/pts', '/dev/shm', '/run', '/sys/fs/cgroup']) {
    assert.ok(config.mounts.some((mount) => mount.destination === destination), destination);
  }
  assert.equal(config.mounts.find((mount) => mount.destination === '/run')!.type, 'tmpfs');
  const caps = config.process.capabilities.bounding;
  for (const cap of ['CAP_SETUID', 'CAP_SETGID', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE', 'CAP_NET_ADMIN']) assert.ok(caps.includes(cap), cap);
  assert.ok(!caps.includes('CAP_SYS_ADMIN'));
  assert.ok(config.process.env.includes('FOO=bar'));
  assert.ok(config.process.env.includes('FROM_IMAGE=1'));
  assert.ok(config.process.env.includes('PATH=/opt/bin:/usr/bin'));
  assert.equal(config.annotations.note, 'kept');
  assert.deepEqual(JSON.parse(config.annotations[LABELS_ANNOTATION]), { 'cluster.x-k8s.io/cluster-name': 'c1' });
  const withImageInit = ociRuntimeConfig({ spec: spec(), rootfs: '/r', initArgs: ['/sbin/init'], imageInit: true, stopSignal: 37, cgroupsPath: 'x' });
  assert.ok(withImageInit.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  assert.deepEqual(withImageInit.linux.namespaces.find((ns) => ns.type === 'network'), { type: 'network' });
});

test('/etc/hosts and resolv.conf', () => {
  const hosts = hostsFile({ hostname: 'web-1.example.org', ip: '10.1.2.3', hosts: [{ ip: '10.1.2.4', names: ['db', 'db.example.org'] }] });
  assert.match(hosts, /^127\.0\.0\.1\tlocalhost$/m);
  assert.match(hosts, /^10\.1\.2\.3\tweb-1\.example\.org web-1$/m);
  assert.match(hosts, /^10\.1\.2\.4\tdb db\.example\.org$/m);
  assert.match(hostsFile({ hostname: 'solo' }), /^127\.0\.1\.1\tsolo$/m);
  assert.equal(resolvConf({ nameservers: ['10.0.0.53'], search: ['example.org'] }), '# Written by Slipway when the machine starts.\nnameserver 10.0.0.53\nsearch example.org\n');
});

test('mountinfo: escaped mount points and the filesystem type after the separator', () => {
  const entries = parseMountInfo([
    '36 35 98:0 /mnt1 /mnt\\040with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
    '100 20 0:50 / /srv/m/rootfs rw,relatime shared:5 - overlay overlay rw,lowerdir=/a,upperdir=/b,workdir=/c',
  ].join('\n'));
  assert.deepEqual(entries, [
    { mountPoint: '/mnt with space', fsType: 'ext3', source: '/dev/root' },
    { mountPoint: '/srv/m/rootfs', fsType: 'overlay', source: 'overlay' },
  ]);
});

test('signals: names, numbers and the stop signal for each init', () => {
  assert.equal(signalNumber('SIGTERM'), 15);
  assert.equal(signalNumber('kill'), 9);
  assert.equal(signalNumber('SIGRTMIN+3'), 37);
  assert.equal(signalNumber('9'), 9);
  assert.equal(signalNumber('SIGNOPE'), undefined);
  assert.equal(signalNumber('99'), undefined);
  assert.equal(stopSignal(false, undefined), 15);
  assert.equal(stopSignal(true, undefined), 37);
  assert.equal(stopSignal(true, 'SIGQUIT'), 3);
});

test("capabilities are limited to the host's bounding set; asking for one it lacks is an error", () => {
  // This sandbox's set: everything but CAP_SYS_RESOURCE (bit 24).
  const available = hostCapabilities('Name:\tnode\nCapBnd:\t000001fffeffffff\n');
  assert.ok(available.has('CAP_SYS_ADMIN'));
  assert.ok(!available.has('CAP_SYS_RESOURCE'));
  const caps = machineCapabilities(true, [], available);
  assert.ok(caps.includes('CAP_SYS_ADMIN') && !caps.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(capabilityProblems(['CAP_NET_ADMIN'], available), []);
  assert.match(capabilityProblems(['CAP_SYS_RESOURCE'], available).join(), /not in this host's bounding set/);
  assert.match(capabilityProblems(['NET_ADMIN'], available).join(), /unknown/);
});
