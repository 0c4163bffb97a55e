// Paths inside a machine's root filesystem, seen from the host. The machine controls its files
// and may plant symlinks anywhere, so a host-side reader or writer must resolve links as the
// machine would (against its root, like chroot) and must never be led outside that root, even if
// the machine swaps a directory for a link while we work. Paths are resolved component by
// component from the root, each directory opened without following links, and every further
// step goes through the open directory (/proc/self/fd/N/NAME acts like openat(2)).
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, symlink, unlink, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { MachineRuntimeError } from './machine-runtime-error.ts';

const MAX_SYMLINKS = 40;

/** A directory inside a machine's root, held open; its children are reached only through it. */
export class ConfinedDirectory {
  readonly root: string;
  readonly handle: FileHandle;
  /** Where the directory is inside the machine (for messages). */
  readonly machinePath: string;

  private constructor(root: string, handle: FileHandle, machinePath: string) {
    this.root = root;
    this.handle = handle;
    this.machinePath = machinePath;
  }

  /** Opens the machine's root directory itself. */
  static async openRoot(rootfs: string): Promise<ConfinedDirectory> {
    const root = await realpath(rootfs);
    const handle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
    return new ConfinedDirectory(root, handle, '/');
  }

  /**
   * Opens the directory at `components` (already resolved, link-free names) below the root; with
   * `create`, missing directories on the way are made with `mode`.
   */
  static async openComponents(rootfs: string, components: string[], options: { create?: boolean; mode?: number } = {}): Promise<ConfinedDirectory> {
    let current = await ConfinedDirectory.openRoot(rootfs);
    for (const name of components) {
      const next = await (options.create ? current.ensureDirectory(name, options.mode) : current.openDirectory(name)).finally(() => current.close());
      current = next;
    }
    return current;
  }

  private at(name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
      throw new MachineRuntimeError('Unsafe', `refusing the file name ${JSON.stringify(name)} inside the machine`);
    }
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  private childPath(name: string): string {
    return path.posix.join(this.machinePath, name);
  }

  async openDirectory(name: string): Promise<ConfinedDirectory> {
    const handle = await open(this.at(name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch((error) => {
      throw confinedError(error, this.childPath(name), 'open the directory');
    });
    const child = new ConfinedDirectory(this.root, handle, this.childPath(name));
    await child.checkInsideRoot().catch(async (error) => { await child.close(); throw error; });
    return child;
  }

  /** Opens a file below this directory, never through a link (O_NOFOLLOW is always added). */
  async openFile(name: string, flags: number, mode = 0o644): Promise<FileHandle> {
    const handle = await open(this.at(name), flags | constants.O_NOFOLLOW, mode).catch((error) => {
      throw confinedError(error, this.childPath(name), 'open');
    });
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw new MachineRuntimeError('Unsafe', `${this.childPath(name)} in the machine is not a regular file`);
    }
    return handle;
  }

  /** Creates a directory unless one is there; refuses anything else in its place. */
  async ensureDirectory(name: string, mode = 0o755): Promise<ConfinedDirectory> {
    await mkdir(this.at(name), { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw confinedError(error, this.childPath(name), 'create the directory');
    });
    return this.openDirectory(name);
  }

  /** The entry's own status (a link is reported as a link), or undefined when absent. */
  async lstat(name: string): Promise<Stats | undefined> {
    return lstat(this.at(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw confinedError(error, this.childPath(name), 'inspect');
    });
  }

  async entries(): Promise<string[]> {
    return readdir(`/proc/self/fd/${this.handle.fd}`);
  }

  async readlink(name: string): Promise<string> {
    return readlink(this.at(name));
  }

  async symlink(name: string, target: string): Promise<void> {
    await symlink(target, this.at(name));
  }

  /** Removes a file or link (never a directory). */
  async unlink(name: string): Promise<void> {
    await unlink(this.at(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw confinedError(error, this.childPath(name), 'remove');
    });
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => {});
  }

  private async checkInsideRoot(): Promise<void> {
    const actual = await readlink(`/proc/self/fd/${this.handle.fd}`);
    if (actual !== this.root && !actual.startsWith(`${this.root}/`)) {
      throw new MachineRuntimeError('Unsafe', `${this.machinePath} in the machine leads outside its root filesystem (to ${actual}): refusing`);
    }
  }
}

function confinedError(error: NodeJS.ErrnoException, machinePath: string, action: string): Error {
  if (error.code === 'ELOOP') return new MachineRuntimeError('Unsafe', `cannot ${action} ${machinePath} in the machine: it is a symbolic link there, which is not followed from the host`);
  if (error.code === 'ENOENT') return new MachineRuntimeError('NotFound', `cannot ${action} ${machinePath} in the machine: it does not exist`);
  if (error.code === 'ENOTDIR') return new MachineRuntimeError('Invalid', `cannot ${action} ${machinePath} in the machine: a part of it is not a directory`);
  return new MachineRuntimeError('Command', `cannot ${action} ${machinePath} in the machine: ${error.message}`, { cause: error });
}

/**
 * Resolves `machinePath` as the machine sees it: '..' stops at the root and links are followed
 * relative to the root. Returns the link-free names below the root; names past the first missing
 * one are kept as written, so a path to be created resolves too.
 */
export async function resolveInRoot(rootfs: string, machinePath: string): Promise<string[]> {
  if (typeof machinePath !== 'string' || !machinePath.startsWith('/') || machinePath.includes('\0')) {
    throw new MachineRuntimeError('Invalid', `machine path ${JSON.stringify(machinePath)} must be absolute (start with /)`);
  }
  const root = await realpath(rootfs);
  const resolved: string[] = [];
  const pending = machinePath.split('/').filter(Boolean);
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') { resolved.pop(); continue; }
    if (!missing) {
      const here = path.join(root, ...resolved, name);
      const stats = await lstat(here).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (!stats) missing = true;
      else if (stats.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) throw new MachineRuntimeError('Invalid', `${machinePath} in the machine has too many levels of symbolic links`);
        const target = await readlink(here);
        if (target.startsWith('/')) resolved.length = 0;
        pending.unshift(...target.split('/').filter(Boolean));
        continue;
      }
    }
    resolved.push(name);
  }
  return resolved;
}
