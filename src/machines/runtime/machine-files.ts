// Files Slipway writes into a machine's root filesystem before it starts: its identity
// (/etc/hostname, /etc/hosts, optionally /etc/resolv.conf), root's authorized SSH keys and
// Slipway's init. They go through the mounted overlay into the machine's upper directory, and
// every path is confined to the machine's root.
import { constants } from 'node:fs';
import path from 'node:path';
import { ConfinedDirectory, resolveInRoot } from './confined-path.ts';
import { SLIPWAY_INIT_PATH, slipwayInitScript } from './init-script.ts';
import type { MachineSpec } from './machine-spec.ts';
import { parseSshPublicKey } from '../ssh/public-key.ts';

/** Opens (creating with `mode` when missing) the directory `machineDir` inside the machine. */
export async function openMachineDirectory(rootfs: string, machineDir: string, options: { create?: boolean; mode?: number } = {}): Promise<ConfinedDirectory> {
  return ConfinedDirectory.openComponents(rootfs, await resolveInRoot(rootfs, machineDir), options);
}

/** Writes `content` to `machinePath` as root with `mode`; a link in its place is replaced by the file. */
export async function writeMachineFile(rootfs: string, machinePath: string, content: string, mode = 0o644, dirMode = 0o755): Promise<void> {
  const dir = await openMachineDirectory(rootfs, path.posix.dirname(machinePath), { create: true, mode: dirMode });
  try {
    const name = path.posix.basename(machinePath);
    if ((await dir.lstat(name))?.isSymbolicLink()) await dir.unlink(name);
    const file = await dir.openFile(name, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, mode);
    try {
      await file.writeFile(content);
      await file.chown(0, 0);
      await file.chmod(mode);
    } finally {
      await file.close();
    }
  } finally {
    await dir.close();
  }
}

export function hostsFile(spec: Pick<MachineSpec, 'hostname' | 'ip' | 'hosts'>): string {
  const shortName = spec.hostname.split('.')[0];
  const self = [spec.hostname, ...(shortName !== spec.hostname ? [shortName] : [])].join(' ');
  const lines = [
    '# Written by Slipway when the machine starts.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    // Debian's convention for a host without a fixed address: its name on 127.0.1.1.
    spec.ip ? `${spec.ip}\t${self}` : `127.0.1.1\t${self}`,
    ...(spec.hosts ?? []).map((entry) => `${entry.ip}\t${entry.names.join(' ')}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function resolvConf(dns: NonNullable<MachineSpec['dns']>): string {
  const lines = ['# Written by Slipway when the machine starts.', ...dns.nameservers.map((server) => `nameserver ${server}`)];
  if (dns.search?.length) lines.push(`search ${dns.search.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** One line per key as parseSshPublicKey reads it (the spec's validation has checked each). */
export function authorizedKeys(keys: string[]): string {
  return keys.map((key) => `${parseSshPublicKey(key).line}\n`).join('');
}

/**
 * Writes everything the machine's start needs from Slipway (idempotent: run on every start). The
 * files are independent, so they are written at once: a machine's start waits for the slowest, not the
 * sum. All are settled before a failure is thrown, so none is still open when the caller unmounts.
 */
export async function writeMachineFiles(rootfs: string, spec: MachineSpec): Promise<void> {
  const written = await Promise.allSettled([
    writeMachineFile(rootfs, '/etc/hostname', `${spec.hostname}\n`),
    writeMachineFile(rootfs, '/etc/hosts', hostsFile(spec)),
    spec.dns && writeMachineFile(rootfs, '/etc/resolv.conf', resolvConf(spec.dns)),
    // sshd and dropbear ignore keys that others can write: the directory 0700, the file 0600.
    spec.sshAuthorizedKeys?.length && writeMachineFile(rootfs, '/root/.ssh/authorized_keys', authorizedKeys(spec.sshAuthorizedKeys), 0o600, 0o700),
    writeMachineFile(rootfs, SLIPWAY_INIT_PATH, slipwayInitScript(), 0o755),
  ]);
  const failed = written.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
