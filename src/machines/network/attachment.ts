// A machine's place on a bridge: a named network namespace (the runtime joins it by path) holding
// eth0, one end of a veth pair whose host end is a port of the bridge.
//
// The namespace and the host end share one name derived from the machine id, so a restarted daemon
// finds them again, and the host end's alias records the machine id itself. `listAttachments`
// finds everything made under a name prefix, whole or half-made, for adoption or clean-up.
import { createHash } from 'node:crypto';
import { findLink, ip, ipBatch, IpCommandError, ipIgnoringNotFound, ipJson, ipv4Addresses, type Link } from './ip-command.ts';
import { bridgeExists } from './bridge.ts';
import { validateMachineAddress, type Subnet } from './subnet.ts';
import { pathExists } from '../path-exists.ts';

export const DEFAULT_NAME_PREFIX = 'slw';
/** The machine's interface inside its namespace. */
export const MACHINE_INTERFACE = 'eth0';

const NETNS_DIR = '/run/netns';
// prefix (1–4) + "-" + 10 hex digits (40 bits of the id's SHA-256) fits the 15-byte interface limit.
const NAME_PREFIX = /^[a-z][a-z0-9]{0,3}$/;
const KEY_LENGTH = 10;
const ATTACHMENT_NAME = /^[a-z][a-z0-9]{0,3}-[0-9a-f]{10}$/;
const MACHINE_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,252}$/;

export interface AttachOptions {
  /** A stable id of the machine (its uid or namespace/name); names are derived from it. */
  machineId: string;
  /** The bridge made by ensureBridge for `subnet`. */
  bridge: string;
  subnet: Subnet;
  /** The machine's address, allocated from `subnet`. */
  address: string;
  /** Prefix of the names made, default "slw": 1–4 lowercase letters or digits, starting with a letter. */
  namePrefix?: string;
}

export interface MachineAttachment {
  /** The name of both the network namespace and the host end of the veth pair. */
  name: string;
  /** The namespace's path, for the runtime's config (/run/netns/NAME). */
  netnsPath: string;
  hostInterface: string;
  /** The interface inside the namespace. */
  interface: string;
  address: string;
  prefixLength: number;
  gateway: string;
}

/** What exists under one attachment name; anything not `complete` is half-made (e.g. by a crash). */
export interface AttachmentState {
  name: string;
  /** Set when the named network namespace exists. */
  netnsPath: string | null;
  /** Set when the host end of the veth pair exists. */
  hostInterface: string | null;
  /** The machine id recorded on the host end, when it exists. */
  machineId: string | null;
  /** The bridge the host end is a port of. */
  bridge: string | null;
  /** eth0's IPv4 address inside the namespace, as ADDRESS/PREFIX. */
  address: string | null;
  /** Namespace and paired veth exist, the host end is on a bridge, and eth0 has an address. */
  complete: boolean;
}

function validateNamePrefix(prefix: string): void {
  if (!NAME_PREFIX.test(prefix)) {
    throw new Error(`invalid name prefix ${JSON.stringify(prefix)}: use 1 to 4 lowercase letters or digits, starting with a letter (names must fit the 15-character interface limit)`);
  }
}

function validateMachineId(machineId: string): void {
  if (!MACHINE_ID.test(machineId)) {
    throw new Error(`invalid machine id ${JSON.stringify(machineId)}: use up to 253 letters, digits, ".", "_", ":", "/" or "-", starting with a letter or digit`);
  }
}

function validateAttachmentName(name: string): void {
  if (!ATTACHMENT_NAME.test(name)) {
    throw new Error(`invalid attachment name ${JSON.stringify(name)}: expected PREFIX-HEX10 as made by attachmentName()`);
  }
}

/** The deterministic name of the namespace and host interface for a machine. */
export function attachmentName(machineId: string, namePrefix = DEFAULT_NAME_PREFIX): string {
  validateMachineId(machineId);
  validateNamePrefix(namePrefix);
  const key = createHash('sha256').update(machineId).digest('hex').slice(0, KEY_LENGTH);
  return `${namePrefix}-${key}`;
}

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

async function listNetns(): Promise<{ name: string; id?: number }[]> {
  return ipJson<{ name: string; id?: number }>(['netns', 'list']);
}

async function ensureNetns(name: string): Promise<void> {
  try {
    await ip(['netns', 'add', name]);
  } catch (error) {
    if (!(error instanceof IpCommandError && error.alreadyExists)) throw error;
  }
}

/** Whether `host` is a veth whose peer is `peer` inside the namespace with id `netnsId`. */
function isPaired(host: Link | undefined, peer: Link | undefined, netnsId: number | undefined): boolean {
  return host?.linkinfo?.info_kind === 'veth' && peer !== undefined && netnsId !== undefined
    && host.link_index === peer.ifindex && host.link_netnsid === netnsId;
}

function assertVeth(link: Link): void {
  if (link.linkinfo?.info_kind !== 'veth') {
    throw new Error(`interface ${link.ifname} is a ${link.linkinfo?.info_kind ?? 'plain'} device, not a machine's veth; remove it by hand if it is stale`);
  }
}

