// An etcd cluster made and deleted through Cluster API objects on real container machines (runc,
// Debian's etcd 3.4): one manifest — Cluster, ContainerCluster, ContainerMachineTemplate,
// EtcdCluster of 3, MachineHealthCheck — gives three TLS-only members the host's etcdctl reports
// healthy with the cluster's client certificate, while plain HTTP and a certificate of another CA
// are refused; deleting the Cluster leaves no Machine, Secret, address or host resource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { secretsResource } from '../../src/client/resources.ts';
import { isNotFound } from '../../src/client/rest-client.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { DEBIAN_ETCD_TEST_IMAGE } from '../support/debian-image.ts';
import { startContainerTestEnv } from '../support/container-env.ts';
import {
  applyManifest, clientCredentials, clustersResource, etcdClusterManifest, etcdConfigsResource, etcdctl, getEtcdCluster, machinesResource, memberAddresses, memberMachines, waitForHealthyMembers,
} from '../support/etcd-cluster-env.ts';
import { until } from '../support/until.ts';

const run = promisify(execFile);
const MAIN = path.resolve(import.meta.dirname, '../../src/cli/main.js');
const name = 'ledger';

test('one manifest makes a 3-member TLS-only etcd cluster; deleting the Cluster leaves nothing', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'etcd-cluster', slot: 0, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  const started = performance.now();
  await applyManifest(env, etcdClusterManifest(env, name));
  const etcdCluster = await waitForHealthyMembers(env, name, 3);
  t.diagnostic(`3 healthy members after ${Math.round(performance.now() - started)} ms`);

  // The contract's status.
  const machines = await memberMachines(env, name);
  const names = machines.map((m) => m.metadata.name!).sort();
  assert.deepEqual(etcdCluster.status!.members!.map((m) => m.name).sort(), names);
  assert.equal(etcdCluster.status!.members!.filter((m) => m.leader).length, 1);
  assert.equal(etcdCluster.status!.leader, etcdCluster.status!.members!.find((m) => m.leader)!.name);
  assert.deepEqual(etcdCluster.status!.endpoints!.slice().sort(), names.map((n) => `https://${n}:2379`));
  assert.equal(etcdCluster.status!.initialization?.controlPlaneInitialized, true);
  assert.equal(etcdCluster.status!.selector, `cluster.x-k8s.io/cluster-name=${name},cluster.x-k8s.io/control-plane,cluster.x-k8s.io/control-plane-name=${name}`);
  for (const machine of machines) {
    assert.equal(machine.metadata.labels!['cluster.x-k8s.io/cluster-name'], name);
    assert.ok('cluster.x-k8s.io/control-plane' in machine.metadata.labels!);
    assert.equal(machine.metadata.ownerReferences!.find((r) => r.controller)!.kind, 'EtcdCluster');
  }
  const cluster = await env.client.get(clustersResource, name, env.namespace);
  assert.equal((cluster.status as { initialization?: { controlPlaneInitialized?: boolean } }).initialization?.controlPlaneInitialized, true);

  // Every machine resolves every member by its Machine name, and its host name is that name.
  for (const machine of machines) {
    const infra = await env.get(machine.spec.infrastructureRef.name);
    const hosts = await env.runtime.exec(infra.status!.machineID!, ['cat', '/etc/hosts']);
    const hostname = await env.runtime.exec(infra.status!.machineID!, ['hostname']);
    assert.equal(hostname.stdout.toString().trim(), machine.metadata.name);
    for (const other of await memberAddresses(env, name)) assert.match(hosts.stdout.toString(), new RegExp(`^${other.address.replaceAll('.', '\\.')}\\s+${other.name}\\b`, 'm'));
    // etcd started once on every member: a joiner and the members it joined found each other by name at once.
    const etcdLog = await env.runtime.exec(infra.status!.machineID!, ['cat', '/var/log/etcd.log']);
    assert.doesNotMatch(etcdLog.stdout.toString(), /etcd exited with status/, `etcd on ${machine.metadata.name} had to be started again`);
  }

  // The host's etcdctl with the client certificate: three healthy members, the same list.
  const health = await etcdctl(env, name, ['endpoint', 'health', '-w', 'json']);
  assert.equal(health.code, 0, health.stderr);
  const healthy = JSON.parse(health.stdout) as { endpoint: string; health: boolean }[];
  assert.deepEqual(healthy.map((h) => h.health), [true, true, true]);
  const list = await etcdctl(env, name, ['member', 'list', '-w', 'json']);
  assert.deepEqual((JSON.parse(list.stdout) as { members: { name: string }[] }).members.map((m) => m.name).sort(), names);

  // Plain HTTP is refused, on every member's client port.
  for (const member of await memberAddresses(env, name)) {
    const plain = await request(`http://${member.address}:2379/version`, { signal: AbortSignal.timeout(5_000) })
      .then(async (r) => `HTTP ${r.statusCode}: ${await r.body.text()}`, (e: Error) => `refused: ${e.message}`);
    assert.doesNotMatch(plain, /etcdserver/, `plain HTTP answered by ${member.name}`);
    assert.match(plain, /^HTTP 400: Client sent an HTTP request to an HTTPS server|^refused/);
  }
  // A client certificate from another CA is refused (the server's certificate checked against the right CA).
  const foreignCA = await createCertificateAuthority('someone-else');
  const foreign = await issueCertificate(foreignCA, { commonName: 'intruder', usages: ['client'] });
  const { ca } = await clientCredentials(env, name);
  const refused = await etcdctl(env, name, ['--command-timeout=5s', 'endpoint', 'health'], { ca, cert: foreign.cert, key: foreign.key });
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /bad certificate|unhealthy|certificate/i);
  // And without the cluster's CA the members' certificates are not trusted.
  const untrusted = await etcdctl(env, name, ['--command-timeout=5s', 'endpoint', 'health'], { ca: foreignCA.cert, cert: foreign.cert, key: foreign.key });
  assert.notEqual(untrusted.code, 0);

  // The CLI: etcdctl with the cluster's endpoints and client certificate; members, leader and health in describe.
  const cli = (args: string[]) => run(process.execPath, [MAIN, '--data-dir', env.dataDir, '-n', env.namespace, ...args]);
  const viaCli = JSON.parse((await cli(['etcdctl', name, '--', 'endpoint', 'status', '-w', 'json'])).stdout) as { Endpoint: string; Status: { leader: string; header: { member_id: string } } }[];
  assert.deepEqual(viaCli.map((e) => e.Endpoint).sort(), names.map((n) => `https://${n}:2379`));
  assert.equal(viaCli.filter((e) => e.Status.leader === e.Status.header.member_id).length, 1, 'one leader');
  await assert.rejects(cli(['etcdctl', 'no-such-cluster', '--', 'endpoint', 'health']), (e: { stderr: string; code: number }) => e.code === 1 && /cluster "no-such-cluster" not found/.test(e.stderr));
  const described = (await cli(['describe', 'cluster', name])).stdout;
  assert.match(described, new RegExp(`etcd: healthy, leader ${etcdCluster.status!.leader}`));
  for (const member of names) assert.match(described, new RegExp(`^\\s+${member}\\s+[0-9a-f]+\\s+(leader|follower)\\s+yes\\s+yes\\s+3\\.4\\.23`, 'm'));

  // Deleting the Cluster takes everything with it.
  await env.client.delete(clustersResource, name, { namespace: env.namespace });
  await until('the Cluster to be gone', async () => env.client.get(clustersResource, name, env.namespace).then(() => false, (e: unknown) => isNotFound(e)), 120_000);
  await until('the Machines, EtcdConfigs and Secrets to be gone', async () => {
    const left = [
      ...(await env.client.listAll(machinesResource, { namespace: env.namespace })).items,
      ...(await env.client.listAll(etcdConfigsResource, { namespace: env.namespace })).items,
      ...(await env.client.listAll(secretsResource, { namespace: env.namespace })).items.filter((s) => s.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === name || s.metadata.name!.startsWith(`${name}-`)),
    ];
    if (left.length === 0) return true;
    throw new Error(`left: ${left.map((o) => `${o.kind} ${o.metadata.name}`).join(', ')}`);
  }, 60_000);
  await assert.rejects(getEtcdCluster(env, name), (e: unknown) => isNotFound(e));
  await env.assertNothingLeft();
});
