// A userspace UDP forwarder for one port mapping, as docker-proxy does it: each client (address and
// port) that sends to the host port gets its own socket towards the machine, so the machine's answers
// can be told apart and sent back to the client they are for. UDP has no connection to end: a
// client's socket goes after a quiet spell, or when too many clients are active (the least recently
// active first), so a stream of new sources cannot use up the daemon's file descriptors.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { listenError } from './port-listen-error.ts';
import { validatePortMapping, type PortMapping } from './port-mapping.ts';
import { parseIPv4 } from './ipv4.ts';

export interface UdpForwarderOptions {
  /** A client's socket goes after this long without a datagram either way (default 90 s, as docker-proxy). */
  idleTimeoutMs?: number;
  /** Clients forwarded at once (default 1,024). */
  maxClients?: number;
}

interface Client {
  upstream: Socket;
  idle: NodeJS.Timeout;
}

export class UdpPortForwarder {
  readonly mapping: PortMapping;
  readonly machineAddress: string;
  readonly #socket: Socket;
  readonly #idleTimeoutMs: number;
  readonly #maxClients: number;
  /** By "address:port" of the client, least recently active first. */
  readonly #clients = new Map<string, Client>();
  #closed: Promise<void> | undefined;

  private constructor(mapping: PortMapping, machineAddress: string, socket: Socket, options: UdpForwarderOptions) {
    this.mapping = mapping;
    this.machineAddress = machineAddress;
    this.#socket = socket;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 90_000;
    this.#maxClients = options.maxClients ?? 1024;
    socket.on('message', (message, from) => this.#fromClient(message, from));
  }

  /** Binds the mapping's host address and port, forwarding to `machineAddress`:machinePort; errors as the TCP forwarder's. */
  static async start(mapping: PortMapping, machineAddress: string, options: UdpForwarderOptions = {}): Promise<UdpPortForwarder> {
    validatePortMapping(mapping);
    parseIPv4(machineAddress, 'machine address');
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: mapping.bindAddress, port: mapping.hostPort, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch(async (error: NodeJS.ErrnoException) => {
      socket.close();
      throw await listenError(mapping, error);
    });
    // A datagram that cannot be sent is lost, as UDP's are; it must not take the process down.
    socket.on('error', () => undefined);
    return new UdpPortForwarder(mapping, machineAddress, socket, options);
  }

  /** Clients being forwarded now. */
  get connections(): number {
    return this.#clients.size;
  }

  #fromClient(message: Buffer, from: RemoteInfo): void {
    const key = `${from.address}:${from.port}`;
    const client = this.#clients.get(key) ?? this.#open(key, from);
    this.#touch(key, client);
    client.upstream.send(message, this.mapping.machinePort, this.machineAddress);
  }

  #open(key: string, from: RemoteInfo): Client {
    const oldest = this.#clients.keys().next();
    if (this.#clients.size >= this.#maxClients && !oldest.done) this.#drop(oldest.value);
    const upstream = createSocket('udp4');
    // The machine's port may be closed (ICMP unreachable): the datagram is lost, as it would be.
    upstream.on('error', () => undefined);
    upstream.on('message', (reply, source) => {
      // Only the machine's port answers for it: anything else reaching this socket is dropped.
      if (source.address !== this.machineAddress || source.port !== this.mapping.machinePort) return;
      const client = this.#clients.get(key);
      if (!client) return;
      this.#touch(key, client);
      this.#socket.send(reply, from.port, from.address);
    });
    const client: Client = { upstream, idle: setTimeout(() => this.#drop(key), this.#idleTimeoutMs) };
    this.#clients.set(key, client);
    return client;
  }

  /** Marks a client active: its quiet spell starts again, and it becomes the last to be evicted. */
  #touch(key: string, client: Client): void {
    client.idle.refresh();
    this.#clients.delete(key);
    this.#clients.set(key, client);
  }

  #drop(key: string): void {
    const client = this.#clients.get(key);
    if (!client) return;
    this.#clients.delete(key);
    clearTimeout(client.idle);
    client.upstream.close();
  }

  /** Stops listening and forgets every client; closing again waits for the same close. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      for (const key of [...this.#clients.keys()]) this.#drop(key);
      this.#socket.close(() => resolve());
    });
    return this.#closed;
  }
}
