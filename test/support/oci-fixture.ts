// Test images made from directory trees: layers tarred by GNU tar (so whiteout files, devices,
// owners and xattrs are exactly as written), compressed with gzip, zstd or not at all, written as an
// OCI image layout, and pushed or converted by skopeo.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { sha256 } from '../../src/machines/images/digest.ts';
import { mediaTypes } from '../../src/machines/images/manifest.ts';

const exec = promisify(execFile);

export type Compression = 'gzip' | 'zstd' | 'none';

export interface FixtureLayer {
  mediaType: string;
  digest: string;
  diffID: string;
  size: number;
  bytes: Buffer;
}

export interface FixtureImage {
  layers: FixtureLayer[];
  architecture?: string;
  /** The config's "config" object (Entrypoint, Cmd, …). */
  config?: Record<string, unknown>;
  /** Replaces the true diff_ids, to make an image whose config lies about its layers. */
  diffIDs?: string[];
}

export interface WrittenImage {
  manifestDigest: string;
  configDigest: string;
}

export interface WrittenEntry {
  /** What index.json points at: the manifest, or the index of a multi-platform entry. */
  digest: string;
  images: WrittenImage[];
}

export async function layerFromTree(dir: string, compression: Compression): Promise<FixtureLayer> {
  // The PAX header names and times are fixed so that one tree always makes the same layer.
  const args = ['--create', '--file=-', `--directory=${dir}`, '--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '.'];
  const { stdout: tar } = await exec('tar', args, { encoding: 'buffer', maxBuffer: 1 << 30 });
  const bytes = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? zstdCompressSync(tar) : tar;
  const mediaType = { gzip: mediaTypes.ociLayerGzip, zstd: mediaTypes.ociLayerZstd, none: mediaTypes.ociLayer }[compression];
  return { mediaType, digest: sha256(bytes), diffID: sha256(tar), size: bytes.length, bytes };
}

async function writeBlob(layout: string, bytes: Uint8Array): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  await mkdir(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  await writeFile(path.join(layout, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { digest, size: bytes.length };
}

async function writeImage(layout: string, image: FixtureImage): Promise<WrittenImage & { size: number; architecture: string }> {
  const architecture = image.architecture ?? 'amd64';
  for (const layer of image.layers) await writeBlob(layout, layer.bytes);
  const config = Buffer.from(JSON.stringify({
    created: '2024-01-02T03:04:05Z',
    architecture,
    os: 'linux',
    config: image.config ?? {},
    rootfs: { type: 'layers', diff_ids: image.diffIDs ?? image.layers.map((l) => l.diffID) },
  }));
  const c = await writeBlob(layout, config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: mediaTypes.ociManifest,
    config: { mediaType: mediaTypes.ociConfig, ...c },
    layers: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  }));
  const m = await writeBlob(layout, manifest);
  return { manifestDigest: m.digest, configDigest: c.digest, size: m.size, architecture };
}

/**
 * Writes an OCI image layout holding one entry per `name` (the ref.name annotation). An entry of
 * several images becomes a multi-platform index.
 */
export async function writeOciLayout(layout: string, entries: { name: string; images: FixtureImage[] }[]): Promise<Map<string, WrittenEntry>> {
  const written = new Map<string, WrittenEntry>();
  const descriptors = [];
  for (const { name, images } of entries) {
    const results = [];
    for (const image of images) results.push(await writeImage(layout, image));
    const annotations = { 'org.opencontainers.image.ref.name': name };
    if (results.length === 1) {
      descriptors.push({ mediaType: mediaTypes.ociManifest, digest: results[0].manifestDigest, size: results[0].size, annotations });
      written.set(name, { digest: results[0].manifestDigest, images: results });
    } else {
      const index = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.ociIndex,
        manifests: results.map((r) => ({ mediaType: mediaTypes.ociManifest, digest: r.manifestDigest, size: r.size, platform: { os: 'linux', architecture: r.architecture } })),
      }));
      const i = await writeBlob(layout, index);
      descriptors.push({ mediaType: mediaTypes.ociIndex, ...i, annotations });
      written.set(name, { digest: i.digest, images: results });
    }
  }
  await writeFile(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(path.join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests: descriptors }));
  return written;
}

