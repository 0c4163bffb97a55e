// The EtcdConfig controller in a real Slipway: Machines bootstrapped from EtcdConfigs get cloud-config
// bootstrap data with the member's certificates, settings and runner; joiners wait for the control
// plane; bad settings are reported; the cluster's certificate Secrets follow Cluster API's conventions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/api/meta.ts';
import { isApiError } from '../../../src/client/rest-client.ts';
import { secretsResource } from '../../../src/client/resources.ts';
import { findCondition } from '../../../src/controllers/provider-contract/conditions.ts';
import { etcdConfigsResource } from '../../../src/providers/bootstrap/etcd/etcd-config-controller.ts';
import type { CloudConfig } from '../../../src/providers/bootstrap/cloud-config.ts';
import { certificateSecret, CertificatePurpose, keyPairFromSecret, type CertificateSecret } from '../../../src/pki/cluster-certificates.ts';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certificates.ts';
import { inspectCertificate } from '../../../src/pki/inspection.ts';
import { issuedBy } from '../../../src/pki/renewal.ts';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../../support/slipway.ts';
import { capiResource } from '../../support/in-memory-cluster.ts';
import { until } from '../../support/until.ts';
import { bootstrapData, createCluster, createMember, type EtcdConfigObject } from './fixtures.ts';

const ns = 'etcd-bootstrap';
const etcdClustersResource = { group: 'controlplane.cluster.x-k8s.io', version: 'v1alpha1', plural: 'etcdclusters', namespaced: true };
let s: SlipwayForTest;
before(async () => { s = await startSlipwayWithNamespace(ns); });
after(async () => { await s?.stop(); });

const getConfig = (name: string) => s.client.get<EtcdConfigObject>(etcdConfigsResource, name, ns);
const conditionOf = async (name: string, type: string) => findCondition(await getConfig(name), type);
const file = (config: CloudConfig, path: string) => {
  const found = config.write_files?.find((f) => f.path === path);
  assert.ok(found, `${path} is written`);
  return found;
};
/** The environment file as a map (values are single-quoted). */
const environment = (text: string) => Object.fromEntries(text.trim().split('\n').map((line) => {
  const match = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
  assert.ok(match, `environment line ${line}`);
  return [match[1], match[2]];
}));

