// The host bridge machines attach to. It holds the subnet's gateway address so the host can reach
// every machine (SSH, port forwards) and machines on one bridge reach each other.
//
// Slipway never enables IP forwarding or NAT for it, and turns forwarding off for packets arriving
// on it even when the host forwards elsewhere: machines run arbitrary images and must reach nothing
// beyond this host and their peers. Without forwarding, a packet from a machine to any address
// that is not the host's own is dropped at the bridge instead of being routed out. Writing the
// host's global ip_forward resets every interface's value, so each ensureBridge turns it off again.
import { writeFile } from 'node:fs/promises';
import { findLink, ip, IpCommandError, ipIgnoringNotFound, ipJson, ipv4Addresses, type LinkAddresses } from './ip-command.ts';
import { validateInterfaceName } from './interface-name.ts';
import { pathExists } from '../path-exists.ts';
import { networksOverlap, type Subnet } from './subnet.ts';

export interface Bridge {
  name: string;
  subnet: Subnet;
  /** The bridge's own address: the subnet's gateway. */
  gateway: string;
}

async function assertNoOverlap(name: string, subnet: Subnet): Promise<void> {
  const links = await ipJson<LinkAddresses>(['-4', 'addr', 'show']);
  for (const link of links) {
    if (link.ifname === name) continue;
    for (const a of link.addr_info) {
      if (networksOverlap({ address: subnet.network, prefixLength: subnet.prefixLength }, { address: a.local, prefixLength: a.prefixlen })) {
        throw new Error(`cannot use subnet ${subnet.cidr} for bridge ${name}: it overlaps ${a.local}/${a.prefixlen} on ${link.ifname}; pick another subnet`);
      }
    }
  }
}

/**
 * Makes sure bridge `name` exists, is up and holds the subnet's gateway address (and no other IPv4
 * address), with forwarding off. Idempotent; throws if `name` is taken by a device that is not a
 * bridge, or if another interface already has an address overlapping the subnet.
 */
export async function ensureBridge(options: { name: string; subnet: Subnet }): Promise<Bridge> {
  const { name, subnet } = options;
  validateInterfaceName(name, 'bridge name');
  await assertNoOverlap(name, subnet);
  if ((await findLink(name)) === undefined) {
    try {
      await ip(['link', 'add', 'name', name, 'type', 'bridge']);
    } catch (error) {
      // A concurrent ensureBridge may have made it first; the kind check below still applies.
      if (!(error instanceof IpCommandError && error.alreadyExists)) throw error;
    }
  }
  const link = await findLink(name);
  if (link?.linkinfo?.info_kind !== 'bridge') {
    throw new Error(`cannot use ${name} as a machine bridge: a ${link?.linkinfo?.info_kind ?? 'non-bridge'} device already has that name; pick another bridge name`);
  }
  for (const a of await ipv4Addresses(name)) {
    if (a.address !== subnet.gateway || a.prefixLength !== subnet.prefixLength) {
      await ip(['addr', 'del', `${a.address}/${a.prefixLength}`, 'dev', name]);
    }
  }
  await ip(['addr', 'replace', `${subnet.gateway}/${subnet.prefixLength}`, 'broadcast', subnet.broadcast, 'dev', name]);
  await writeFile(`/proc/sys/net/ipv4/conf/${name}/forwarding`, '0');
  await ip(['link', 'set', 'dev', name, 'up']);
  return { name, subnet, gateway: subnet.gateway };
}

/**
 * Whether a bridge named `name` exists in this process's network namespace: sysfs says so without
 * an `ip` process, which matters on paths run for every machine.
 */
export async function bridgeExists(name: string): Promise<boolean> {
  validateInterfaceName(name, 'bridge name');
  return pathExists(`/sys/class/net/${name}/bridge`);
}

/** Removes bridge `name` if it exists (its ports are detached, not deleted). Throws if `name` is not a bridge. */
export async function removeBridge(name: string): Promise<void> {
  validateInterfaceName(name, 'bridge name');
  const link = await findLink(name);
  if (link === undefined) return;
  if (link.linkinfo?.info_kind !== 'bridge') {
    throw new Error(`refusing to remove ${name}: it is a ${link.linkinfo?.info_kind ?? 'non-bridge'} device, not a machine bridge`);
  }
  await ipIgnoringNotFound(['link', 'del', 'dev', name]);
}
