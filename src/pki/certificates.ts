// A small PKI: certificate authorities and the leaf certificates they issue to every component
// (API server, etcd members, clients). Keys are ECDSA P-256 by default, RSA 2048 on request.
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto, randomBytes } from 'node:crypto';
import { isIP as isIPAddress } from 'node:net';
import * as x509 from '@peculiar/x509';
import { generateKeys, importSigningKey, keyMatchesCertificate, privateKeyPem, signingAlgorithmFor, type KeyAlgorithm, type KeyPair } from './keys.ts';
import { CertificateError, extendedKeyUsageOf, parseCertificate, type Usage } from './inspection.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type { KeyAlgorithm, KeyPair } from './keys.ts';
export type { Usage } from './inspection.ts';

export interface CertificateRequest {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Usage[];
  /** Default 365; never past the CA's own expiry. 0 makes a certificate that is already expired (for tests of renewal). */
  validityDays?: number;
  keyAlgorithm?: KeyAlgorithm;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
export const DEFAULT_LEAF_VALIDITY_DAYS = 365;
// Tolerate clocks a little behind the issuer's, as kubeadm does.
const BACKDATE_MS = 5 * 60 * 1000;

function serialNumber(): string {
  // Positive 127-bit serial: clear the top bit so DER never reads it as negative.
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

function distinguishedName(commonName: string, organizations: string[] = []): string {
  const escape = (value: string) => value.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${escape(commonName)}`, ...organizations.map((o) => `O=${escape(o)}`)].join(', ');
}

function validity(days: number, notAfterLimit?: Date): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days < 0) throw new CertificateError(`validity must be a number of days, 0 or more; got ${days}`);
  const now = Date.now();
  const notAfter = new Date(now + days * DAY_MS);
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: notAfterLimit && notAfterLimit < notAfter ? notAfterLimit : notAfter };
}

function validateRequest(request: CertificateRequest): void {
  if (request.usages.length === 0) throw new CertificateError('a certificate needs at least one usage (server or client)');
  if (request.commonName.trim() === '') throw new CertificateError('a certificate needs a common name');
  for (const address of request.ipAddresses ?? []) {
    if (isIPAddress(address) === 0) throw new CertificateError(`${JSON.stringify(address)} is not an IP address`);
  }
  for (const name of request.dnsNames ?? []) {
    if (!/^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*$/.test(name) || name.length > 253) {
      throw new CertificateError(`${JSON.stringify(name)} is not a DNS name`);
    }
  }
}

export async function createCertificateAuthority(
  commonName: string,
  options: { keyAlgorithm?: KeyAlgorithm; validityDays?: number } = {},
): Promise<KeyPair> {
  const keys = await generateKeys(options.keyAlgorithm ?? 'ecdsa-p256');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: distinguishedName(commonName),
    ...validity(options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS),
    keys,
    signingAlgorithm: signingAlgorithmFor(keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await privateKeyPem(keys.privateKey) };
}

/**
 * Checks a CA handed to us (e.g. a Secret a user created): one CA certificate, currently valid,
 * that may sign certificates, with its private key. Throws CertificateError saying what is wrong.
 */
export function loadCertificateAuthority(pair: KeyPair, what = 'certificate authority', now = new Date()): KeyPair {
  const cert = parseCertificate(pair.cert, `${what}: the certificate`);
  if (!cert.ca) throw new CertificateError(`${what}: the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)`);
  const usages = new x509.X509Certificate(cert.raw).getExtension(x509.KeyUsagesExtension)?.usages;
  if (usages !== undefined && (usages & x509.KeyUsageFlags.keyCertSign) === 0) throw new CertificateError(`${what}: the certificate may not sign certificates (keyCertSign is missing)`);
  if (new Date(cert.validTo) <= now) throw new CertificateError(`${what}: the certificate expired on ${new Date(cert.validTo).toISOString()}`);
  if (!keyMatchesCertificate(cert, pair.key)) throw new CertificateError(`${what}: the private key is not the certificate's key`);
  return { cert: pair.cert.endsWith('\n') ? pair.cert : `${pair.cert}\n`, key: pair.key.endsWith('\n') ? pair.key : `${pair.key}\n` };
}

export async function issueCertificate(ca: KeyPair, request: CertificateRequest): Promise<KeyPair> {
  validateRequest(request);
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await importSigningKey(ca.key);
  const keys = await generateKeys(request.keyAlgorithm ?? 'ecdsa-p256');
  // keyEncipherment only for RSA: ECDSA keys never encrypt (RFC 5480), RSA key exchange may.
  const keyUsage = keys.privateKey.algorithm.name === 'ECDSA'
    ? x509.KeyUsageFlags.digitalSignature
    : x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  const altNames = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(keyUsage, true),
    new x509.ExtendedKeyUsageExtension([...new Set(request.usages)].map((u) => extendedKeyUsageOf[u])),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (altNames.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(altNames));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: distinguishedName(request.commonName, request.organizations),
    issuer: caCert.subject,
    ...validity(request.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS, caCert.notAfter),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithmFor(signingKey),
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await privateKeyPem(keys.privateKey) };
}
