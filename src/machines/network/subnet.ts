// A machine subnet: an IPv4 network on one host bridge. The bridge holds the gateway (the first host
// address); machines get the addresses after it, up to but excluding the broadcast address.
import { formatIPv4, parseIPv4, tryParseIPv4 } from './ipv4.ts';

export interface Subnet {
  /** Canonical CIDR notation, e.g. "10.215.1.0/24". */
  cidr: string;
  network: string;
  prefixLength: number;
  /** The first host address; the bridge holds it and machines route through it. */
  gateway: string;
  broadcast: string;
  /** How many addresses machines can get: all but network, gateway and broadcast. */
  machineAddresses: number;
}

// A /30 is the smallest subnet with room for a gateway and one machine; below /8 a subnet would
// swallow most of a private range and make allocation scans pointlessly long.
export const MIN_PREFIX_LENGTH = 8;
export const MAX_PREFIX_LENGTH = 30;

// Machines' networks are host-internal and never routed, so they must not shadow public addresses
// the host may need to reach: only RFC 1918 private ranges are accepted.
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => {
  const [network, prefix] = cidr.split('/');
  return { cidr, network: parseIPv4(network), prefixLength: Number(prefix) };
});

function netmask(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

function contains(network: number, prefixLength: number, address: number): boolean {
  return ((address & netmask(prefixLength)) >>> 0) === network;
}

/** Parses and validates a CIDR such as "10.215.1.0/24"; throws with the reason and a fix otherwise. */
export function parseSubnet(cidr: string): Subnet {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(cidr);
  if (!match) throw new Error(`invalid subnet ${JSON.stringify(cidr)}: expected CIDR notation like 10.215.1.0/24`);
  const network = parseIPv4(match[1], `network address in subnet ${JSON.stringify(cidr)}`);
  const prefixLength = Number(match[2]);
  if (prefixLength < MIN_PREFIX_LENGTH || prefixLength > MAX_PREFIX_LENGTH) {
    throw new Error(`invalid subnet ${cidr}: prefix length must be between /${MIN_PREFIX_LENGTH} and /${MAX_PREFIX_LENGTH} (a /30 holds a gateway and one machine)`);
  }
  const masked = (network & netmask(prefixLength)) >>> 0;
  if (masked !== network) {
    throw new Error(`invalid subnet ${cidr}: host bits are set; did you mean ${formatIPv4(masked)}/${prefixLength}?`);
  }
  const range = PRIVATE_RANGES.find((r) => prefixLength >= r.prefixLength && contains(r.network, r.prefixLength, network));
  if (!range) {
    throw new Error(`invalid subnet ${cidr}: must lie in a private range (${PRIVATE_RANGES.map((r) => r.cidr).join(', ')}) because machine networks are never routed outward`);
  }
  const size = 2 ** (32 - prefixLength);
  return {
    cidr: `${formatIPv4(network)}/${prefixLength}`,
    network: formatIPv4(network),
    prefixLength,
    gateway: formatIPv4(network + 1),
    broadcast: formatIPv4(network + size - 1),
    machineAddresses: size - 3,
  };
}

/** Whether `address` (any IPv4 address, including network and broadcast) lies in the subnet. */
export function isInSubnet(subnet: Subnet, address: string): boolean {
  const value = tryParseIPv4(address);
  return value !== undefined && contains(parseIPv4(subnet.network), subnet.prefixLength, value);
}

/** An IPv4 network given by any address in it and its prefix length, as interfaces report them. */
export interface AddressWithPrefix {
  address: string;
  prefixLength: number;
}

/** Whether two networks share any address (the shorter prefix contains the other). */
export function networksOverlap(a: AddressWithPrefix, b: AddressWithPrefix): boolean {
  const mask = netmask(Math.min(a.prefixLength, b.prefixLength));
  return ((parseIPv4(a.address) & mask) >>> 0) === ((parseIPv4(b.address) & mask) >>> 0);
}

/** Throws unless `address` is one a machine may hold in the subnet: inside it, and not its network, gateway or broadcast address. */
export function validateMachineAddress(subnet: Subnet, address: string): void {
  parseIPv4(address, 'machine address');
  if (!isInSubnet(subnet, address)) throw new Error(`address ${address} is not in subnet ${subnet.cidr}`);
  const reserved: Record<string, string> = { [subnet.network]: 'network', [subnet.gateway]: 'gateway', [subnet.broadcast]: 'broadcast' };
  if (reserved[address]) {
    throw new Error(`address ${address} is the ${reserved[address]} address of subnet ${subnet.cidr}; machines get addresses from ${formatIPv4(parseIPv4(subnet.gateway) + 1)} on`);
  }
}
