// IP address management, pure: the caller owns the record of which addresses are taken (Slipway
// persists allocations as API objects), so allocation is a function of the subnet and that record.
import { formatIPv4, parseIPv4 } from './ipv4.ts';
import { validateMachineAddress, type Subnet } from './subnet.ts';

/**
 * The address for a new machine: `preferred` if given (it must be a free machine address of the
 * subnet), else the lowest free address after the gateway. Throws when the subnet is exhausted.
 * `taken` holds addresses already allocated; entries outside the subnet are ignored.
 */
export function allocateAddress(subnet: Subnet, taken: ReadonlySet<string>, preferred?: string): string {
  const used = new Set<number>();
  for (const address of taken) used.add(parseIPv4(address, 'taken address'));
  if (preferred !== undefined) {
    validateMachineAddress(subnet, preferred);
    if (used.has(parseIPv4(preferred))) {
      throw new Error(`address ${preferred} in subnet ${subnet.cidr} is already taken; omit it to get the lowest free address`);
    }
    return preferred;
  }
  const first = parseIPv4(subnet.gateway) + 1;
  const last = parseIPv4(subnet.broadcast) - 1;
  for (let candidate = first; candidate <= last; candidate++) {
    if (!used.has(candidate)) return formatIPv4(candidate);
  }
  throw new Error(`subnet ${subnet.cidr} has no free address: all ${subnet.machineAddresses} machine addresses are taken; delete machines or use a larger subnet`);
}
