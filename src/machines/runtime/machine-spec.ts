// What a caller asks for when it creates a machine, and the checks that run before anything is
// made on disk, so bad input fails with every problem named and nothing half-made.
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostnameProblem } from '../network/hostname.ts';
import { parseSshPublicKey } from '../ssh/public-key.ts';
import { capabilityProblems } from './capabilities.ts';
import { validateMachineId } from './machine-id.ts';
import { MachineRuntimeError } from './machine-runtime-error.ts';
import { overlayPathProblem } from './overlay-rootfs.ts';
import { resourceProblems, type MachineResources } from './resource-limits.ts';
import { signalNumber } from './stop-signal.ts';
import { pathExists } from '../path-exists.ts';

export interface HostEntry {
  ip: string;
  names: string[];
}

/** The runtime part of an OCI image configuration (its `config` object), as the image store reads it. */
export interface OciImageRuntimeConfig {
  Env?: string[];
  StopSignal?: string;
}

export interface MachineSpec {
  id: string;
  /** The machine's hostname (RFC 1123, at most 64 characters). */
  hostname: string;
  /** The image's unpacked layer directories, top first: the overlay's read-only lower directories. */
  lowerDirs: string[];
  imageConfig?: OciImageRuntimeConfig;
  resources: MachineResources;
  /** Size limit of the writable layer in bytes (a sparse ext4 image; at least 64 MiB); unset: no limit. */
  rootfsSizeBytes?: number;
  /** An existing network namespace to join (e.g. /run/netns/NAME); without it the machine gets its own with only loopback. */
  networkNamespace?: string;
  /** The machine's own address, written to /etc/hosts with its hostname. */
  ip?: string;
  /** More /etc/hosts lines (other machines of a cluster, say). */
  hosts?: HostEntry[];
  /** Written to /etc/resolv.conf when given; otherwise the image's file is left alone. */
  dns?: { nameservers: string[]; search?: string[] };
  /** OpenSSH public key lines installed as root's authorized_keys. */
  sshAuthorizedKeys?: string[];
  /** 'image' runs the image's /sbin/init when it has one (Footloose's habit); 'slipway' (default) runs Slipway's minimal init. */
  init?: 'slipway' | 'image';
  /** Environment of the init (over the image's Env). */
  env?: Record<string, string>;
  /** Capabilities added to the default set (e.g. CAP_NET_ADMIN for a Kubernetes node). */
  capabilities?: string[];
  /** Carried in the bundle (annotation slipway.dev/labels) and reported by list(), so an owner can find its machines. */
  labels?: Record<string, string>;
  /** Carried verbatim as OCI bundle annotations. */
  annotations?: Record<string, string>;
}

/** The smallest writable layer with a size limit: ext4's own overhead leaves little room below it. */
export const MIN_ROOTFS_BYTES = 64 * 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function stringMapProblems(map: unknown, what: string, keyPattern?: RegExp): string[] {
  if (map === undefined) return [];
  if (!map || typeof map !== 'object' || Array.isArray(map)) return [`${what} must be an object of strings`];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (key.length === 0 || (keyPattern && !keyPattern.test(key))) problems.push(`${what} name ${JSON.stringify(key)} is not valid`);
    if (typeof value !== 'string' || value.includes('\0')) problems.push(`${what} ${JSON.stringify(key)} must be a string without NUL characters`);
  }
  return problems;
}

