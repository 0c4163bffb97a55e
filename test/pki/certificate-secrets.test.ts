// The cluster certificate Secrets against a real Slipway: concurrent reconciles agree on one CA and
// one client certificate, renewal replaces only what is due, and bad stored data is reported, not overwritten.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../support/slipway.ts';
import { secretsResource } from '../../src/client/resources.ts';
import { ensureEtcdCertificateAuthority, ensureEtcdClientCertificate, ETCD_CLIENT_COMMON_NAME } from '../../src/providers/cluster-certificates.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { certificateSecret, CertificatePurpose, keyPairFromSecret, type CertificateSecret } from '../../src/pki/cluster-certificates.ts';
import { inspectCertificate } from '../../src/pki/inspection.ts';
import { issuedBy } from '../../src/pki/renewal.ts';

const ns = 'pki-secrets';
let s: SlipwayForTest;
before(async () => { s = await startSlipwayWithNamespace(ns); });
after(async () => { await s?.stop(); });

const getSecret = (name: string) => s.client.get<CertificateSecret>(secretsResource, name, ns);

test('ten concurrent reconciles create one etcd CA and one client certificate, and all of them get those', async () => {
  const cluster = { namespace: ns, name: 'race' };
  const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: (await s.client.create({ group: '', version: 'v1', plural: 'configmaps', namespaced: true }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } })).metadata.uid! };
  const cas = await Promise.all(Array.from({ length: 10 }, () => ensureEtcdCertificateAuthority(s.client, cluster, owner)));
  assert.equal(new Set(cas.map((ca) => ca.cert)).size, 1, 'every caller uses the stored CA');
  const stored = await getSecret('race-etcd');
  assert.deepEqual(keyPairFromSecret(stored), cas[0]);
  assert.equal(stored.type, 'cluster.x-k8s.io/secret');
  assert.deepEqual(stored.metadata.labels, { 'cluster.x-k8s.io/cluster-name': 'race' });
  assert.deepEqual(stored.metadata.ownerReferences, [owner]);
  assert.equal(inspectCertificate(cas[0].cert).isCA, true);

  const clients = await Promise.all(Array.from({ length: 10 }, () => ensureEtcdClientCertificate(s.client, cluster, cas[0], owner)));
  assert.equal(new Set(clients.map((c) => c.cert)).size, 1);
  const client = inspectCertificate(clients[0].cert);
  assert.equal(client.commonName, ETCD_CLIENT_COMMON_NAME);
  assert.deepEqual(client.usages, ['client']);
  assert.equal(issuedBy(clients[0].cert, cas[0].cert), true);
  assert.deepEqual(keyPairFromSecret(await getSecret('race-apiserver-etcd-client')), clients[0]);
  const listed = await s.client.list(secretsResource, { namespace: ns, labelSelector: 'cluster.x-k8s.io/cluster-name=race' });
  assert.deepEqual(listed.items.map((i) => i.metadata.name).sort(), ['race-apiserver-etcd-client', 'race-etcd']);

  const again = await ensureEtcdCertificateAuthority(s.client, cluster, owner);
  assert.deepEqual(again, cas[0], 'found, not re-created');
  assert.equal((await getSecret('race-etcd')).metadata.resourceVersion, stored.metadata.resourceVersion, 'nothing was written');
});

test('a CA the user stored is used as it is; one that is not a CA is reported and left alone', async () => {
  const userCA = await createCertificateAuthority('my-own-etcd-ca', { keyAlgorithm: 'rsa-2048' });
  await s.client.create(secretsResource, certificateSecret({ namespace: ns, clusterName: 'byo', purpose: CertificatePurpose.EtcdCA, pair: userCA }));
  assert.deepEqual(await ensureEtcdCertificateAuthority(s.client, { namespace: ns, name: 'byo' }), userCA);

  const leaf = await issueCertificate(userCA, { commonName: 'not-a-ca', usages: ['client'] });
  const bad = await s.client.create(secretsResource, certificateSecret({ namespace: ns, clusterName: 'bad', purpose: CertificatePurpose.EtcdCA, pair: leaf }));
  await assert.rejects(ensureEtcdCertificateAuthority(s.client, { namespace: ns, name: 'bad' }), /^CertificateError: Secret pki-secrets\/bad-etcd: the certificate is not a CA certificate/);
  assert.equal((await getSecret('bad-etcd')).metadata.resourceVersion, bad.metadata.resourceVersion, 'bad input is not overwritten');
  await s.client.create(secretsResource, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty-etcd', namespace: ns }, data: { 'tls.crt': Buffer.from(userCA.cert).toString('base64') } });
  await assert.rejects(ensureEtcdCertificateAuthority(s.client, { namespace: ns, name: 'empty' }), /Secret pki-secrets\/empty-etcd has no tls.key/);
});

test('a client certificate due for renewal (expired, or from a replaced CA) is re-issued in place, once, by concurrent callers', async () => {
  const cluster = { namespace: ns, name: 'renew' };
  const ca = await ensureEtcdCertificateAuthority(s.client, cluster);
  const expired = await issueCertificate(ca, { commonName: ETCD_CLIENT_COMMON_NAME, usages: ['client'], validityDays: 0 });
  const created = await s.client.create(secretsResource, certificateSecret({ namespace: ns, clusterName: 'renew', purpose: CertificatePurpose.APIServerEtcdClient, pair: expired }));
  const renewed = await Promise.all(Array.from({ length: 5 }, () => ensureEtcdClientCertificate(s.client, cluster, ca)));
  assert.equal(new Set(renewed.map((r) => r.cert)).size, 1, 'one renewal wins, the others read it back');
  assert.notEqual(renewed[0].cert, expired.cert);
  assert.ok(inspectCertificate(renewed[0].cert).notAfter > new Date());
  const stored = await getSecret('renew-apiserver-etcd-client');
  assert.equal(stored.metadata.uid, created.metadata.uid, 'updated, not re-created');
  assert.deepEqual(keyPairFromSecret(stored), renewed[0]);

  const otherCA = await createCertificateAuthority('replacement');
  const moved = await ensureEtcdClientCertificate(s.client, cluster, otherCA);
  assert.equal(issuedBy(moved.cert, otherCA.cert), true);
  assert.deepEqual(await ensureEtcdClientCertificate(s.client, cluster, otherCA), moved, 'not due any more');
});
