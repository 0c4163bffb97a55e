// When a certificate is due for renewal, and renewing it: the same subject, names, usages and key
// algorithm from the same CA, with a fresh key (a renewed certificate never reuses the old key).
import { inspectCertificate, parseCertificate } from './inspection.ts';
import { issueCertificate, type KeyPair } from './certificates.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RenewalOptions {
  /** Renew when this little time is left; default a third of the certificate's lifetime (as cert-manager). */
  marginMs?: number;
  /** The CA certificate it must have been issued by: one issued by another (a replaced CA) is due at once. */
  ca?: string;
  now?: Date;
}

/** Why the certificate should be renewed now, or undefined while it is good. */
export function renewalReason(certPem: string, options: RenewalOptions = {}): string | undefined {
  const info = inspectCertificate(certPem);
  const now = options.now ?? new Date();
  if (info.notAfter <= now) return `it expired on ${info.notAfter.toISOString()}`;
  const margin = options.marginMs ?? (info.notAfter.getTime() - info.notBefore.getTime()) / 3;
  if (info.notAfter.getTime() - now.getTime() <= margin) return `it expires on ${info.notAfter.toISOString()}, within the renewal margin`;
  if (options.ca !== undefined && !issuedBy(certPem, options.ca)) return 'it was not issued by the current certificate authority';
  return undefined;
}

/** True when the certificate expires within `marginMs` milliseconds (or has expired). */
export function needsRenewal(certPem: string, marginMs: number, now = new Date()): boolean {
  return renewalReason(certPem, { marginMs, now }) !== undefined;
}

/** Whether `certPem` names `caPem` as its issuer and carries its signature. */
export function issuedBy(certPem: string, caPem: string): boolean {
  const cert = parseCertificate(certPem);
  const ca = parseCertificate(caPem, 'CA certificate');
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * A new certificate from `ca` for what `certPem` was for: same common name, organizations, DNS names,
 * IP addresses, usages and key algorithm, and (unless given) the same validity length.
 */
export async function renewCertificate(ca: KeyPair, certPem: string, options: { validityDays?: number } = {}): Promise<KeyPair> {
  const info = inspectCertificate(certPem);
  return issueCertificate(ca, {
    commonName: info.commonName,
    organizations: info.organizations,
    dnsNames: info.dnsNames,
    ipAddresses: info.ipAddresses,
    usages: info.usages,
    keyAlgorithm: info.keyAlgorithm,
    validityDays: options.validityDays ?? Math.max(1, Math.round((info.notAfter.getTime() - info.notBefore.getTime()) / DAY_MS)),
  });
}
