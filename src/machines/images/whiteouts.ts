// OCI layers mark deletions with files; overlayfs marks them in the filesystem. After a layer is
// unpacked into its own directory, each marker is converted so the directory works as a lower dir:
//   DIR/.wh.NAME      → DIR/NAME as a character device 0/0 (overlayfs' whiteout)
//   DIR/.wh..wh..opq  → xattr trusted.overlay.opaque=y on DIR (hides everything below DIR)
// Node has neither mknod nor setxattr, so coreutils' mknod and attr's setfattr do those two steps.
import { lstat, rm } from 'node:fs/promises';
import path from 'node:path';
import { imageTools } from './image-error.ts';

const prefix = '.wh.';
const opaqueMarker = '.wh..wh..opq';

export interface WhiteoutCounts {
  whiteouts: number;
  opaqueDirs: number;
}

export async function convertWhiteouts(layerDir: string): Promise<WhiteoutCounts> {
  // find does the walk: a Debian layer holds tens of thousands of entries, and this runs per layer.
  const listed = await imageTools.output('find', [layerDir, '-name', `${prefix}*`, '-print0']);
  const markers = listed.toString('utf8').split('\0').filter((p) => p.startsWith(layerDir + path.sep));
  const opaqueDirs: string[] = [];
  let whiteouts = 0;
  for (const marker of markers) {
    const dir = path.dirname(marker);
    const base = path.basename(marker);
    await rm(marker, { force: true, recursive: true });
    if (base === opaqueMarker) {
      opaqueDirs.push(dir);
    } else if (!base.startsWith(`${prefix}${prefix}`)) {
      const target = path.join(dir, base.slice(prefix.length));
      // An entry of the same name in this very layer already hides the lower one (OCI: a whiteout
      // applies only to lower layers), so it stays.
      if (await lstat(target).then(() => false, () => true)) {
        await imageTools.output('mknod', ['--', target, 'c', '0', '0']);
        whiteouts++;
      }
    }
    // Other ".wh..wh." names are AUFS bookkeeping (e.g. .wh..wh.plnk) with no meaning in overlayfs.
  }
  if (opaqueDirs.length > 0) {
    await imageTools.output('setfattr', ['--no-dereference', '--name=trusted.overlay.opaque', '--value=y', '--', ...opaqueDirs]);
  }
  return { whiteouts, opaqueDirs: opaqueDirs.length };
}
