// The Linux capabilities a machine's processes get. The base set is the container engines'
// usual default, enough for an SSH server (setuid/setgid, chroot for privilege separation,
// audit writes for logins) and for package managers; an image's own init system (systemd)
// also mounts and raises resource limits, so it gets those two more (where the host has them).
import { readFileSync } from 'node:fs';

export const BASE_CAPABILITIES = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
] as const;

export const IMAGE_INIT_CAPABILITIES = ['CAP_SYS_ADMIN', 'CAP_SYS_RESOURCE'] as const;

/** Every capability the kernel knows (as of Linux 6.x), in bit order as /proc/PID/status counts them. */
const CAPABILITY_BITS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];
const KNOWN_CAPABILITIES = new Set(CAPABILITY_BITS);

/**
 * The capabilities this process may pass on (its bounding set): a machine cannot get more than
 * the runtime has, and runc fails outright when asked to, so requests are checked against it.
 */
export function hostCapabilities(status = readFileSync('/proc/self/status', 'utf8')): Set<string> {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const mask = hex === undefined ? 0n : BigInt(`0x${hex}`);
  return new Set(CAPABILITY_BITS.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
}

export function capabilityProblems(extra: unknown, available = hostCapabilities()): string[] {
  if (extra === undefined) return [];
  if (!Array.isArray(extra)) return ['capabilities must be a list of names like "CAP_NET_ADMIN"'];
  return extra.flatMap((name) => {
    if (typeof name !== 'string' || !KNOWN_CAPABILITIES.has(name)) return [`capability ${JSON.stringify(name)} is unknown: use a name like "CAP_NET_ADMIN" (see capabilities(7))`];
    if (!available.has(name)) return [`capability ${name} is not in this host's bounding set, so no machine here can have it: leave it out`];
    return [];
  });
}

/**
 * The machine's capability set, sorted and without duplicates: the base set, an image init's
 * extras and the caller's, limited to what this host allows.
 */
export function machineCapabilities(imageInit: boolean, extra: string[] = [], available = hostCapabilities()): string[] {
  return [...new Set([...BASE_CAPABILITIES, ...(imageInit ? IMAGE_INIT_CAPABILITIES : []), ...extra])].filter((name) => available.has(name)).sort();
}
