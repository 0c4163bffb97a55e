// A machine's writable layer: the upper and work directories of its overlay, under <dir>/layer.
// Without a size limit it is a plain directory on the runtime root's filesystem. With one it is a
// sparse ext4 image (<dir>/layer.ext4, taking disk only as it fills) mounted on <dir>/layer through
// a loop device while the overlay is mounted, like Ignite's per-VM overlay file: the machine can
// write no more than the limit, and the host's disk is safe from it.
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import type { MachineDirectory } from './machine-directory.ts';
import { MachineRuntimeError, runtimeTools } from './machine-runtime-error.ts';
import { isMounted, unmountOverlay } from './overlay-rootfs.ts';

async function run(command: string, args: string[], what: string): Promise<void> {
  const result = await runtimeTools.run(command, args);
  if (result.exitCode !== 0) throw new MachineRuntimeError('Command', `${what} failed: ${result.stderr.toString().trim() || `${command} exited ${result.exitCode}`}`);
}

/** Mounts the layer's ext4 image on <dir>/layer (nothing to do without a size limit, or when it is mounted). */
export async function mountWritableLayer(dirs: MachineDirectory, sizeBytes: number | undefined): Promise<void> {
  if (sizeBytes === undefined || (await isMounted(dirs.layer))) return;
  await run('mount', ['-t', 'ext4', '-o', 'loop,nodev', dirs.layerImage, dirs.layer], `mounting the writable layer ${dirs.layerImage}`);
}

/** Unmounts the layer's image (the loop device goes with it); nothing to do when it is not mounted. */
export async function unmountWritableLayer(dirs: MachineDirectory): Promise<void> {
  await unmountOverlay(dirs.layer);
}

/** Makes the layer with empty upper and work directories: a directory, or a fresh image of `sizeBytes`. */
export async function makeWritableLayer(dirs: MachineDirectory, sizeBytes: number | undefined): Promise<void> {
  await mkdir(dirs.layer, { mode: 0o755 });
  if (sizeBytes !== undefined) {
    await writeFile(dirs.layerImage, '', { mode: 0o600, flag: 'wx' });
    await truncate(dirs.layerImage, sizeBytes);
    // No reserved blocks (the machine gets the whole size) and lazy initialisation (a sparse image stays small).
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1', dirs.layerImage], `making the writable layer ${dirs.layerImage}`);
    await mountWritableLayer(dirs, sizeBytes);
  }
  try {
    for (const dir of [dirs.upper, dirs.work]) await mkdir(dir, { mode: 0o755 });
  } finally {
    if (sizeBytes !== undefined) await unmountWritableLayer(dirs);
  }
}