/** Every problem that can be seen without touching the filesystem. */
export function specProblems(spec: MachineSpec): string[] {
  const problems: string[] = [];
  const hostname = hostnameProblem(spec.hostname);
  if (hostname) problems.push(hostname);
  if (!Array.isArray(spec.lowerDirs) || spec.lowerDirs.length === 0) {
    problems.push('lowerDirs is empty: give the image\'s unpacked layer directories, top first');
  } else {
    for (const dir of spec.lowerDirs) {
      const problem = typeof dir === 'string' ? overlayPathProblem(dir) : 'a lower directory is not a string';
      if (problem) problems.push(`lower directory ${problem}`);
    }
  }
  problems.push(...resourceProblems(spec.resources));
  if (spec.rootfsSizeBytes !== undefined && !(Number.isSafeInteger(spec.rootfsSizeBytes) && spec.rootfsSizeBytes >= MIN_ROOTFS_BYTES)) {
    problems.push(`rootfsSizeBytes must be a whole number of bytes, at least ${MIN_ROOTFS_BYTES} (64 MiB) (got ${String(spec.rootfsSizeBytes)})`);
  }
  if (spec.networkNamespace !== undefined && (typeof spec.networkNamespace !== 'string' || !spec.networkNamespace.startsWith('/'))) {
    problems.push(`networkNamespace ${JSON.stringify(spec.networkNamespace)} must be an absolute path such as /run/netns/NAME`);
  }
  if (spec.ip !== undefined && !isIP(String(spec.ip))) problems.push(`ip ${JSON.stringify(spec.ip)} is not an IPv4 or IPv6 address`);
  for (const entry of spec.hosts ?? []) {
    if (!entry || !isIP(String(entry.ip))) problems.push(`hosts entry address ${JSON.stringify(entry?.ip)} is not an IPv4 or IPv6 address`);
    if (!Array.isArray(entry?.names) || entry.names.length === 0) problems.push(`hosts entry ${JSON.stringify(entry?.ip)} has no names`);
    else for (const name of entry.names) { const problem = hostnameProblem(name, 'hosts entry name'); if (problem) problems.push(problem); }
  }
  if (spec.dns !== undefined) {
    const { nameservers, search } = spec.dns;
    if (!Array.isArray(nameservers) || nameservers.length === 0) problems.push('dns.nameservers is empty: give at least one address or leave dns out');
    else for (const server of nameservers) if (!isIP(String(server))) problems.push(`dns nameserver ${JSON.stringify(server)} is not an IP address`);
    for (const domain of search ?? []) { const problem = hostnameProblem(domain, 'dns search domain'); if (problem) problems.push(problem); }
  }
  for (const key of spec.sshAuthorizedKeys ?? []) {
    try {
      parseSshPublicKey(String(key));
    } catch (error) {
      problems.push(`SSH public key ${JSON.stringify(String(key).slice(0, 40))}… is not valid: ${(error as Error).message.replace(/^invalid SSH public key: /, '')}`);
    }
  }
  if (spec.init !== undefined && spec.init !== 'slipway' && spec.init !== 'image') problems.push(`init must be "slipway" or "image" (got ${JSON.stringify(spec.init)})`);
  problems.push(...stringMapProblems(spec.env, 'environment variable', ENV_NAME));
  problems.push(...stringMapProblems(spec.labels, 'label'));
  problems.push(...stringMapProblems(spec.annotations, 'annotation'));
  problems.push(...capabilityProblems(spec.capabilities));
  const stopSignalName = spec.imageConfig?.StopSignal;
  if (stopSignalName !== undefined && signalNumber(String(stopSignalName)) === undefined) {
    problems.push(`the image's StopSignal ${JSON.stringify(stopSignalName)} names no signal`);
  }
  for (const entry of spec.imageConfig?.Env ?? []) {
    if (typeof entry !== 'string' || !ENV_NAME.test(entry.split('=')[0]) || !entry.includes('=')) problems.push(`the image's Env entry ${JSON.stringify(entry)} is not NAME=value`);
  }
  return problems;
}

/** Throws one Invalid MachineRuntimeError naming every problem with `spec`, including missing lower directories and network namespace. */
export async function validateMachineSpec(spec: MachineSpec): Promise<void> {
  if (!spec || typeof spec !== 'object') throw new MachineRuntimeError('Invalid', 'machine spec is missing');
  validateMachineId(spec.id);
  const problems = specProblems(spec);
  if (problems.length === 0) {
    for (const dir of spec.lowerDirs) {
      if (!(await isDirectory(dir))) problems.push(`lower directory ${dir} does not exist or is not a directory: pull or unpack the image first`);
    }
    if (spec.networkNamespace !== undefined && !(await pathExists(spec.networkNamespace))) {
      problems.push(`network namespace ${spec.networkNamespace} does not exist: create it (ip netns add) before the machine`);
    }
  }
  if (problems.length > 0) throw new MachineRuntimeError('Invalid', `machine ${spec.id} is not valid: ${problems.join('; ')}`);
}

async function isDirectory(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => undefined))?.isDirectory() ?? false;
}
