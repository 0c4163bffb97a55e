import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCertificateAuthority } from '../../src/pki/certificates.ts';
import { CertificatePurpose, certificateSecret, certificateSecretName, keyPairFromSecret } from '../../src/pki/cluster-certificates.ts';

test('certificate Secrets are named, typed, labelled and keyed as Cluster API stores them', async () => {
  const ca = await createCertificateAuthority('etcd-ca');
  const owner = { apiVersion: 'controlplane.cluster.x-k8s.io/v1alpha1', kind: 'EtcdCluster', name: 'prod-etcd', uid: 'u-1', controller: true };
  const secret = certificateSecret({ namespace: 'ns', clusterName: 'prod', purpose: CertificatePurpose.EtcdCA, pair: ca, owner });
  assert.equal(certificateSecretName('prod', CertificatePurpose.APIServerEtcdClient), 'prod-apiserver-etcd-client');
  assert.deepEqual(secret.metadata, { name: 'prod-etcd', namespace: 'ns', labels: { 'cluster.x-k8s.io/cluster-name': 'prod' }, ownerReferences: [owner] });
  assert.equal(secret.type, 'cluster.x-k8s.io/secret');
  assert.deepEqual(Object.keys(secret.data!), ['tls.crt', 'tls.key']);
  assert.equal(Buffer.from(secret.data!['tls.crt'], 'base64').toString(), ca.cert);
  assert.deepEqual(keyPairFromSecret(secret), ca);
  assert.throws(() => keyPairFromSecret({ ...secret, data: { 'tls.crt': secret.data!['tls.crt'] } }), /^CertificateError: Secret ns\/prod-etcd has no tls.key$/);
});