export async function skopeo(args: string[]): Promise<void> {
  await exec('skopeo', ['--insecure-policy', ...args], { maxBuffer: 1 << 26 });
}

/** Pushes entry `name` of an OCI layout to a loopback registry. */
export async function push(layout: string, name: string, destination: string, extra: string[] = []): Promise<void> {
  await skopeo(['copy', '--quiet', '--dest-tls-verify=false', ...extra, `oci:${layout}:${name}`, `docker://${destination}`]);
}

export const testImageConfig = {
  Entrypoint: ['/bin/tool'],
  Cmd: ['--serve'],
  Env: ['PATH=/bin', 'GREETING=hi'],
  WorkingDir: '/home/user',
  User: '1234:5678',
  ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
};

/**
 * Three layer trees exercising what unpacking must preserve and convert:
 *   lower: files, an owner, modes with setuid, a symlink, a hardlink, a device, a FIFO, an xattr,
 *          and a directory that claims trusted.overlay.opaque (which must not survive)
 *   upper: OCI whiteouts: a deleted file (.wh.removed) and an opaque directory (.wh..wh..opq)
 *   top:   a file replacing one from below
 */
export async function writeTestTrees(base: string): Promise<{ lower: string; upper: string; top: string }> {
  const lower = path.join(base, 'lower');
  const upper = path.join(base, 'upper');
  const top = path.join(base, 'top');
  for (const d of ['etc', 'bin', 'home/user', 'dev', 'opaque/sub', 'sneaky', 'run']) await mkdir(path.join(lower, d), { recursive: true });
  await chmod(lower, 0o755);
  await writeFile(path.join(lower, 'etc/hello'), 'hello\n');
  await writeFile(path.join(lower, 'etc/removed'), 'to be removed\n');
  await writeFile(path.join(lower, 'opaque/old'), 'old\n');
  await writeFile(path.join(lower, 'opaque/sub/deep'), 'deep\n');
  await writeFile(path.join(lower, 'bin/tool'), '#!/bin/sh\necho tool\n');
  await chmod(path.join(lower, 'bin/tool'), 0o4755);
  await writeFile(path.join(lower, 'home/user/secret'), 'secret\n');
  await chown(path.join(lower, 'home/user/secret'), 1234, 5678);
  await chmod(path.join(lower, 'home/user/secret'), 0o600);
  await chown(path.join(lower, 'home/user'), 1234, 5678);
  await symlink('../etc/hello', path.join(lower, 'bin/hello-link'));
  await link(path.join(lower, 'etc/hello'), path.join(lower, 'etc/hello-hard'));
  await exec('mknod', [path.join(lower, 'dev/zero'), 'c', '1', '5']);
  await exec('mknod', [path.join(lower, 'run/fifo'), 'p']);
  await exec('setfattr', ['-n', 'user.slipway', '-v', 'kept', path.join(lower, 'etc/hello')]);
  await writeFile(path.join(lower, 'sneaky/file'), 'x\n');
  await exec('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(lower, 'sneaky')]);

  for (const d of ['etc', 'opaque']) await mkdir(path.join(upper, d), { recursive: true });
  await chmod(upper, 0o755);
  await writeFile(path.join(upper, 'etc/.wh.removed'), '');
  await writeFile(path.join(upper, 'etc/added'), 'added\n');
  await writeFile(path.join(upper, 'opaque/.wh..wh..opq'), '');
  await writeFile(path.join(upper, 'opaque/new'), 'new\n');

  await mkdir(path.join(top, 'etc'), { recursive: true });
  await chmod(top, 0o755);
  await writeFile(path.join(top, 'etc/hello'), 'hello from the top\n');
  return { lower, upper, top };
}

/** A tree of `files` files of random (incompressible) content, `bytes` each. */
export async function writeRandomTree(dir: string, files: number, bytes: number): Promise<void> {
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await chmod(dir, 0o755);
  for (let i = 0; i < files; i++) await writeFile(path.join(dir, 'data', `f${i}`), randomBytes(bytes));
}
