// Unpacks one layer blob into a directory that can serve as an overlayfs lower dir.
//
// GNU tar (Debian's) does the extraction rather than an npm tar library: as root it restores
// numeric ownership, modes with setuid/setgid bits, hardlinks, symlinks, device nodes, FIFOs and
// extended attributes (file capabilities), which node-tar cannot (Node has no mknod or setxattr),
// and its extraction is hardened against members that climb out with "../" or through symlinks.
// Node decompresses (gzip, or zstd, both in node:zlib) and hashes the uncompressed stream on its
// way into tar, so the layer is checked against the config's diff_id without a second read.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { DigestCounter, feedCounting } from './digest.ts';
import { ImageError, imageTools } from './image-error.ts';
import { convertWhiteouts, type WhiteoutCounts } from './whiteouts.ts';

export type Compression = 'gzip' | 'zstd' | 'none';

/** Recognises compression by magic number: media types lie more often than bytes do. */
export async function detectCompression(file: string): Promise<Compression> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buffer.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await handle.close();
  }
}

export function uncompressed(file: string, compression: Compression): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (compression === 'none') return raw;
  const decompress = compression === 'gzip' ? createGunzip() : createZstdDecompress();
  raw.on('error', (error) => decompress.destroy(error));
  return raw.pipe(decompress);
}

export const tarExtractArgs = (target: string) => [
  '--extract', '--file=-', `--directory=${target}`,
  '--numeric-owner', '--same-owner', '--preserve-permissions',
  '--xattrs', '--xattrs-include=*',
  // overlayfs reads its own trusted.overlay.* attributes from lower dirs: a layer must not set them.
  '--xattrs-exclude=trusted.overlay.*',
  '--warning=no-unknown-keyword', '--warning=no-timestamp',
];

/**
 * Unpacks `blob` into the existing empty directory `target`, converts OCI whiteouts to overlayfs
 * form, and checks the uncompressed content against `diffID`. On failure `target` is left for the
 * caller to remove.
 */
export async function unpackLayer(blob: string, target: string, diffID: string): Promise<WhiteoutCounts> {
  const counter = new DigestCounter();
  const source = uncompressed(blob, await detectCompression(blob));
  try {
    await imageTools.output('tar', tarExtractArgs(target), { stdin: (stdin) => feedCounting(source, stdin, counter) });
  } catch (error) {
    source.destroy();
    if (error instanceof ImageError) throw error;
    throw new ImageError('Invalid', `layer ${diffID} could not be read or decompressed: ${(error as Error).message}`, { cause: error });
  }
  const actual = counter.digest();
  if (actual !== diffID) {
    throw new ImageError('DigestMismatch', `layer content does not match the image config's diff_id: expected ${diffID}, got ${actual}; the layer is corrupt or does not belong to this image`);
  }
  return convertWhiteouts(target);
}
