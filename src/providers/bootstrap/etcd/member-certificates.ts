// The certificates of one etcd member, issued by the cluster's etcd CA on the management side: the
// CA's key never reaches a machine (etcdadm and kubeadm copy it to every member to issue there).
// Both certificates serve and authenticate (etcd's gateway dials its own server with the server
// certificate, and peers dial each other with the peer one), and name the member by its Machine's
// name, plus whatever addresses the Machine already reports.
import { isIP } from 'node:net';
import { issueCertificate, type KeyPair, type Usage } from '../../../pki/certificates.ts';
import { inspectCertificate } from '../../../pki/inspection.ts';
import type { MachineAddress } from '../../../controllers/provider-contract/contract.ts';

export interface MemberCertificates {
  server: KeyPair;
  peer: KeyPair;
  /** The earlier of the two expiry dates. */
  notAfter: Date;
}

export async function issueMemberCertificates(ca: KeyPair, member: { name: string; addresses?: MachineAddress[]; validityDays?: number }): Promise<MemberCertificates> {
  const addresses = (member.addresses ?? []).map((a) => a.address);
  const ips = [...new Set(addresses.filter((a) => isIP(a) !== 0))];
  const names = [...new Set(addresses.filter((a) => isIP(a) === 0))].filter((n) => n !== member.name);
  const common = { commonName: member.name, usages: ['server', 'client'] satisfies Usage[], validityDays: member.validityDays };
  // The server certificate also covers loopback, for etcdctl and health checks on the machine itself.
  const server = await issueCertificate(ca, { ...common, dnsNames: [member.name, ...names, 'localhost'], ipAddresses: [...ips, '127.0.0.1', '::1'] });
  const peer = await issueCertificate(ca, { ...common, dnsNames: [member.name, ...names], ipAddresses: ips });
  const expiry = (pair: KeyPair) => inspectCertificate(pair.cert).notAfter;
  return { server, peer, notAfter: new Date(Math.min(expiry(server).getTime(), expiry(peer).getTime())) };
}