test('the first member gets a cloud-config that writes its certificates, settings and runner and starts etcd as a new cluster', async () => {
  const cluster = await createCluster(s.client, ns, 'db');
  await createMember(s.client, ns, 'db', 'db-0', {
    version: '3.4.23',
    initialClusterState: 'new',
    etcd: { extraArgs: { 'quota-backend-bytes': '4294967296', 'heartbeat-interval': '200' }, cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] },
    certificateValidityDays: 90,
    users: [{ name: 'ops', sshAuthorizedKeys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7Hf3nY6bUWoN9b1kGmAAAAAAAAAAAAAAAAAAAAAAA ops@example'] }],
    preEtcdCommands: ['echo before etcd'],
    postEtcdCommands: ['echo after etcd'],
  });
  const { config, secret, value } = await bootstrapData(s.client, ns, 'db-0');

  // The contract: status, the Secret (value + format), owned by the config, labelled with the cluster.
  assert.equal(config.status?.dataSecretName, 'db-0');
  assert.equal(secret.type, 'cluster.x-k8s.io/secret');
  assert.equal(Buffer.from(secret.data.format, 'base64').toString(), 'cloud-config');
  assert.deepEqual(secret.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'db' });
  assert.deepEqual(secret.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['EtcdConfig', 'db-0', config.metadata.uid, true]]);
  for (const type of ['Ready', 'DataSecretAvailable', 'CertificatesAvailable']) assert.equal(findCondition(config, type)?.status, 'True', type);
  assert.equal(findCondition(config, 'Paused')?.status, 'False');
  const machine = await until('the Machine to take the data secret and report its bootstrap config ready', async () => {
    const m = await s.client.get(capiResource('machines'), 'db-0', ns) as KubeObject & { spec: { bootstrap: { dataSecretName?: string } } };
    return m.spec.bootstrap.dataSecretName === 'db-0' && findCondition(m, 'BootstrapConfigReady')?.status === 'True' ? m : undefined;
  });
  assert.ok(machine);

  // The document.
  assert.match(value, /^#cloud-config\n/);
  const cloudConfig = parse(value) as CloudConfig;
  assert.deepEqual(Object.keys(cloudConfig).sort(), ['bootcmd', 'runcmd', 'users', 'write_files']);
  assert.deepEqual(cloudConfig.write_files!.map((f) => [f.path, f.owner, f.permissions]), [
    ['/etc/etcd/pki/ca.crt', 'root:root', '0644'],
    ['/etc/etcd/pki/server.crt', 'root:root', '0644'],
    ['/etc/etcd/pki/server.key', 'etcd:etcd', '0600'],
    ['/etc/etcd/pki/peer.crt', 'root:root', '0644'],
    ['/etc/etcd/pki/peer.key', 'etcd:etcd', '0600'],
    ['/etc/etcd/etcd.env', 'root:root', '0644'],
    ['/usr/local/sbin/slipway-etcd', 'root:root', '0755'],
  ]);
  assert.deepEqual(cloudConfig.users, [{ name: 'ops', ssh_authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7Hf3nY6bUWoN9b1kGmAAAAAAAAAAAAAAAAAAAAAAA ops@example'] }]);
  assert.deepEqual(cloudConfig.runcmd, [
    'echo before etcd',
    '/usr/local/sbin/slipway-etcd start && /usr/local/sbin/slipway-etcd wait-healthy 600 && mkdir -p /run/cluster-api && echo success > /run/cluster-api/bootstrap-success.complete',
    'echo after etcd',
  ]);
  assert.deepEqual(cloudConfig.bootcmd, ['if [ -x /usr/local/sbin/slipway-etcd ]; then /usr/local/sbin/slipway-etcd start; fi']);
  assert.match(file(cloudConfig, '/usr/local/sbin/slipway-etcd').content, /^#!\/bin\/bash\n/);

  // The member's certificates: from the cluster's CA (in <cluster>-etcd), named after the Machine.
  const ca = keyPairFromSecret(await s.client.get<CertificateSecret>(secretsResource, 'db-etcd', ns));
  assert.equal(file(cloudConfig, '/etc/etcd/pki/ca.crt').content, ca.cert);
  assert.ok(!value.includes(ca.key), 'the CA key never leaves Slipway');
  const server = inspectCertificate(file(cloudConfig, '/etc/etcd/pki/server.crt').content);
  const peer = inspectCertificate(file(cloudConfig, '/etc/etcd/pki/peer.crt').content);
  assert.deepEqual([server.commonName, server.dnsNames, server.ipAddresses, server.usages], ['db-0', ['db-0', 'localhost'], ['127.0.0.1', '::1'], ['server', 'client']]);
  assert.deepEqual([peer.commonName, peer.dnsNames, peer.ipAddresses, peer.usages], ['db-0', ['db-0'], [], ['server', 'client']]);
  assert.equal(Math.round((server.notAfter.getTime() - Date.now()) / 86_400_000), 90);
  for (const path of ['/etc/etcd/pki/server.crt', '/etc/etcd/pki/peer.crt']) assert.ok(issuedBy(file(cloudConfig, path).content, ca.cert), path);
  assert.ok(new X509Certificate(file(cloudConfig, '/etc/etcd/pki/server.crt').content).checkPrivateKey(createPrivateKey(file(cloudConfig, '/etc/etcd/pki/server.key').content)));
  assert.equal(config.metadata.annotations?.['machine.cluster.x-k8s.io/certificates-expiry'], server.notAfter.toISOString().replace(/\.\d+Z$/, 'Z'));

  // Its settings: TLS-only listeners, the name as advertised host, a new cluster of itself, the extras.
  const env = environment(file(cloudConfig, '/etc/etcd/etcd.env').content);
  assert.deepEqual(env, {
    ETCD_NAME: 'db-0',
    ETCD_DATA_DIR: '/var/lib/etcd',
    ETCD_LISTEN_CLIENT_URLS: 'https://0.0.0.0:2379',
    ETCD_ADVERTISE_CLIENT_URLS: 'https://db-0:2379',
    ETCD_LISTEN_PEER_URLS: 'https://0.0.0.0:2380',
    ETCD_INITIAL_ADVERTISE_PEER_URLS: 'https://db-0:2380',
    ETCD_LISTEN_METRICS_URLS: 'http://127.0.0.1:2381',
    ETCD_INITIAL_CLUSTER: 'db-0=https://db-0:2380',
    ETCD_INITIAL_CLUSTER_STATE: 'new',
    ETCD_INITIAL_CLUSTER_TOKEN: cluster.metadata.uid,
    ETCD_CERT_FILE: '/etc/etcd/pki/server.crt',
    ETCD_KEY_FILE: '/etc/etcd/pki/server.key',
    ETCD_TRUSTED_CA_FILE: '/etc/etcd/pki/ca.crt',
    ETCD_CLIENT_CERT_AUTH: 'true',
    ETCD_PEER_CERT_FILE: '/etc/etcd/pki/peer.crt',
    ETCD_PEER_KEY_FILE: '/etc/etcd/pki/peer.key',
    ETCD_PEER_TRUSTED_CA_FILE: '/etc/etcd/pki/ca.crt',
    ETCD_PEER_CLIENT_CERT_AUTH: 'true',
    ETCD_LOGGER: 'zap',
    ETCD_CIPHER_SUITES: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    ETCD_HEARTBEAT_INTERVAL: '200',
    ETCD_QUOTA_BACKEND_BYTES: '4294967296',
    GODEBUG: 'netdns=cgo',
    RES_OPTIONS: 'timeout:1 attempts:2',
    SLIPWAY_ETCD_VERSION: '3.4.23',
  });

  // The cluster's certificate Secrets, owned by the Cluster (it has no control plane).
  const client = await s.client.get<CertificateSecret>(secretsResource, 'db-apiserver-etcd-client', ns);
  for (const stored of [await s.client.get<CertificateSecret>(secretsResource, 'db-etcd', ns), client]) {
    assert.equal(stored.type, 'cluster.x-k8s.io/secret');
    assert.deepEqual(stored.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'db' });
    assert.deepEqual(stored.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid]), [['Cluster', 'db', cluster.metadata.uid]]);
  }
  assert.ok(issuedBy(keyPairFromSecret(client).cert, ca.cert));
});

test('a joiner waits for the control plane, then joins the existing cluster with the members it was given', async () => {
  await createCluster(s.client, ns, 'grow');
  await createMember(s.client, ns, 'grow', 'grow-a', { initialClusterState: 'new' });
  await createMember(s.client, ns, 'grow', 'grow-b', {});
  await bootstrapData(s.client, ns, 'grow-a');
  const waitingFor = await until('the joiner to say what it waits for', async () => {
    const c = await conditionOf('grow-b', 'DataSecretAvailable');
    return c?.reason === 'WaitingForMembership' ? c : undefined;
  });
  assert.equal(waitingFor.status, 'False');
  assert.match(waitingFor.message!, /Waiting for the control plane to add the member to etcd/);
  assert.equal((await conditionOf('grow-b', 'Ready'))?.status, 'False');
  assert.equal((await getConfig('grow-b')).status?.initialization, undefined);

  await s.client.patch(etcdConfigsResource, 'grow-b', { spec: { initialClusterState: 'existing', initialCluster: [{ name: 'grow-a' }, { name: 'old-member', peerURL: 'https://10.0.0.9:2380' }] } }, { type: 'merge', namespace: ns });
  const { value } = await bootstrapData(s.client, ns, 'grow-b');
  const env = environment(file(parse(value) as CloudConfig, '/etc/etcd/etcd.env').content);
  assert.equal(env.ETCD_INITIAL_CLUSTER_STATE, 'existing');
  assert.equal(env.ETCD_INITIAL_CLUSTER, 'grow-a=https://grow-a:2380,old-member=https://10.0.0.9:2380,grow-b=https://grow-b:2380');
  assert.equal(env.ETCD_NAME, 'grow-b');

  // Written once: a later change of the spec does not rewrite what the machine may have run.
  const before = await s.client.get(secretsResource, 'grow-b', ns);
  await s.client.patch(etcdConfigsResource, 'grow-b', { spec: { preEtcdCommands: ['echo late'] } }, { type: 'merge', namespace: ns });
  await until('the config to be reconciled again', async () => (await getConfig('grow-b')).status?.observedGeneration === (await getConfig('grow-b')).metadata.generation);
  assert.equal((await s.client.get(secretsResource, 'grow-b', ns)).metadata.resourceVersion, before.metadata.resourceVersion);
});

test('bad settings are reported on the config and produce nothing; the schema refuses what it can', async () => {
  await createCluster(s.client, ns, 'bad');
  await createMember(s.client, ns, 'bad', 'bad-0', { initialClusterState: 'new', etcd: { extraArgs: { 'data-dir': '/tmp/elsewhere', '--Bad': 'x' } } });
  const invalid = await until('the invalid configuration to be reported', async () => {
    const c = await conditionOf('bad-0', 'DataSecretAvailable');
    return c?.reason === 'InvalidConfiguration' ? c : undefined;
  });
  assert.equal(invalid.message, 'extraArgs: data-dir is set by Slipway and may not be overridden; extraArgs: "--Bad" is not an etcd flag name (lower-case words joined by "-", no leading dashes)');
  await createMember(s.client, ns, 'bad', 'bad-1', { initialClusterState: 'existing' });
  const lonely = await until('a joiner without members to be reported', async () => {
    const c = await conditionOf('bad-1', 'DataSecretAvailable');
    return c?.reason === 'InvalidConfiguration' ? c : undefined;
  });
  assert.equal(lonely.message, 'initialClusterState existing needs the other members in initialCluster');
  for (const name of ['bad-0', 'bad-1']) {
    await assert.rejects(s.client.get(secretsResource, name, ns), (e) => isApiError(e, 'NotFound'));
  }

  // A CA Secret the user made that is no CA: reported, left alone, nothing produced.
  await createCluster(s.client, ns, 'badca');
  const notCA = await issueCertificate(await createCertificateAuthority('user-ca'), { commonName: 'leaf', usages: ['client'] });
  const stored = await s.client.create(secretsResource, certificateSecret({ namespace: ns, clusterName: 'badca', purpose: CertificatePurpose.EtcdCA, pair: notCA }));
  await createMember(s.client, ns, 'badca', 'badca-0', { initialClusterState: 'new' });
  const certificates = await until('the unusable CA to be reported', async () => {
    const c = await conditionOf('badca-0', 'CertificatesAvailable');
    return c?.status === 'False' ? c : undefined;
  });
  assert.equal(certificates.message, 'Secret etcd-bootstrap/badca-etcd: the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)');
  assert.equal((await conditionOf('badca-0', 'Ready'))?.status, 'False');
  assert.equal((await s.client.get(secretsResource, 'badca-etcd', ns)).metadata.resourceVersion, stored.metadata.resourceVersion);
  await assert.rejects(s.client.get(secretsResource, 'badca-0', ns), (e) => isApiError(e, 'NotFound'));

  const invalidSpec = async (spec: Record<string, unknown>, field: RegExp) => {
    await assert.rejects(s.client.create(etcdConfigsResource, { apiVersion: 'bootstrap.cluster.x-k8s.io/v1alpha1', kind: 'EtcdConfig', metadata: { name: 'refused', namespace: ns }, spec }),
      (e) => isApiError(e, 'Invalid') && e.causes.some((c) => field.test(c.field ?? '')));
  };
  await invalidSpec({ initialClusterState: 'sometime' }, /spec\.initialClusterState/);
  await invalidSpec({ initialCluster: [{ name: 'a', peerURL: 'http://a:2380' }] }, /spec\.initialCluster\[0\]\.peerURL/);
  await invalidSpec({ version: 'latest' }, /spec\.version/);
  await invalidSpec({ etcd: { cipherSuites: ['RC4'] } }, /spec\.etcd\.cipherSuites\[0\]/);
  await assert.rejects(s.client.create(etcdClustersResource, {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'even', namespace: ns },
    spec: { replicas: 4, version: '3.4.23', machineTemplate: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 't' } } } },
  }), (e) => isApiError(e, 'Invalid') && e.causes.some((c) => c.field === 'spec.replicas'));
});

