// Removing a directory tree that a tool may have left mounts in. debootstrap mounts /proc and /sys
// (and may bind /dev) inside its target; if it dies, a plain recursive delete would walk into the
// host's /proc or /dev. So: unmount everything below the tree first, deepest first, then delete
// without crossing into any filesystem that is still mounted there.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { imageTools } from './image-error.ts';

/** Mount points at or below `dir`, deepest first. */
export async function mountsBelow(dir: string): Promise<string[]> {
  const root = path.resolve(dir);
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info.split('\n').filter(Boolean).map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  return points.filter((p) => p === root || p.startsWith(root + path.sep)).sort((a, b) => b.length - a.length);
}

export async function removeTree(dir: string): Promise<void> {
  for (const point of await mountsBelow(dir)) await imageTools.output('umount', ['--lazy', '--', point]);
  await imageTools.output('rm', ['--recursive', '--force', '--one-file-system', '--', dir]);
}
