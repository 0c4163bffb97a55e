// The content of a machine's /etc/hosts: loopback names, the machine's own name on its address (so
// tools that resolve their own hostname get an address others can reach), and any extra entries.
import { isIP } from 'node:net';
import { isDNS1123Subdomain } from '../../api/builtin/names.ts';
import { validateHostname } from './hostname.ts';
import { parseIPv4 } from './ipv4.ts';

export interface HostsEntry {
  address: string;
  names: string[];
}

export interface HostsFileOptions {
  hostname: string;
  /** The machine's IPv4 address. */
  address: string;
  /** More lines, e.g. the other machines of a cluster. */
  extraEntries?: HostsEntry[];
}

const LOOPBACK_ENTRIES: HostsEntry[] = [
  { address: '127.0.0.1', names: ['localhost'] },
  { address: '::1', names: ['localhost', 'ip6-localhost', 'ip6-loopback'] },
  { address: 'fe00::0', names: ['ip6-localnet'] },
  { address: 'ff00::0', names: ['ip6-mcastprefix'] },
  { address: 'ff02::1', names: ['ip6-allnodes'] },
  { address: 'ff02::2', names: ['ip6-allrouters'] },
];

function validateEntry(entry: HostsEntry): void {
  if (isIP(entry.address) === 0) throw new Error(`invalid hosts entry address ${JSON.stringify(entry.address)}: expected an IPv4 or IPv6 address`);
  if (entry.names.length === 0) throw new Error(`invalid hosts entry for ${entry.address}: give at least one name`);
  for (const name of entry.names) {
    const problems = isDNS1123Subdomain(name);
    if (problems.length > 0) throw new Error(`invalid hosts entry name ${JSON.stringify(name)} for ${entry.address}: ${problems.join('; ')}`);
  }
}

/** The /etc/hosts text for a machine; every name and address is validated, so the file holds nothing but entries. */
export function hostsFile(options: HostsFileOptions): string {
  validateHostname(options.hostname);
  parseIPv4(options.address, 'machine address');
  const extra = options.extraEntries ?? [];
  extra.forEach(validateEntry);
  const entries = [...LOOPBACK_ENTRIES, { address: options.address, names: [options.hostname] }, ...extra];
  return entries.map((e) => `${e.address}\t${e.names.join(' ')}`).join('\n') + '\n';
}
