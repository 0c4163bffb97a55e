// The error of a port forwarder that could not listen, in words a user can act on: who holds the
// port (when `ss` can tell), or that the host address is not this host's.
import { describePortListeners } from './port-owner.ts';
import { formatPortMapping, type PortMapping } from './port-mapping.ts';

export async function listenError(mapping: PortMapping, error: NodeJS.ErrnoException): Promise<Error> {
  const where = `${mapping.protocol.toUpperCase()} port ${mapping.hostPort} on ${mapping.bindAddress}`;
  if (error.code === 'EADDRINUSE') {
    const holders = await describePortListeners(mapping.hostPort, mapping.protocol);
    const by = holders.length > 0 ? ` (by ${holders.join('; ')})` : '';
    return new Error(`cannot forward ${formatPortMapping(mapping)}: ${where} is already in use${by}; choose another host port`, { cause: error });
  }
  if (error.code === 'EADDRNOTAVAIL') {
    return new Error(`cannot forward ${formatPortMapping(mapping)}: ${mapping.bindAddress} is not an address of this host; use 127.0.0.1, 0.0.0.0 or one of the host's addresses`, { cause: error });
  }
  return new Error(`cannot forward ${formatPortMapping(mapping)}: listening on ${where} failed: ${error.message}`, { cause: error });
}
