import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { inspectCertificate } from '../../src/pki/inspection.ts';
import { issuedBy, renewalReason, renewCertificate } from '../../src/pki/renewal.ts';

const DAY = 24 * 3600 * 1000;

test('a certificate is due for renewal in the last third of its life, once expired, or when another CA issued it', async () => {
  const ca = await createCertificateAuthority('ca');
  const leaf = await issueCertificate(ca, { commonName: 'member', usages: ['server'], validityDays: 30 });
  assert.equal(renewalReason(leaf.cert, { ca: ca.cert }), undefined);
  assert.equal(renewalReason(leaf.cert, { now: new Date(Date.now() + 19 * DAY) }), undefined);
  assert.match(renewalReason(leaf.cert, { now: new Date(Date.now() + 21 * DAY) })!, /^it expires on .* within the renewal margin$/);
  assert.match(renewalReason(leaf.cert, { now: new Date(Date.now() + 31 * DAY) })!, /^it expired on /);
  assert.match(renewalReason(leaf.cert, { marginMs: 40 * DAY })!, /within the renewal margin/, 'an explicit margin wins');
  const expired = await issueCertificate(ca, { commonName: 'old', usages: ['client'], validityDays: 0 });
  assert.match(renewalReason(expired.cert)!, /expired/);

  const replacedCA = await createCertificateAuthority('ca');
  assert.equal(issuedBy(leaf.cert, ca.cert), true);
  assert.equal(issuedBy(leaf.cert, replacedCA.cert), false, 'same subject name, other key');
  assert.equal(renewalReason(leaf.cert, { ca: replacedCA.cert }), 'it was not issued by the current certificate authority');
});

test('renewing re-issues the same names, usages and key algorithm with a fresh key and the same lifetime', async () => {
  const ca = await createCertificateAuthority('ca', { keyAlgorithm: 'rsa-2048' });
  const original = await issueCertificate(ca, {
    commonName: 'etcd-0', organizations: ['slipway'], dnsNames: ['etcd-0', 'localhost'], ipAddresses: ['127.0.0.1'],
    usages: ['server', 'client'], validityDays: 90, keyAlgorithm: 'rsa-2048',
  });
  const renewed = await renewCertificate(ca, original.cert);
  const before = inspectCertificate(original.cert);
  const after = inspectCertificate(renewed.cert);
  assert.deepEqual({ ...after, notBefore: 0, notAfter: 0 }, { ...before, notBefore: 0, notAfter: 0 });
  assert.equal(Math.round((after.notAfter.getTime() - after.notBefore.getTime()) / DAY), 90);
  assert.notEqual(renewed.key, original.key);
  assert.notEqual(new X509Certificate(renewed.cert).serialNumber, new X509Certificate(original.cert).serialNumber);
  assert.equal(issuedBy(renewed.cert, ca.cert), true);

  const newCA = await createCertificateAuthority('ca-2');
  const moved = await renewCertificate(newCA, original.cert, { validityDays: 10 });
  assert.equal(issuedBy(moved.cert, newCA.cert), true, 'renewal onto a new CA');
  assert.equal(Math.round((inspectCertificate(moved.cert).notAfter.getTime() - Date.now()) / DAY), 10);
});
