// All active port forwarders of a process, grouped by the machine that owns them, so a controller
// can converge a machine's mappings on every reconcile and stop everything on shutdown.
import { PortForwarder } from './port-forwarder.ts';
import { formatPortMapping, portMappingsConflict, validatePortMapping, type PortMapping } from './port-mapping.ts';
import { UdpPortForwarder } from './udp-port-forwarder.ts';

type Forwarder = PortForwarder | UdpPortForwarder;

const startForwarder = (mapping: PortMapping, machineAddress: string): Promise<Forwarder> =>
  mapping.protocol === 'udp' ? UdpPortForwarder.start(mapping, machineAddress) : PortForwarder.start(mapping, machineAddress);

export interface ActivePortForward {
  owner: string;
  mapping: PortMapping;
  machineAddress: string;
  connections: number;
}

function sameMapping(a: PortMapping, b: PortMapping): boolean {
  return a.bindAddress === b.bindAddress && a.hostPort === b.hostPort && a.machinePort === b.machinePort && a.protocol === b.protocol;
}

export class PortForwards {
  readonly #byOwner = new Map<string, Forwarder[]>();
  // One change at a time, so a conflict check and the listens it vouches for cannot interleave.
  #queue: Promise<unknown> = Promise.resolve();

  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Makes `owner`'s forwarders exactly `mappings` to `machineAddress`: keeps those already running,
   * stops the ones no longer wanted, starts the new ones. Conflicts with other owners' mappings and
   * among `mappings` are found before anything changes; if a new listen fails, the forwarders this
   * call started are stopped again and the error (e.g. the port is in use) is thrown.
   */
  ensure(owner: string, mappings: readonly PortMapping[], machineAddress: string): Promise<void> {
    return this.#serialized(async () => {
      mappings.forEach(validatePortMapping);
      mappings.forEach((mapping, i) => {
        const clash = mappings.slice(0, i).find((other) => portMappingsConflict(other, mapping));
        if (clash) throw new Error(`port mappings ${formatPortMapping(clash)} and ${formatPortMapping(mapping)} of machine ${owner} both use host port ${mapping.hostPort}`);
        for (const [other, forwarders] of this.#byOwner) {
          const taken = other !== owner && forwarders.find((f) => portMappingsConflict(f.mapping, mapping));
          if (taken) throw new Error(`cannot forward ${formatPortMapping(mapping)} for machine ${owner}: host port ${mapping.hostPort} is already forwarded to machine ${other} (${formatPortMapping(taken.mapping)})`);
        }
      });
      const current = this.#byOwner.get(owner) ?? [];
      const keep = current.filter((f) => f.machineAddress === machineAddress && mappings.some((m) => sameMapping(m, f.mapping)));
      await Promise.all(current.filter((f) => !keep.includes(f)).map((f) => f.close()));
      const started: Forwarder[] = [];
      try {
        for (const mapping of mappings) {
          if (keep.some((f) => sameMapping(f.mapping, mapping))) continue;
          started.push(await startForwarder(mapping, machineAddress));
        }
      } catch (error) {
        await Promise.all(started.map((f) => f.close()));
        if (keep.length > 0) this.#byOwner.set(owner, keep);
        else this.#byOwner.delete(owner);
        throw error;
      }
      const all = [...keep, ...started];
      if (all.length > 0) this.#byOwner.set(owner, all);
      else this.#byOwner.delete(owner);
    });
  }

  /** Stops `owner`'s forwarders; nothing to stop is no error. */
  stop(owner: string): Promise<void> {
    return this.#serialized(async () => {
      const forwarders = this.#byOwner.get(owner) ?? [];
      this.#byOwner.delete(owner);
      await Promise.all(forwarders.map((f) => f.close()));
    });
  }

  /** Stops every forwarder (on shutdown). */
  stopAll(): Promise<void> {
    return this.#serialized(async () => {
      const forwarders = [...this.#byOwner.values()].flat();
      this.#byOwner.clear();
      await Promise.all(forwarders.map((f) => f.close()));
    });
  }

  list(): ActivePortForward[] {
    return [...this.#byOwner].flatMap(([owner, forwarders]) => forwarders.map((f) => ({
      owner,
      mapping: f.mapping,
      machineAddress: f.machineAddress,
      connections: f.connections,
    })));
  }
}