/** Makes sure the veth pair exists whole: host end `name`, peer eth0 inside namespace `name`. */
async function ensureVethPair(name: string, machineId: string): Promise<void> {
  const host = await findLink(name);
  if (host?.ifalias && host.ifalias !== machineId) {
    throw new Error(`interface ${name} belongs to machine ${host.ifalias}, not ${machineId} (their ids hash alike); use another name prefix for one of them`);
  }
  const peer = await findLink(MACHINE_INTERFACE, name);
  const netnsId = (await listNetns()).find((ns) => ns.name === name)?.id;
  if (isPaired(host, peer, netnsId)) return;
  // Half-made (a crash between steps): start the pair again rather than repair it piecewise.
  if (host) {
    assertVeth(host);
    await ipIgnoringNotFound(['link', 'del', 'dev', name]);
  }
  if (peer) await ipIgnoringNotFound(['-netns', name, 'link', 'del', 'dev', MACHINE_INTERFACE]);
  // Creating the peer directly inside the namespace under its final name leaves no moment in which
  // it sits in the host namespace under a temporary name.
  await ip(['link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', MACHINE_INTERFACE, 'netns', name]);
}

/**
 * Attaches a machine to a bridge: namespace, veth pair, eth0 with the address and a default route
 * via the gateway, loopback up. Idempotent: a whole attachment is left as it is (a running machine
 * keeps its connections), a half-made one is completed. Returns where the runtime finds the namespace.
 */
export async function attachMachine(options: AttachOptions): Promise<MachineAttachment> {
  const { machineId, bridge, subnet, address } = options;
  const name = attachmentName(machineId, options.namePrefix);
  validateMachineAddress(subnet, address);
  if (!(await bridgeExists(bridge))) {
    throw new Error(`cannot attach machine ${machineId}: bridge ${bridge} does not exist; create it with ensureBridge first`);
  }
  const hostSide = [
    ['link', 'set', 'dev', name, 'alias', machineId],
    ['link', 'set', 'dev', name, 'master', bridge],
    ['link', 'set', 'dev', name, 'up'],
  ];
  const inside = [
    ['link', 'set', 'dev', 'lo', 'up'],
    ['addr', 'replace', `${address}/${subnet.prefixLength}`, 'broadcast', subnet.broadcast, 'dev', MACHINE_INTERFACE],
    ['link', 'set', 'dev', MACHINE_INTERFACE, 'up'],
    ['route', 'replace', 'default', 'via', subnet.gateway, 'dev', MACHINE_INTERFACE],
  ];
  // sysfs tells without an `ip` process whether the host end exists in this (the host's) namespace.
  if (!(await pathExists(netnsPath(name))) && !(await pathExists(`/sys/class/net/${name}`))) {
    // Nothing of it exists (the usual case): two `ip` processes make it all. Should one fail half-way,
    // the next attach finds the parts and completes them below.
    await ipBatch([['netns', 'add', name], ['link', 'add', 'name', name, 'type', 'veth', 'peer', 'name', MACHINE_INTERFACE, 'netns', name], ...hostSide]);
    await ipBatch(inside, name);
  } else {
    await ensureNetns(name);
    await ensureVethPair(name, machineId);
    await ipBatch(hostSide);
    const stale = (await ipv4Addresses(MACHINE_INTERFACE, name)).filter((a) => a.address !== address || a.prefixLength !== subnet.prefixLength);
    await ipBatch([...stale.map((a) => ['addr', 'del', `${a.address}/${a.prefixLength}`, 'dev', MACHINE_INTERFACE]), ...inside], name);
  }

  return {
    name,
    netnsPath: netnsPath(name),
    hostInterface: name,
    interface: MACHINE_INTERFACE,
    address,
    prefixLength: subnet.prefixLength,
    gateway: subnet.gateway,
  };
}

/**
 * Removes a machine's veth pair and namespace by attachment name. Idempotent and safe on half-made
 * attachments: whatever part exists is removed, a missing part is no error. A process still inside
 * the namespace keeps it alive, but without the veth it is cut off from the bridge.
 */
export async function detachMachine(name: string): Promise<void> {
  validateAttachmentName(name);
  const host = await findLink(name);
  if (host) {
    assertVeth(host);
    await ipIgnoringNotFound(['link', 'del', 'dev', name]);
  }
  await ipIgnoringNotFound(['netns', 'del', name]);
}

/** Every namespace and host veth made under `namePrefix`, whole or half-made, sorted by name. */
export async function listAttachments(namePrefix = DEFAULT_NAME_PREFIX): Promise<AttachmentState[]> {
  validateNamePrefix(namePrefix);
  const ours = new RegExp(`^${namePrefix}-[0-9a-f]{${KEY_LENGTH}}$`);
  const namespaces = new Map((await listNetns()).filter((ns) => ours.test(ns.name)).map((ns) => [ns.name, ns.id]));
  const hostEnds = new Map((await ipJson<Link>(['-details', 'link', 'show', 'type', 'veth'])).filter((l) => ours.test(l.ifname)).map((l) => [l.ifname, l]));
  const names = [...new Set([...namespaces.keys(), ...hostEnds.keys()])].sort();
  return Promise.all(names.map(async (name): Promise<AttachmentState> => {
    const host = hostEnds.get(name);
    const hasNetns = namespaces.has(name);
    const peer = hasNetns ? await findLink(MACHINE_INTERFACE, name) : undefined;
    const [a] = peer ? await ipv4Addresses(MACHINE_INTERFACE, name) : [];
    const address = a ? `${a.address}/${a.prefixLength}` : null;
    const bridge = host?.master ?? null;
    return {
      name,
      netnsPath: hasNetns ? netnsPath(name) : null,
      hostInterface: host ? name : null,
      machineId: host?.ifalias ?? null,
      bridge,
      address,
      complete: isPaired(host, peer, namespaces.get(name)) && bridge !== null && address !== null,
    };
  }));
}
