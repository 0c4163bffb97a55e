// What the PKI issues, checked by an independent implementation: openssl reads the extensions and
// verifies chains for the TLS purposes; node:crypto checks names and keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority } from '../../src/pki/certificates.ts';
import { CertificateError, inspectCertificate } from '../../src/pki/inspection.ts';

const run = promisify(execFile);
const DAY = 24 * 3600 * 1000;

/** openssl's text dump of a certificate, and whether `openssl verify -purpose` accepts it against the CA. */
async function openssl(ca: string, cert: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-pki-'));
  try {
    await writeFile(path.join(dir, 'ca.pem'), ca);
    await writeFile(path.join(dir, 'cert.pem'), cert);
    const text = (await run('openssl', ['x509', '-noout', '-text', '-in', path.join(dir, 'cert.pem')])).stdout;
    const verifies = async (purpose: string) => run('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), '-purpose', purpose, path.join(dir, 'cert.pem')]).then(() => true, () => false);
    return { text, server: await verifies('sslserver'), client: await verifies('sslclient') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The lines of an extension's value in openssl's dump, e.g. "X509v3 Key Usage". */
function extension(text: string, name: string): { critical: boolean; value: string } | undefined {
  const match = new RegExp(`${name.replace(/ /g, '\\s')}:\\s*(critical)?\\s*\\n\\s*(.+)`).exec(text);
  return match ? { critical: match[1] === 'critical', value: match[2].trim() } : undefined;
}

test('a CA is a critical CA:TRUE that signs certificates and CRLs, with a subject key identifier', async () => {
  const ca = await createCertificateAuthority('etcd-ca');
  const { text } = await openssl(ca.cert, ca.cert);
  assert.deepEqual(extension(text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:TRUE' });
  assert.deepEqual(extension(text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Certificate Sign, CRL Sign' });
  assert.ok(extension(text, 'X509v3 Subject Key Identifier'));
  assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
  assert.match(text, /Signature Algorithm: ecdsa-with-SHA256/);
  const info = inspectCertificate(ca.cert);
  assert.equal(info.isCA, true);
  assert.equal(Math.round((info.notAfter.getTime() - Date.now()) / DAY), 3650);
});

test('server, client and peer (both) certificates carry exactly their extended usages and verify for those purposes only', async () => {
  const ca = await createCertificateAuthority('etcd-ca');
  const server = await issueCertificate(ca, { commonName: 'etcd-a', dnsNames: ['etcd-a', 'localhost'], ipAddresses: ['127.0.0.1', '::1'], usages: ['server'] });
  const client = await issueCertificate(ca, { commonName: 'kube-apiserver-etcd-client', usages: ['client'] });
  const peer = await issueCertificate(ca, { commonName: 'etcd-a', dnsNames: ['etcd-a'], usages: ['server', 'client'] });

  const s = await openssl(ca.cert, server.cert);
  assert.deepEqual(extension(s.text, 'X509v3 Basic Constraints'), { critical: true, value: 'CA:FALSE' });
  assert.deepEqual(extension(s.text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature' }, 'an ECDSA key never enciphers');
  assert.deepEqual(extension(s.text, 'X509v3 Extended Key Usage'), { critical: false, value: 'TLS Web Server Authentication' });
  assert.equal(extension(s.text, 'X509v3 Subject Alternative Name')?.value, 'DNS:etcd-a, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.ok(extension(s.text, 'X509v3 Authority Key Identifier'));
  assert.deepEqual([s.server, s.client], [true, false]);

  const c = await openssl(ca.cert, client.cert);
  assert.deepEqual(extension(c.text, 'X509v3 Extended Key Usage')?.value, 'TLS Web Client Authentication');
  assert.equal(extension(c.text, 'X509v3 Subject Alternative Name'), undefined, 'client certificates carry no names (etcd would check them against the peer address)');
  assert.deepEqual([c.server, c.client], [false, true]);

  const p = await openssl(ca.cert, peer.cert);
  assert.equal(extension(p.text, 'X509v3 Extended Key Usage')?.value, 'TLS Web Server Authentication, TLS Web Client Authentication');
  assert.deepEqual([p.server, p.client], [true, true]);

  const x = new X509Certificate(server.cert);
  assert.equal(x.checkHost('etcd-a'), 'etcd-a');
  assert.equal(x.checkHost('etcd-b'), undefined);
  assert.equal(x.checkIP('::1'), '::1');
  assert.ok(x.checkPrivateKey(createPrivateKey(server.key)));
  const { notBefore, notAfter, ...described } = inspectCertificate(peer.cert);
  assert.deepEqual(described, { commonName: 'etcd-a', organizations: [], dnsNames: ['etcd-a'], ipAddresses: [], usages: ['server', 'client'], isCA: false, keyAlgorithm: 'ecdsa-p256' });
  assert.equal(notAfter.getTime() - notBefore.getTime(), new Date(x.validTo).getTime() - new Date(x.validFrom).getTime());
});

test('RSA on request: RSA leaves may encipher keys; an RSA CA signs ECDSA leaves and the reverse', async () => {
  const rsaCA = await createCertificateAuthority('rsa-ca', { keyAlgorithm: 'rsa-2048' });
  const rsaLeaf = await issueCertificate(rsaCA, { commonName: 'rsa-server', dnsNames: ['rsa'], usages: ['server'], keyAlgorithm: 'rsa-2048' });
  const r = await openssl(rsaCA.cert, rsaLeaf.cert);
  assert.deepEqual(extension(r.text, 'X509v3 Key Usage'), { critical: true, value: 'Digital Signature, Key Encipherment' });
  assert.match(r.text, /Public-Key: \(2048 bit\)/);
  assert.match(r.text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.equal(r.server, true);
  assert.equal(inspectCertificate(rsaLeaf.cert).keyAlgorithm, 'rsa-2048');

  const ecdsaLeaf = await issueCertificate(rsaCA, { commonName: 'ec', usages: ['client'] });
  assert.equal((await openssl(rsaCA.cert, ecdsaLeaf.cert)).client, true);
  const ecCA = await createCertificateAuthority('ec-ca');
  const rsaUnderEc = await issueCertificate(ecCA, { commonName: 'rsa', usages: ['client'], keyAlgorithm: 'rsa-2048' });
  assert.equal((await openssl(ecCA.cert, rsaUnderEc.cert)).client, true);
});

test('validity: leaves default to a year, never outlive their CA, and are backdated a little for skewed clocks', async () => {
  const ca = await createCertificateAuthority('short-ca', { validityDays: 30 });
  const year = inspectCertificate((await issueCertificate(ca, { commonName: 'x', usages: ['client'] })).cert);
  assert.equal(year.notAfter.getTime(), inspectCertificate(ca.cert).notAfter.getTime(), 'clamped to the CA');
  const longCA = await createCertificateAuthority('long-ca');
  const leaf = inspectCertificate((await issueCertificate(longCA, { commonName: 'x', usages: ['client'] })).cert);
  assert.equal(Math.round((leaf.notAfter.getTime() - Date.now()) / DAY), 365);
  assert.ok(leaf.notBefore.getTime() < Date.now() - 4 * 60 * 1000 && leaf.notBefore.getTime() > Date.now() - 6 * 60 * 1000);
  const week = inspectCertificate((await issueCertificate(longCA, { commonName: 'x', usages: ['client'], validityDays: 7 })).cert);
  assert.equal(Math.round((week.notAfter.getTime() - Date.now()) / DAY), 7);
});

test('requests with bad names, no usage or no common name are refused', async () => {
  const ca = await createCertificateAuthority('ca');
  await assert.rejects(issueCertificate(ca, { commonName: 'x', usages: [] }), /at least one usage/);
  await assert.rejects(issueCertificate(ca, { commonName: ' ', usages: ['client'] }), /common name/);
  await assert.rejects(issueCertificate(ca, { commonName: 'x', ipAddresses: ['10.0.0.300'], usages: ['server'] }), (e) => e instanceof CertificateError && /not an IP address/.test(e.message));
  await assert.rejects(issueCertificate(ca, { commonName: 'x', dnsNames: ['bad name'], usages: ['server'] }), /not a DNS name/);
  await assert.rejects(issueCertificate(ca, { commonName: 'x', usages: ['client'], validityDays: -1 }), /0 or more/);
});

test('loading a CA from PEM checks that it is a usable CA with its own key', async () => {
  const ca = await createCertificateAuthority('user-ca');
  assert.deepEqual(loadCertificateAuthority({ cert: ca.cert.trimEnd(), key: ca.key }), ca, 'normalized with a final newline');
  const other = await createCertificateAuthority('other-ca');
  assert.throws(() => loadCertificateAuthority({ cert: ca.cert, key: other.key }, 'Secret ns/c-etcd'), /^CertificateError: Secret ns\/c-etcd: the private key is not the certificate's key$/);
  assert.throws(() => loadCertificateAuthority({ cert: ca.cert, key: 'not a key' }), /private key is not the certificate's key/);
  const leaf = await issueCertificate(ca, { commonName: 'leaf', usages: ['client'] });
  assert.throws(() => loadCertificateAuthority(leaf), /not a CA certificate/);
  assert.throws(() => loadCertificateAuthority({ cert: 'garbage', key: ca.key }), /not a PEM X.509 certificate/);
  const expired = await createCertificateAuthority('old-ca', { validityDays: 0 });
  assert.throws(() => loadCertificateAuthority(expired), /expired on/);
});
