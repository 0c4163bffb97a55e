// The machine's root filesystem: the image's read-only lower directories under one persistent
// upper directory, joined by overlayfs. Mounting and unmounting are idempotent and read the
// mount table first, so a mount left behind by a crash is reused or removed rather than stacked.
import path from 'node:path';
import { MachineRuntimeError, runtimeTools } from './machine-runtime-error.ts';
import { mountCount } from './mountinfo.ts';

export interface OverlayLayout {
  /** Image layer directories, top (most recent) first, as overlayfs wants them. */
  lowerDirs: string[];
  upperDir: string;
  workDir: string;
  target: string;
}

/** The kernel reads mount options from one page; past this the lower directories go relative. */
const MAX_MOUNT_OPTIONS = 4000;

/** overlayfs separates its options with ',' and lower directories with ':'. */
export function overlayPathProblem(dir: string): string | undefined {
  if (!path.isAbsolute(dir)) return `${JSON.stringify(dir)} is not an absolute path`;
  if (/[,:\\\n]/.test(dir)) return `${JSON.stringify(dir)} contains ',', ':', '\\' or a newline, which overlayfs cannot take`;
  return undefined;
}

export async function isMounted(target: string): Promise<boolean> {
  return (await mountCount(path.resolve(target))) > 0;
}

/** Mounts the overlay on `target` unless something is already mounted there. */
export async function mountOverlay(layout: OverlayLayout): Promise<void> {
  const target = path.resolve(layout.target);
  if (await isMounted(target)) return;
  if (layout.lowerDirs.length === 0) throw new MachineRuntimeError('Invalid', 'cannot mount a root filesystem without lower directories: the image has no layers');
  for (const dir of [...layout.lowerDirs, layout.upperDir, layout.workDir]) {
    const problem = overlayPathProblem(dir);
    if (problem) throw new MachineRuntimeError('Invalid', `cannot mount the root filesystem: ${problem}`);
  }
  let lowers = layout.lowerDirs;
  let cwd: string | undefined;
  if (options(lowers, layout).length > MAX_MOUNT_OPTIONS) {
    // Many layers: name them relative to their common parent, as container engines do.
    cwd = commonParent(lowers);
    lowers = lowers.map((dir) => path.relative(cwd!, dir) || '.');
  }
  const result = await runtimeTools.run('mount', ['-t', 'overlay', 'overlay', '-o', options(lowers, layout), target], { cwd });
  if (result.exitCode !== 0) {
    throw new MachineRuntimeError('Command', `mounting the root filesystem on ${target} failed: ${result.stderr.toString().trim() || `mount exited ${result.exitCode}`}`);
  }
}

/** Unmounts everything stacked on `target`; fails (rather than leaving a mount behind) if one stays busy. */
export async function unmountOverlay(target: string): Promise<void> {
  const mountPoint = path.resolve(target);
  while (await isMounted(mountPoint)) {
    const result = await runtimeTools.run('umount', [mountPoint]);
    if (result.exitCode !== 0 && (await isMounted(mountPoint))) {
      throw new MachineRuntimeError(
        'Command',
        `unmounting the root filesystem ${mountPoint} failed: ${result.stderr.toString().trim() || `umount exited ${result.exitCode}`}; a process may still use it (check with fuser -m ${mountPoint})`,
      );
    }
  }
}

function options(lowers: string[], layout: OverlayLayout): string {
  return `lowerdir=${lowers.join(':')},upperdir=${layout.upperDir},workdir=${layout.workDir}`;
}

function commonParent(dirs: string[]): string {
  let parent = path.dirname(dirs[0]);
  while (!dirs.every((dir) => dir.startsWith(parent === '/' ? '/' : `${parent}/`))) parent = path.dirname(parent);
  return parent;
}
