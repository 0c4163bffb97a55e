// What the container provider drives on this host, owned by the daemon (one process per store, as
// the runtime and the image store require): the runc machines under <data-dir>/machines, the image
// store under <data-dir>/images, the port forwarders, and the prefix of the network namespaces and
// veths made for machines, which tells this daemon's from any other's on the host.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ImageStore } from '../../../machines/images/index.ts';
import { MachineRuntime, type RuncState } from '../../../machines/runtime/index.ts';
import { PortForwards } from '../../../machines/network/port-forwards.ts';

export interface MachineHostOptions {
  /** The daemon's data directory. */
  dataDir: string;
  /**
   * Prefix (1–4 lowercase letters or digits, starting with a letter) of the netns and veth names made
   * for machines. Default: "s" and three characters derived from the data directory, so two daemons
   * on one host never take each other's for leftovers.
   */
  namePrefix?: string;
  /** Parent of the machines' cgroups (default "slipway"). */
  cgroupParent?: string;
}

const RUNC_LIST_MAX_AGE_MS = 2000;
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

/** "s" and three base-36 characters of the data directory's SHA-256. */
export function namePrefixFor(dataDir: string): string {
  const digest = createHash('sha256').update(path.resolve(dataDir)).digest();
  return `s${[...digest.subarray(0, 3)].map((b) => BASE36[b % 36]).join('')}`;
}

export class MachineHost {
  readonly runtime: MachineRuntime;
  readonly images: ImageStore;
  readonly portForwards = new PortForwards();
  readonly namePrefix: string;
  #containers: { at: number; states: Promise<RuncState[]> } | undefined;
  /** When this process last started each machine (within the last two seconds). */
  readonly #started = new Map<string, number>();

  private constructor(runtime: MachineRuntime, images: ImageStore, namePrefix: string) {
    this.runtime = runtime;
    this.images = images;
    this.namePrefix = namePrefix;
  }

  /** The runtime at <dataDir>/machines and the image store at <dataDir>/images (created if missing). */
  static async open(options: MachineHostOptions): Promise<MachineHost> {
    const runtime = new MachineRuntime({ root: path.join(options.dataDir, 'machines'), ...(options.cgroupParent ? { cgroupParent: options.cgroupParent } : {}) });
    const images = await ImageStore.open(path.join(options.dataDir, 'images'));
    return new MachineHost(runtime, images, options.namePrefix ?? namePrefixFor(options.dataDir));
  }

  /**
   * runc's list of containers, from one `runc list` shared by every reconcile within two seconds:
   * periodic liveness checks of many machines then cost one process, not one each.
   */
  containers(): Promise<RuncState[]> {
    const now = Date.now();
    if (!this.#containers || now - this.#containers.at > RUNC_LIST_MAX_AGE_MS) {
      const states = this.runtime.runc.list();
      this.#containers = { at: now, states };
      states.catch(() => { this.#containers = undefined; });
    }
    return this.#containers.states;
  }

  /**
   * Whether machine `id`'s init runs (from containers()). One this process started in the last two
   * seconds runs without asking runc: the reconcile that follows a start (its own status write) then
   * spawns no `runc list` while the machine boots.
   */
  async isRunning(id: string): Promise<boolean> {
    const started = this.#started.get(id);
    if (started !== undefined && Date.now() - started <= RUNC_LIST_MAX_AGE_MS) return true;
    return (await this.containers()).some((s) => s.id === id && s.status === 'running');
  }

  /** Records that this process has just started machine `id`. */
  noteStarted(id: string): void {
    const now = Date.now();
    for (const [other, at] of this.#started) if (now - at > RUNC_LIST_MAX_AGE_MS) this.#started.delete(other);
    this.#started.set(id, now);
  }

  /** Forgets what runc said and what was started (after this process stopped or removed a machine, or a start failed). */
  invalidateRunning(): void {
    this.#containers = undefined;
    this.#started.clear();
  }

  /** Stops the port forwarders; machines keep running (a restarted daemon adopts them). */
  async close(): Promise<void> {
    await this.portForwards.stopAll();
  }
}
