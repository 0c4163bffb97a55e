// Real etcd 3.4 members from real bootstrap data: a Slipway produces each member's cloud-config, the
// test runs it in an emulated machine (its own network namespace on a test bridge, its own /etc,
// /var and /run; the host's Debian etcd), and plays the control plane with the member client: first
// member, then learners added and promoted, TLS only, with names resolved through /etc/hosts as
// container machines get them. etcdctl checks the result from the outside, with the client certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'undici';
import { parse } from 'yaml';
import { secretsResource } from '../../../src/client/resources.ts';
import { attachMachine, type MachineAttachment } from '../../../src/machines/network/attachment.ts';
import { ensureBridge } from '../../../src/machines/network/bridge.ts';
import { ip } from '../../../src/machines/network/ip-command.ts';
import { hostsFile } from '../../../src/machines/runtime/machine-files.ts';
import type { HostEntry } from '../../../src/machines/runtime/index.ts';
import { allocateAddress } from '../../../src/machines/network/ipam.ts';
import type { Subnet } from '../../../src/machines/network/subnet.ts';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certificates.ts';
import { keyPairFromSecret, type CertificateSecret } from '../../../src/pki/cluster-certificates.ts';
import { etcdConfigsResource } from '../../../src/providers/bootstrap/etcd/etcd-config-controller.ts';
import { memberPeerURL } from '../../../src/providers/bootstrap/etcd/member-configuration.ts';
import type { CloudConfig } from '../../../src/providers/bootstrap/cloud-config.ts';
import { EtcdError, EtcdMemberClient, EtcdUnreachableError, type EtcdClientCredentials, type MemberEndpoint } from '../../../src/providers/controlplane/etcd/member-client.ts';
import { canRemoveMember } from '../../../src/providers/controlplane/etcd/quorum.ts';
import { acceptsTcp, cleanUpNetwork, freeTestSubnet, testNamePrefix } from '../../machines/support/network.ts';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../../support/slipway.ts';
import { until } from '../../support/until.ts';
import { bootstrapData, createCluster, createMember } from '../bootstrap/fixtures.ts';
import { startEmulatedMachine, type EmulatedMachine } from './support/emulated-machine.ts';

const ns = 'etcd-members';
const cluster = 'quorum';
const VERSION = '3.4.23';
const prefix = testNamePrefix();
const bridge = `${prefix}br`;

let s: SlipwayForTest;
let subnet: Subnet;
let credentials: EtcdClientCredentials;
/** The admin's view: the host's network with an /etc/hosts that knows the members, where etcdctl runs. */
let admin: EmulatedMachine;
const machines = new Map<string, { machine: EmulatedMachine; attachment: MachineAttachment }>();
const clients: EtcdMemberClient[] = [];

before(async () => {
  s = await startSlipwayWithNamespace(ns);
  subnet = await freeTestSubnet(0, 216);
  await ensureBridge({ name: bridge, subnet });
  await createCluster(s.client, ns, cluster);
  admin = await startEmulatedMachine('admin');
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  for (const { machine } of machines.values()) await machine.stop();
  await admin?.stop();
  await cleanUpNetwork(prefix, [bridge]);
  await s?.stop();
});

const entries = (): HostEntry[] => [...machines].map(([name, m]) => ({ ip: m.attachment.address, names: [name] }));

/** What the infrastructure provider does for container machines: every machine (and the admin) resolves every member's name. */
async function publishHosts(): Promise<void> {
  for (const [name, { machine, attachment }] of machines) {
    await machine.writeFile('/etc/hosts', hostsFile({ hostname: name, ip: attachment.address, hosts: entries().filter((e) => e.names[0] !== name) }));
  }
  await admin.writeFile('/etc/hosts', `127.0.0.1\tlocalhost\n${entries().map((e) => `${e.ip}\t${e.names.join(' ')}`).join('\n')}\n`);
}

async function addMachine(name: string): Promise<EmulatedMachine> {
  const taken = new Set([...machines.values()].map((m) => m.attachment.address));
  const attachment = await attachMachine({ machineId: `${prefix}/${name}`, bridge, subnet, address: allocateAddress(subnet, taken), namePrefix: prefix });
  const machine = await startEmulatedMachine(name, attachment.name);
  machines.set(name, { machine, attachment });
  await publishHosts();
  return machine;
}

/** The control plane reaches members at their machines' addresses and checks their certificates for the machine names. */
const endpoint = (name: string): MemberEndpoint => ({ url: `https://${machines.get(name)!.attachment.address}:2379`, serverName: name });
function memberClient(names: string[], creds = credentials): EtcdMemberClient {
  const client = new EtcdMemberClient({ endpoints: names.map(endpoint), credentials: creds });
  clients.push(client);
  return client;
}

