import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer, connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { needsRenewal } from '../../src/pki/renewal.ts';

test('a CA issues a server certificate that a TLS client verifies by name and IP', async () => {
  const ca = await createCertificateAuthority('slipway-test-ca');
  const server = await issueCertificate(ca, { commonName: 'apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'] });
  const caX509 = new X509Certificate(ca.cert);
  const leaf = new X509Certificate(server.cert);
  assert.equal(caX509.ca, true);
  assert.equal(leaf.ca, false);
  assert.ok(leaf.verify(caX509.publicKey), 'leaf signed by the CA');
  assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(leaf.checkHost('localhost'), 'localhost');
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']);

  const tlsServer = createServer({ cert: server.cert, key: server.key }, (socket) => socket.end('hello'));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  try {
    const port = (tlsServer.address() as AddressInfo).port;
    const greeting = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: ca.cert }, () => socket.on('data', (d) => resolve(d.toString())));
      socket.on('error', reject);
    });
    assert.equal(greeting, 'hello');
    const otherCa = await createCertificateAuthority('another-ca');
    await assert.rejects(new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: otherCa.cert }, () => resolve(undefined));
      socket.on('error', reject);
    }), /self-signed|unable to verify|certificate/);
  } finally {
    tlsServer.close();
  }
});

test('client certificates carry organizations; RSA keys are available', async () => {
  const ca = await createCertificateAuthority('rsa-ca', { keyAlgorithm: 'rsa-2048' });
  const client = await issueCertificate(ca, { commonName: 'admin', organizations: ['system:masters'], usages: ['client'], keyAlgorithm: 'rsa-2048' });
  const leaf = new X509Certificate(client.cert);
  assert.match(leaf.subject, /CN=admin/);
  assert.match(leaf.subject, /O=system:masters/);
  assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(leaf.verify(new X509Certificate(ca.cert).publicKey));
  assert.equal(leaf.publicKey.asymmetricKeyType, 'rsa');
});

test('renewal is due inside the margin', async () => {
  const ca = await createCertificateAuthority('short-ca');
  const leaf = await issueCertificate(ca, { commonName: 'x', usages: ['client'], validityDays: 10 });
  const day = 24 * 3600 * 1000;
  assert.equal(needsRenewal(leaf.cert, 5 * day), false);
  assert.equal(needsRenewal(leaf.cert, 11 * day), true);
});
