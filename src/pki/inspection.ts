// Reading a certificate back: its subject, names, usages, validity and key, as the issuing side wrote
// them. Renewal re-issues from this, and callers check what they were handed (a user-provided CA).
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { keyAlgorithmOf, type KeyAlgorithm } from './keys.ts';

/** What a leaf certificate is for: TLS server authentication, client authentication, or both. */
export type Usage = 'server' | 'client';

export const extendedKeyUsageOf: Record<Usage, string> = {
  server: x509.ExtendedKeyUsage.serverAuth,
  client: x509.ExtendedKeyUsage.clientAuth,
};

export interface CertificateInfo {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  usages: Usage[];
  isCA: boolean;
  notBefore: Date;
  notAfter: Date;
  /** undefined for keys this PKI does not issue (another curve, another RSA size). */
  keyAlgorithm: KeyAlgorithm | undefined;
}

export class CertificateError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateError';
  }
}

/** Parses one PEM certificate; throws CertificateError when it is not one. */
export function parseCertificate(pem: string, what = 'certificate'): NodeX509 {
  try {
    return new NodeX509(pem);
  } catch (error) {
    throw new CertificateError(`${what} is not a PEM X.509 certificate: ${(error as Error).message}`, { cause: error });
  }
}

export function inspectCertificate(pem: string): CertificateInfo {
  const node = parseCertificate(pem);
  const cert = new x509.X509Certificate(node.raw);
  const names = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
  const extendedUsages = cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  return {
    commonName: cert.subjectName.getField('CN')[0] ?? '',
    organizations: cert.subjectName.getField('O'),
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    usages: (Object.keys(extendedKeyUsageOf) as Usage[]).filter((u) => extendedUsages.includes(extendedKeyUsageOf[u])),
    isCA: node.ca,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    keyAlgorithm: keyAlgorithmOf(node),
  };
}