/** Runs the machine's bootstrap data and checks it reported success. */
async function bootstrap(machine: EmulatedMachine): Promise<CloudConfig> {
  const { value } = await bootstrapData(s.client, ns, machine.name);
  const result = await machine.applyCloudConfig(value);
  assert.equal(result.code, 0, `bootstrap of ${machine.name}: ${result.stderr}${result.stdout}`);
  assert.equal(await machine.readFile('/run/cluster-api/bootstrap-success.complete'), 'success\n');
  return parse(value) as CloudConfig;
}

/** etcdctl on the admin's side with the cluster's client certificate; JSON output parsed. */
async function etcdctl(names: string[], args: string[]): Promise<unknown> {
  const result = await admin.exec(['etcdctl', `--endpoints=${names.map((n) => `https://${n}:2379`).join(',')}`,
    '--cacert=/etc/slipway-test/ca.crt', '--cert=/etc/slipway-test/client.crt', '--key=/etc/slipway-test/client.key', '--dial-timeout=5s', '-w', 'json', ...args]);
  assert.equal(result.code, 0, `etcdctl ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

/**
 * etcd refuses membership changes for a few seconds after one (strict reconfiguration check: every
 * voting member connected for 5 s), answering "unhealthy cluster": the control plane retries.
 */
function retrying<T>(what: string, change: () => Promise<T>): Promise<T> {
  return until(what, async () => {
    try {
      return { value: await change() };
    } catch (error) {
      if (error instanceof EtcdError && error.kind === 'Unhealthy') return undefined;
      throw error;
    }
  }, 30_000, 500).then((r) => r.value);
}

/** Adds `name` the way the control plane will: learner first (by its name's peer URL), then tell its EtcdConfig whom it joins, bootstrap, promote. */
async function join(client: EtcdMemberClient, name: string): Promise<void> {
  const machine = await addMachine(name);
  await createMember(s.client, ns, cluster, name, { version: VERSION });
  const others = (await client.members()).map((m) => m.name);
  const learner = await retrying(`learner ${name} to be added`, () => client.addLearner(memberPeerURL(name)));
  assert.deepEqual([learner.name, learner.learner, learner.peerURLs], ['', true, [`https://${name}:2380`]]);
  await s.client.patch(etcdConfigsResource, name, { spec: { initialClusterState: 'existing', initialCluster: others.map((n) => ({ name: n })) } }, { type: 'merge', namespace: ns });
  await bootstrap(machine);
  await until(`learner ${name} to be promoted`, async () => {
    try {
      await client.promote(learner.id);
      return true;
    } catch (error) {
      if (error instanceof EtcdError && error.kind === 'LearnerNotInSync') return false;
      throw error;
    }
  }, 60_000, 500);
}

test('three members form a TLS-only cluster: the first starts it, the others join as learners and are promoted', async () => {
  const first = await addMachine('quorum-a');
  await createMember(s.client, ns, cluster, 'quorum-a', { version: VERSION, initialClusterState: 'new' });
  const cloudConfig = await bootstrap(first);
  assert.ok(cloudConfig.write_files!.some((f) => f.path === '/etc/etcd/pki/server.key' && f.permissions === '0600'));
  const ls = await first.exec(['stat', '-c', '%a %U:%G %n', '/etc/etcd/pki/server.key', '/etc/etcd/pki/peer.key', '/etc/etcd/pki/server.crt', '/var/lib/etcd']);
  assert.equal(ls.stdout, '600 etcd:etcd /etc/etcd/pki/server.key\n600 etcd:etcd /etc/etcd/pki/peer.key\n644 root:root /etc/etcd/pki/server.crt\n700 etcd:etcd /var/lib/etcd\n');
  const etcdUid = Number((await first.exec(['id', '-u', 'etcd'])).stdout);
  const processes = await Promise.all((await ip(['netns', 'pids', machines.get('quorum-a')!.attachment.name])).split('\n').filter(Boolean).map(async (pid) => ({
    comm: (await readFile(`/proc/${pid}/comm`, 'utf8')).trim(),
    uid: Number(/^Uid:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]),
  })));
  assert.deepEqual(processes.filter((p) => p.comm === 'etcd').map((p) => p.uid), [etcdUid], 'one etcd, run as the etcd user');

  const ca = keyPairFromSecret(await s.client.get<CertificateSecret>(secretsResource, `${cluster}-etcd`, ns));
  const client = keyPairFromSecret(await s.client.get<CertificateSecret>(secretsResource, `${cluster}-apiserver-etcd-client`, ns));
  credentials = { ca: ca.cert, cert: client.cert, key: client.key };
  await admin.writeFile('/etc/slipway-test/ca.crt', ca.cert);
  await admin.writeFile('/etc/slipway-test/client.crt', client.cert);
  await admin.writeFile('/etc/slipway-test/client.key', client.key);

  const control = memberClient(['quorum-a']);
  const [only] = await control.members();
  assert.deepEqual([only.name, only.learner, only.peerURLs, only.clientURLs], ['quorum-a', false, ['https://quorum-a:2380'], ['https://quorum-a:2379']]);
  assert.match(only.id, /^[0-9a-f]+$/);

  await join(control, 'quorum-b');
  // One learner at a time: while quorum-c is a learner that has not started, a second is refused,
  // and it cannot be promoted before it has caught up.
  const pending = await retrying('a learner to be added', () => control.addLearner(memberPeerURL('quorum-c')));
  await assert.rejects(control.addLearner('https://quorum-x:2380'), (e) => e instanceof EtcdError && e.kind === 'TooManyLearners');
  await assert.rejects(control.promote(pending.id), (e) => e instanceof EtcdError && e.kind === 'LearnerNotInSync');
  await control.remove(pending.id);
  await join(control, 'quorum-c');

  const all = memberClient(['quorum-a', 'quorum-b', 'quorum-c']);
  const members = await all.members();
  assert.deepEqual(members.map((m) => [m.name, m.learner]).sort(), [['quorum-a', false], ['quorum-b', false], ['quorum-c', false]]);
  const statuses = await all.statuses();
  assert.deepEqual(statuses.map((st) => st.error), [undefined, undefined, undefined]);
  const leaders = new Set(statuses.map((st) => st.status!.leaderId));
  assert.equal(leaders.size, 1, 'every member follows the same leader');
  assert.ok(members.some((m) => m.id === [...leaders][0]));
  assert.deepEqual(statuses.map((st) => st.status!.version), [VERSION, VERSION, VERSION]);
  assert.deepEqual(await Promise.all(['quorum-a', 'quorum-b', 'quorum-c'].map((n) => all.health(endpoint(n)))), [{ healthy: true }, { healthy: true }, { healthy: true }]);
  assert.deepEqual(await all.alarms(), []);

  // etcdctl, the way `slipway etcdctl` will run it: names resolved like the machines do, the client certificate.
  const health = await etcdctl(['quorum-a', 'quorum-b', 'quorum-c'], ['endpoint', 'health']) as { endpoint: string; health: boolean }[];
  assert.deepEqual(health.map((h) => [h.endpoint, h.health]).sort(), [['https://quorum-a:2379', true], ['https://quorum-b:2379', true], ['https://quorum-c:2379', true]]);
  const listed = await etcdctl(['quorum-a'], ['member', 'list']) as { members: { name: string; IsLearner?: boolean }[] };
  assert.deepEqual(listed.members.map((m) => [m.name, m.IsLearner ?? false]).sort(), [['quorum-a', false], ['quorum-b', false], ['quorum-c', false]]);
});