test('with a control plane, the certificate Secrets belong to it; a deleted data Secret is reported, not re-created', async () => {
  const controlPlane = await s.client.create(etcdClustersResource, {
    apiVersion: 'controlplane.cluster.x-k8s.io/v1alpha1', kind: 'EtcdCluster', metadata: { name: 'managed', namespace: ns },
    spec: { version: '3.4.23', machineTemplate: { spec: { infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 'managed' } } } },
  });
  assert.equal((controlPlane.spec as { replicas?: number }).replicas, 3, 'defaulted to three members');
  await createCluster(s.client, ns, 'managed', { controlPlaneRef: { apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'EtcdCluster', name: 'managed' } });
  await createMember(s.client, ns, 'managed', 'managed-0', { initialClusterState: 'new' });
  await bootstrapData(s.client, ns, 'managed-0');
  for (const name of ['managed-etcd', 'managed-apiserver-etcd-client']) {
    const stored = await s.client.get(secretsResource, name, ns);
    assert.deepEqual(stored.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]), [['EtcdCluster', 'managed', controlPlane.metadata.uid, true]], name);
  }

  await s.client.delete(secretsResource, 'managed-0', { namespace: ns });
  const lost = await until('the lost data secret to be reported', async () => {
    const c = await conditionOf('managed-0', 'DataSecretAvailable');
    return c?.status === 'False' ? c : undefined;
  });
  assert.deepEqual([lost.reason, lost.message], ['NotAvailable', 'Secret managed-0 was deleted']);
  assert.equal((await conditionOf('managed-0', 'Ready'))?.status, 'False');
  await assert.rejects(s.client.get(secretsResource, 'managed-0', ns), (e) => isApiError(e, 'NotFound'));
});
