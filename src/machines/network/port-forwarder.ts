// A userspace TCP forwarder for one port mapping: it listens on the host and pipes each connection
// to the machine's address, both ways, passing half-closes through so request/response protocols
// that shut down their sending side still get the answer. It needs no IP forwarding or NAT, which
// the machine bridge never has.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { listenError } from './port-listen-error.ts';
import { validatePortMapping, type PortMapping } from './port-mapping.ts';
import { parseIPv4 } from './ipv4.ts';

export class PortForwarder {
  readonly mapping: PortMapping;
  readonly machineAddress: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(mapping: PortMapping, machineAddress: string, server: Server) {
    this.mapping = mapping;
    this.machineAddress = machineAddress;
    this.#server = server;
    server.on('connection', (client) => this.#forward(client));
    // A failed accept (e.g. out of file descriptors) loses that one connection; it must not take
    // the process down. Listen failures are handled by start().
    server.on('error', () => undefined);
  }

  /**
   * Listens on the mapping's host address and port, forwarding to `machineAddress`:machinePort.
   * Throws a clear error when the port is taken (naming the holder when `ss` can tell) or the host
   * address is not on this host (see listenError).
   */
  static async start(mapping: PortMapping, machineAddress: string): Promise<PortForwarder> {
    validatePortMapping(mapping);
    parseIPv4(machineAddress, 'machine address');
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const forwarder = new PortForwarder(mapping, machineAddress, server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: mapping.bindAddress, port: mapping.hostPort, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch(async (error: NodeJS.ErrnoException) => {
      throw await listenError(mapping, error);
    });
    return forwarder;
  }

  /** Connections being forwarded now. */
  get connections(): number {
    return this.#sockets.size / 2;
  }

  #forward(client: Socket): void {
    const upstream = connect({ host: this.machineAddress, port: this.mapping.machinePort, allowHalfOpen: true });
    this.#sockets.add(client).add(upstream);
    const forget = () => {
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.once('close', forget);
    upstream.once('close', forget);
    // An unreachable machine port resets the client's connection, as a closed port would.
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.destroy());
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('close', () => client.destroySoon());
    client.once('close', () => upstream.destroySoon());
  }

  /** Stops listening and drops the connections being forwarded. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
