// Copies files and directory trees between the host and a machine's root filesystem. The
// machine's side is reached only through ConfinedDirectory, so links inside the machine are
// resolved as the machine sees them and never lead out of its root; links are copied as links.
import { constants, createReadStream, createWriteStream, type Stats } from 'node:fs';
import { chmod, chown, lstat, lchown, mkdir, open, readdir, readlink, stat, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfinedDirectory, resolveInRoot } from './confined-path.ts';
import { MachineRuntimeError } from './machine-runtime-error.ts';

/** Where a copy lands: inside `dir` under `name`. */
interface Target {
  dir: ConfinedDirectory;
  name: string;
}

/**
 * Copies the host file, link or directory `hostSource` to `machineDest` in the machine (like
 * cp -a: into it when it is an existing directory, otherwise to that path, whose parent must exist
 * unless `parents` asks for missing ones to be made, 0755, as `mkdir -p` would).
 */
export async function copyIntoMachine(rootfs: string, hostSource: string, machineDest: string, options: { parents?: boolean } = {}): Promise<void> {
  const sourceStats = await stat(hostSource).catch(() => {
    throw new MachineRuntimeError('NotFound', `cannot copy ${hostSource} into the machine: it does not exist on the host`);
  });
  const components = await resolveInRoot(rootfs, machineDest);
  const sourceName = path.basename(path.resolve(hostSource));
  let target: Target;
  if (components.length === 0) {
    target = { dir: await ConfinedDirectory.openRoot(rootfs), name: sourceName };
  } else {
    const parent = await ConfinedDirectory.openComponents(rootfs, components.slice(0, -1), { create: options.parents });
    const last = components[components.length - 1];
    if ((await parent.lstat(last))?.isDirectory()) {
      target = { dir: await parent.openDirectory(last).finally(() => parent.close()), name: sourceName };
    } else {
      target = { dir: parent, name: last };
    }
  }
  try {
    await copyEntryIn(hostSource, sourceStats, target);
  } finally {
    await target.dir.close();
  }
}

async function copyEntryIn(hostPath: string, stats: Stats, { dir, name }: Target): Promise<void> {
  const existing = await dir.lstat(name);
  if (stats.isDirectory()) {
    if (existing && !existing.isDirectory()) await dir.unlink(name);
    const child = await dir.ensureDirectory(name, stats.mode & 0o7777);
    try {
      await child.handle.chmod(stats.mode & 0o7777);
      await child.handle.chown(stats.uid, stats.gid);
      for (const entry of await readdir(hostPath)) {
        const entryPath = path.join(hostPath, entry);
        await copyEntryIn(entryPath, await lstat(entryPath), { dir: child, name: entry });
      }
    } finally {
      await child.close();
    }
    return;
  }
  if (existing?.isDirectory()) {
    throw new MachineRuntimeError('Invalid', `cannot copy ${hostPath} over the directory ${path.posix.join(dir.machinePath, name)} in the machine`);
  }
  if (stats.isSymbolicLink()) {
    if (existing) await dir.unlink(name);
    await dir.symlink(name, await readlink(hostPath));
    return;
  }
  if (!stats.isFile()) throw new MachineRuntimeError('Invalid', `cannot copy ${hostPath}: only files, directories and links are copied`);
  if (existing?.isSymbolicLink()) await dir.unlink(name);
  const file = await dir.openFile(name, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, stats.mode & 0o7777);
  await file.chown(stats.uid, stats.gid);
  await file.chmod(stats.mode & 0o7777);
  await pipeline(createReadStream(hostPath), file.createWriteStream());
}

/**
 * Copies `machineSource` (a file, link or directory in the machine; links on the way resolved
 * inside the machine) to `hostDest` (into it when it is an existing directory).
 */
export async function copyOutOfMachine(rootfs: string, machineSource: string, hostDest: string): Promise<void> {
  const components = await resolveInRoot(rootfs, machineSource);
  const hostIsDirectory = (await stat(hostDest).catch(() => undefined))?.isDirectory() ?? false;
  if (components.length === 0) {
    const root = await ConfinedDirectory.openRoot(rootfs);
    try {
      await copyDirectoryOut(root, await root.handle.stat(), hostDest);
    } finally {
      await root.close();
    }
    return;
  }
  const parent = await ConfinedDirectory.openComponents(rootfs, components.slice(0, -1));
  try {
    const name = components[components.length - 1];
    const stats = await parent.lstat(name);
    if (!stats) throw new MachineRuntimeError('NotFound', `cannot copy ${machineSource} out of the machine: it does not exist there`);
    await copyEntryOut(parent, name, stats, hostIsDirectory ? path.join(hostDest, name) : hostDest);
  } finally {
    await parent.close();
  }
}

async function copyEntryOut(dir: ConfinedDirectory, name: string, stats: Stats, hostPath: string): Promise<void> {
  if (stats.isDirectory()) {
    const child = await dir.openDirectory(name);
    try {
      await copyDirectoryOut(child, stats, hostPath);
    } finally {
      await child.close();
    }
    return;
  }
  const existing = await lstat(hostPath).catch(() => undefined);
  if (existing?.isDirectory()) throw new MachineRuntimeError('Invalid', `cannot copy ${path.posix.join(dir.machinePath, name)} over the host directory ${hostPath}`);
  if (stats.isSymbolicLink()) {
    if (existing) await unlink(hostPath);
    await symlink(await dir.readlink(name), hostPath);
    await lchown(hostPath, stats.uid, stats.gid);
    return;
  }
  if (!stats.isFile()) return;
  const source = await dir.openFile(name, constants.O_RDONLY);
  // O_NOFOLLOW: a link already at the destination is not written through.
  if (existing?.isSymbolicLink()) await unlink(hostPath);
  const destination = await open(hostPath, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, stats.mode & 0o7777).catch(async (error) => {
    await source.close();
    throw error;
  });
  await destination.chown(stats.uid, stats.gid);
  await destination.chmod(stats.mode & 0o7777);
  await pipeline(source.createReadStream(), destination.createWriteStream());
}

async function copyDirectoryOut(dir: ConfinedDirectory, stats: Stats, hostPath: string): Promise<void> {
  await mkdir(hostPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  if (!(await lstat(hostPath)).isDirectory()) throw new MachineRuntimeError('Invalid', `cannot copy the directory ${dir.machinePath} over the host file ${hostPath}`);
  for (const entry of await dir.entries()) {
    const entryStats = await dir.lstat(entry);
    if (entryStats) await copyEntryOut(dir, entry, entryStats, path.join(hostPath, entry));
  }
  await chown(hostPath, stats.uid, stats.gid);
  await chmod(hostPath, stats.mode & 0o7777);
}
