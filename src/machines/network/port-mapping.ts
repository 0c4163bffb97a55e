// Host-to-machine port mappings in Ignite's `--ports` syntax: [ADDRESS:]HOST_PORT:MACHINE_PORT[/tcp|/udp].
// Unlike Ignite, the host address defaults to loopback: a machine's port reaches the network only
// when asked for with 0.0.0.0 or a specific address.
import { tryParseIPv4 } from './ipv4.ts';

export const DEFAULT_BIND_ADDRESS = '127.0.0.1';
export const ANY_ADDRESS = '0.0.0.0';

export interface PortMapping {
  /** The host IPv4 address to listen on; 0.0.0.0 for all. */
  bindAddress: string;
  hostPort: number;
  machinePort: number;
  protocol: PortProtocol;
}

export const PORT_PROTOCOLS = ['tcp', 'udp'] as const;
export type PortProtocol = (typeof PORT_PROTOCOLS)[number];

const isProtocol = (text: string): text is PortProtocol => (PORT_PROTOCOLS as readonly string[]).includes(text);

const SYNTAX = '[ADDRESS:]HOST_PORT:MACHINE_PORT[/tcp|/udp], e.g. 8080:80, 0.0.0.0:2222:22/tcp or 5353:53/udp';

function parsePort(text: string, what: string, spec: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new Error(`invalid port mapping ${JSON.stringify(spec)}: ${what} ${JSON.stringify(text)} must be a number from 1 to 65535`);
  }
  return port;
}

/** Throws unless the mapping's fields are valid (for mappings read from API objects rather than parsed). */
export function validatePortMapping(mapping: PortMapping): void {
  const spec = formatPortMapping(mapping);
  if (tryParseIPv4(mapping.bindAddress) === undefined) {
    throw new Error(`invalid port mapping ${JSON.stringify(spec)}: host address must be an IPv4 address such as 127.0.0.1 or 0.0.0.0`);
  }
  for (const [what, port] of [['host port', mapping.hostPort], ['machine port', mapping.machinePort]] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`invalid port mapping ${JSON.stringify(spec)}: ${what} must be a number from 1 to 65535`);
    }
  }
  if (!isProtocol(mapping.protocol)) {
    throw new Error(`invalid port mapping ${JSON.stringify(spec)}: the protocol must be tcp or udp`);
  }
}

/** Parses one `--ports` value. */
export function parsePortMapping(spec: string): PortMapping {
  const [ports, protocol, ...rest] = spec.split('/');
  if (rest.length > 0) throw new Error(`invalid port mapping ${JSON.stringify(spec)}: expected ${SYNTAX}`);
  const protocolName = protocol?.toLowerCase() ?? 'tcp';
  if (!isProtocol(protocolName)) {
    throw new Error(`invalid port mapping ${JSON.stringify(spec)}: unknown protocol ${JSON.stringify(protocol)}; use tcp or udp`);
  }
  const parts = ports.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Error(`invalid port mapping ${JSON.stringify(spec)}: expected ${SYNTAX}`);
  const bindAddress = parts.length === 3 ? parts[0] : DEFAULT_BIND_ADDRESS;
  if (tryParseIPv4(bindAddress) === undefined) {
    throw new Error(`invalid port mapping ${JSON.stringify(spec)}: host address ${JSON.stringify(bindAddress)} must be an IPv4 address such as 127.0.0.1 or 0.0.0.0`);
  }
  return {
    bindAddress,
    hostPort: parsePort(parts[parts.length - 2], 'host port', spec),
    machinePort: parsePort(parts[parts.length - 1], 'machine port', spec),
    protocol: protocolName,
  };
}

/** Whether two mappings cannot both listen: the same protocol and host port on the same address, or on 0.0.0.0 and any address. */
export function portMappingsConflict(a: PortMapping, b: PortMapping): boolean {
  return a.protocol === b.protocol && a.hostPort === b.hostPort
    && (a.bindAddress === b.bindAddress || a.bindAddress === ANY_ADDRESS || b.bindAddress === ANY_ADDRESS);
}

/** Parses every `--ports` value and rejects two that would listen on the same host port. */
export function parsePortMappings(specs: readonly string[]): PortMapping[] {
  const mappings: PortMapping[] = [];
  for (const spec of specs) {
    const mapping = parsePortMapping(spec);
    const clash = mappings.find((m) => portMappingsConflict(m, mapping));
    if (clash) {
      throw new Error(`port mappings ${JSON.stringify(formatPortMapping(clash))} and ${JSON.stringify(spec)} both use host port ${mapping.hostPort}; give each mapping its own host port`);
    }
    mappings.push(mapping);
  }
  return mappings;
}

/** "127.0.0.1:8080->80/tcp", as Ignite and Docker print mappings. */
export function formatPortMapping(mapping: PortMapping): string {
  return `${mapping.bindAddress}:${mapping.hostPort}->${mapping.machinePort}/${mapping.protocol}`;
}