test('only TLS with a certificate from the cluster CA gets in: plain HTTP, other CAs, no certificate and wrong names are refused', async () => {
  const address = machines.get('quorum-a')!.attachment.address;
  for (const port of [2379, 2380]) {
    const answer = await request(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(5000) }).then(async (r) => `${r.statusCode} ${await r.body.text()}`, (e: Error) => e.message);
    assert.doesNotMatch(answer, /"health":"true"/, `plain HTTP on ${port}`);
    assert.match(answer, /other side closed|socket hang up|ECONNRESET/, `plain HTTP on ${port}: ${answer}`);
  }
  assert.equal(await acceptsTcp(address, 2381), false, 'the plain-HTTP health listener is on the machine\'s loopback only');

  const otherCA = await createCertificateAuthority('not-the-etcd-ca');
  const stranger = await issueCertificate(otherCA, { commonName: 'kube-apiserver-etcd-client', usages: ['client'] });
  const refused = async (creds: EtcdClientCredentials, target: MemberEndpoint, pattern: RegExp) => {
    const client = new EtcdMemberClient({ endpoints: [target], credentials: creds });
    clients.push(client);
    await assert.rejects(client.members(), (e) => e instanceof EtcdUnreachableError && pattern.test(e.message), pattern.source);
  };
  // The member refuses a client certificate of another CA, and a client without one.
  await refused({ ...credentials, cert: stranger.cert, key: stranger.key }, endpoint('quorum-a'), /TLS_ALERT_BAD_CERTIFICATE/);
  await refused({ ...credentials, cert: '', key: '' }, endpoint('quorum-a'), /TLS_ALERT_BAD_CERTIFICATE/);
  // The client refuses a member whose certificate is not of the CA it trusts, or not for the name it expects.
  await refused({ ...credentials, ca: otherCA.cert }, endpoint('quorum-a'), /UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  await refused(credentials, { ...endpoint('quorum-a'), serverName: 'quorum-b' }, /ERR_TLS_CERT_ALTNAME_INVALID: .*Host: quorum-b/);
  await refused(credentials, { url: `https://${address}:2379` }, /ERR_TLS_CERT_ALTNAME_INVALID: .*IP: [\d.]+ is not in the cert's list/);
  // The peer port takes only certificates of the CA too.
  await refused({ ...credentials, cert: stranger.cert, key: stranger.key }, { url: `https://${address}:2380`, serverName: 'quorum-a' }, /TLS_ALERT_BAD_CERTIFICATE/);
});

test('leadership moves on request, and members are removed only when quorum allows: the leader after handing over, a dead member at once', async () => {
  const names = ['quorum-a', 'quorum-b', 'quorum-c'];
  const client = memberClient(names);
  const leaderOf = async () => {
    const ids = new Set((await client.statuses()).filter((st) => st.status).map((st) => st.status!.leaderId));
    assert.equal(ids.size, 1);
    return (await client.members()).find((m) => m.id === [...ids][0])!;
  };
  const leader = await leaderOf();
  const target = (await client.members()).find((m) => m.id !== leader.id)!;
  await client.moveLeader(target.id);
  await until('leadership to move', async () => (await leaderOf()).id === target.id);

  // quorum-c's machine dies (its etcd is killed, by PID, with everything else in the machine).
  const victim = (await client.members()).find((m) => m.name === 'quorum-c')!;
  await machines.get('quorum-c')!.machine.stop();
  const health = async () => Promise.all((await client.members()).map(async (m) => ({ id: m.id, learner: m.learner, healthy: (await client.health(endpoint(m.name))).healthy })));
  const seen = await until('the dead member to be seen unhealthy', async () => {
    const h = await health();
    return h.find((m) => m.id === victim.id)?.healthy === false ? h : undefined;
  });
  const healthyOne = seen.find((m) => m.healthy)!;
  assert.match((canRemoveMember(seen, healthyOne.id) as { reason: string }).reason, /would leave 1 healthy of 2 voting members, below the quorum of 2/);
  assert.deepEqual(canRemoveMember(seen, victim.id), { safe: true });
  await retrying('the dead member to be removed', () => client.remove(victim.id));

  // Scale down the current leader: leadership goes first, then the member.
  const current = await leaderOf();
  const successor = (await client.members()).find((m) => m.id !== current.id)!;
  await client.moveLeader(successor.id);
  await until('leadership to move to the successor', async () => (await leaderOf()).id === successor.id);
  await retrying('the former leader to be removed', () => client.remove(current.id));
  const remaining = await client.members();
  assert.deepEqual(remaining.map((m) => m.name), [successor.name]);
  await assert.rejects(client.remove(victim.id), (e) => e instanceof EtcdError && e.kind === 'MemberNotFound');

  // The one left still serves reads and writes.
  await etcdctl([successor.name], ['put', 'slipway/check', 'still-here']);
  const got = await etcdctl([successor.name], ['get', 'slipway/check']) as { kvs: { value: string }[] };
  assert.equal(Buffer.from(got.kvs[0].value, 'base64').toString(), 'still-here');
});

test('a machine image with another etcd version fails the bootstrap, saying so, and never reports success', async () => {
  await createCluster(s.client, ns, 'wrong-version');
  await createMember(s.client, ns, 'wrong-version', 'wrong-version-0', { version: '3.5.9', initialClusterState: 'new' });
  const { value } = await bootstrapData(s.client, ns, 'wrong-version-0');
  const machine = await startEmulatedMachine('wrong-version-0');
  try {
    const result = await machine.applyCloudConfig(value);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /slipway-etcd: \/usr\/bin\/etcd is version 3\.4\.23, this member needs 3\.5\.9: use a machine image with it/);
    assert.equal((await machine.exec(['test', '-e', '/run/cluster-api/bootstrap-success.complete'])).code, 1, 'no success sentinel');
    assert.equal((await machine.exec(['test', '-e', '/run/slipway-etcd/supervisor.pid'])).code, 1, 'etcd was not started');
  } finally {
    await machine.stop();
  }
});
