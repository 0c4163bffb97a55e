// Builds a Debian image from scratch: debootstrap (variant minbase, plus the packages asked for)
// into a temporary root filesystem inside the store, packed as a one-layer OCI image (tar + gzip)
// with a config of sane defaults. The root filesystem itself becomes the unpacked layer, so the
// image is ready to run without unpacking what was just packed. Nothing is cached outside the store.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import { DigestCounter, feedCounting, sha256 } from './digest.ts';
import { ImageError, imageTools } from './image-error.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { mediaTypes, type RunConfig } from './manifest.ts';
import { mountsBelow, removeTree } from './mounts.ts';
import { parseReference, formatReference } from './reference.ts';

export interface BuildOptions {
  /** Debian suite (default "bookworm"). */
  suite?: string;
  /** Packages to install beyond minbase. */
  packages?: string[];
  /** Debian mirror (default Debian's own redirector). */
  mirror?: string;
  /** Overrides of the default run config (Cmd /bin/bash, the standard PATH). */
  config?: Partial<Omit<RunConfig, 'exposedPorts'>> & { exposedPorts?: string[] };
  /** debootstrap's progress lines. */
  onLog?: (line: string) => void;
}

const defaultMirror = 'http://deb.debian.org/debian';
const suitePattern = /^[a-z][a-z0-9-]{0,31}$/;
// Debian policy: lowercase letters, digits, + - . ; at least two characters, starting alphanumeric.
const packagePattern = /^[a-z0-9][a-z0-9+.-]{1,62}$/;
const debianArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };

export async function buildImage(store: ImageStore, name: string, options: BuildOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(name);
  if (ref.digest) throw new ImageError('InvalidReference', `cannot build ${name}: a built image is named by tag, not by digest`);
  const reference = formatReference(ref);
  const suite = options.suite ?? 'bookworm';
  if (!suitePattern.test(suite)) throw new ImageError('Invalid', `cannot build ${reference}: "${suite}" is not a Debian suite name (e.g. bookworm)`);
  const packages = options.packages ?? [];
  const badPackage = packages.find((p) => typeof p !== 'string' || !packagePattern.test(p));
  if (badPackage !== undefined) throw new ImageError('Invalid', `cannot build ${reference}: "${badPackage}" is not a Debian package name`);
  const mirror = options.mirror ?? defaultMirror;
  if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~\/-]*)?$/.test(mirror)) throw new ImageError('Invalid', `cannot build ${reference}: mirror "${mirror}" is not an http(s) URL`);
  const architecture = debianArch[process.arch];
  if (!architecture) throw new ImageError('Unsupported', `cannot build ${reference}: no Debian architecture for ${process.arch}`);

  const rootfs = await store.layers.newTempDir();
  try {
    const debootstrap = ['--variant=minbase', `--arch=${architecture}`, ...(packages.length ? [`--include=${packages.join(',')}`] : []), suite, rootfs, mirror];
    await imageTools.output('debootstrap', debootstrap, { onLine: options.onLog, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // debootstrap unmounts what it mounted when it succeeds; should anything remain, it must not be packed.
    for (const point of await mountsBelow(rootfs)) await imageTools.output('umount', ['--lazy', '--', point]);
    // Package lists are stale the moment the image is stored; apt update fetches fresh ones.
    await rm(path.join(rootfs, 'var', 'lib', 'apt', 'lists'), { recursive: true, force: true });
    await rm(path.join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });

    return await store.transaction(async (pin) => {
      const { digest, size, diffID } = await packLayer(store, rootfs);
      pin(digest, diffID);
      await store.layers.adopt(diffID, rootfs);
      const created = new Date().toISOString();
      const c = options.config ?? {};
      const config = Buffer.from(JSON.stringify({
        created,
        architecture,
        os: 'linux',
        config: {
          Env: c.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
          Cmd: c.cmd ?? ['/bin/bash'],
          ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}),
          WorkingDir: c.workingDir ?? '/',
          ...(c.user ? { User: c.user } : {}),
          ...(c.exposedPorts ? { ExposedPorts: Object.fromEntries(c.exposedPorts.map((p) => [p, {}])) } : {}),
          ...(c.labels ? { Labels: c.labels } : {}),
          ...(c.stopSignal ? { StopSignal: c.stopSignal } : {}),
        },
        rootfs: { type: 'layers', diff_ids: [diffID] },
        history: [{ created, created_by: `debootstrap ${debootstrap.slice(0, -2).join(' ')}` }],
      }));
      const manifest = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: mediaTypes.ociManifest,
        config: { mediaType: mediaTypes.ociConfig, digest: sha256(config), size: config.length },
        layers: [{ mediaType: mediaTypes.ociLayerGzip, digest, size }],
      }));
      pin(sha256(config), sha256(manifest));
      return store.addImage({ reference, manifest, config });
    });
  } finally {
    await removeTree(rootfs);
  }
}

/** tar + gzip of the tree into a blob, hashing the tar on the way for the diff_id. */
async function packLayer(store: ImageStore, rootfs: string): Promise<{ digest: string; size: number; diffID: string }> {
  const tarred = new DigestCounter();
  const gzip = createGzip();
  const stored = store.blobs.write(gzip, {}, 'the built layer');
  const args = ['--create', '--file=-', `--directory=${rootfs}`, '--numeric-owner', '--xattrs', '--xattrs-include=*', '--sort=name', '.'];
  const packed = imageTools.output('tar', args, { consume: (stdout) => feedCounting(stdout as AsyncIterable<Buffer>, gzip, tarred) }).catch((error) => {
    gzip.destroy(error);
    throw error;
  });
  const [, { digest, size }] = await Promise.all([packed, stored]);
  return { digest, size, diffID: tarred.digest() };
}
