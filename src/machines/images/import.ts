// Imports images from files: a docker-archive tarball (what `docker save` and
// `skopeo copy … docker-archive:` write: manifest.json, configs, layer tars) or an OCI image layout
// (oci-layout, index.json, blobs/), as a directory or a tarball. Every blob is hashed on its way into
// the store; the archive's names become the references unless one is given.
import { mkdir, mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from './digest.ts';
import { ImageError, imageTools } from './image-error.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { detectCompression } from './layer-unpack.ts';
import { defaultPlatform, mediaTypes, parseImageConfig, parseManifestDocument, selectPlatform, type Descriptor, type Platform } from './manifest.ts';
import { normalizeReference, parseReference } from './reference.ts';
import { pathExists } from '../path-exists.ts';

export interface ImportOptions {
  /**
   * The reference to store the image as. Required when the archive does not name its image; when
   * the archive holds several, picks the one whose name or tag matches.
   */
  reference?: string;
  /** Which image of a multi-platform OCI index; linux/amd64 by default. */
  platform?: Platform;
  /** Unpack the layers now (default) rather than on first use. */
  unpack?: boolean;
}

interface Candidate {
  /** The archive's own name for the image, if it has a full one. */
  names: string[];
  /** Bare tag or other label the archive gives it, for matching and messages. */
  label: string;
  load: () => Promise<{ manifest: Buffer; config: Buffer; indexDigest?: string }>;
}

type Pin = (...digests: string[]) => void;

const layerMediaType = { gzip: mediaTypes.ociLayerGzip, zstd: mediaTypes.ociLayerZstd, none: mediaTypes.ociLayer } as const;

/** Imports every image the archive holds (or the one `reference` picks); returns their records. */
export async function importImage(store: ImageStore, source: string, options: ImportOptions = {}): Promise<ImageRecord[]> {
  const wanted = options.reference === undefined ? undefined : normalizeReference(options.reference);
  const info = await stat(source).catch((error: NodeJS.ErrnoException) => {
    throw new ImageError('NotFound', `cannot import ${source}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`);
  });
  let unpacked: string | undefined;
  try {
    let dir = source;
    if (!info.isDirectory()) {
      await mkdir(store.tempDir, { recursive: true });
      unpacked = await mkdtemp(path.join(store.tempDir, `import-${process.pid}-`));
      // Only regular files and links matter here; ownership and modes of an untrusted archive do not.
      await imageTools.output('tar', ['--extract', `--file=${path.resolve(source)}`, `--directory=${unpacked}`, '--no-same-owner', '--no-same-permissions'])
        .catch((error: Error) => { throw new ImageError('Invalid', `cannot import ${source}: it is not a readable tar archive (${error.message})`); });
      dir = unpacked;
    }
    const root = await realpath(dir);
    const has = (name: string) => pathExists(path.join(root, name));
    return await store.transaction(async (pin) => {
      let candidates: Candidate[];
      if ((await has('oci-layout')) && (await has('index.json'))) candidates = await ociLayout(store, root, options.platform ?? defaultPlatform, pin);
      else if (await has('manifest.json')) candidates = await dockerArchive(store, root, pin);
      else throw new ImageError('Invalid', `cannot import ${source}: it is neither a docker-archive (no manifest.json) nor an OCI image layout (no oci-layout and index.json)`);
      const records: ImageRecord[] = [];
      for (const { candidate, names } of choose(candidates, wanted, source)) {
        const image = await candidate.load();
        for (const reference of names) records.push(await store.addImage({ reference, ...image, unpack: options.unpack }));
      }
      return records;
    });
  } finally {
    if (unpacked) await rm(unpacked, { recursive: true, force: true });
  }
}

function choose(candidates: Candidate[], wanted: string | undefined, source: string): { candidate: Candidate; names: string[] }[] {
  if (candidates.length === 0) throw new ImageError('Invalid', `cannot import ${source}: the archive holds no image`);
  if (wanted !== undefined) {
    if (candidates.length === 1) return [{ candidate: candidates[0], names: [wanted] }];
    const tag = parseReference(wanted).tag;
    const matches = candidates.filter((c) => c.names.includes(wanted) || c.label === tag);
    if (matches.length !== 1) {
      throw new ImageError('Invalid', `cannot import ${source} as ${wanted}: the archive holds ${candidates.length} images (${candidates.map((c) => c.label).join(', ')}) and ${matches.length === 0 ? 'none' : 'more than one'} matches that name or tag`);
    }
    return [{ candidate: matches[0], names: [wanted] }];
  }
  const unnamed = candidates.find((c) => c.names.length === 0);
  if (unnamed) throw new ImageError('Invalid', `cannot import ${source}: the archive does not name its image ${unnamed.label ? `(it has only "${unnamed.label}")` : ''}: give a reference to import it as`);
  return candidates.map((candidate) => ({ candidate, names: candidate.names }));
}

/** A path the archive names, resolved inside the archive: links may not lead out of it. */
async function inside(root: string, name: unknown, what: string): Promise<string> {
  if (typeof name !== 'string' || name === '') throw new ImageError('Invalid', `${what} is not named in the archive`);
  const resolved = await realpath(path.join(root, name)).catch(() => {
    throw new ImageError('Invalid', `${what} "${name}" is missing from the archive`);
  });
  if (!resolved.startsWith(root + path.sep)) throw new ImageError('Invalid', `${what} "${name}" points outside the archive`);
  return resolved;
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ImageError('Invalid', `${what} is not valid JSON: ${(error as Error).message}`);
  }
}

async function dockerArchive(store: ImageStore, root: string, pin: Pin): Promise<Candidate[]> {
  const entries = await readJson(path.join(root, 'manifest.json'), 'the archive\'s manifest.json');
  if (!Array.isArray(entries)) throw new ImageError('Invalid', 'the archive\'s manifest.json is not a list of images');
  return entries.map((entry: { Config?: unknown; RepoTags?: unknown; Layers?: unknown }, i: number) => {
    const tags = Array.isArray(entry?.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    return {
      names: tags.map((t) => normalizeReference(t)),
      label: tags[0] ?? `image ${i + 1}`,
      load: async () => {
        const configBytes = await readFile(await inside(root, entry.Config, `config of image ${i + 1}`));
        const config = parseImageConfig(configBytes, `config of image ${i + 1} in the archive`);
        const files = Array.isArray(entry.Layers) ? entry.Layers : [];
        if (files.length !== config.rootfs.diff_ids.length) {
          throw new ImageError('Invalid', `image ${i + 1} in the archive lists ${files.length} layers but its config has ${config.rootfs.diff_ids.length} diff_ids`);
        }
        const layers: Descriptor[] = [];
        for (const [n, name] of files.entries()) {
          const file = await inside(root, name, `layer ${n + 1} of image ${i + 1}`);
          const compression = await detectCompression(file);
          const diffID = config.rootfs.diff_ids[n];
          pin(diffID);
          const { digest, size } = await store.blobs.writeFile(file, compression === 'none' ? { digest: diffID } : {}, `layer ${n + 1} (${name}) of image ${i + 1}`);
          pin(digest);
          layers.push({ mediaType: layerMediaType[compression], digest, size });
        }
        const configDigest = sha256(configBytes);
        pin(configDigest);
        const manifest = Buffer.from(JSON.stringify({
          schemaVersion: 2,
          mediaType: mediaTypes.ociManifest,
          config: { mediaType: mediaTypes.ociConfig, digest: configDigest, size: configBytes.length },
          layers,
        }));
        pin(sha256(manifest));
        return { manifest, config: configBytes };
      },
    };
  });
}

async function ociLayout(store: ImageStore, root: string, platform: Platform, pin: Pin): Promise<Candidate[]> {
  const blob = async (descriptor: Descriptor, what: string): Promise<Buffer> => {
    const file = await inside(root, path.join('blobs', 'sha256', descriptor.digest.slice('sha256:'.length)), what);
    const bytes = await readFile(file);
    if (sha256(bytes) !== descriptor.digest || bytes.length !== descriptor.size) throw new ImageError('DigestMismatch', `${what} in the layout does not match its digest ${descriptor.digest}`);
    pin(descriptor.digest);
    return bytes;
  };
  const index = parseManifestDocument(await readFile(path.join(root, 'index.json')), undefined, 'the layout\'s index.json');
  if (index.kind !== 'index') throw new ImageError('Invalid', 'the layout\'s index.json is not an image index');
  return index.index.manifests.map((entry, i) => {
    const refName = entry.annotations?.['org.opencontainers.image.ref.name'] ?? '';
    const fullName = entry.annotations?.['io.containerd.image.name'] ?? (refName.includes('/') ? refName : undefined);
    return {
      names: fullName ? [normalizeReference(fullName)] : [],
      label: refName || fullName || `entry ${i + 1}`,
      load: async () => {
        const what = `image ${refName || i + 1} of the layout`;
        let bytes = await blob(entry, what);
        let document = parseManifestDocument(bytes, entry.mediaType, what);
        let indexDigest: string | undefined;
        for (let depth = 0; document.kind === 'index'; depth++) {
          if (depth === 3) throw new ImageError('Unsupported', `${what} nests indexes more than 3 deep`);
          if (depth === 0) {
            indexDigest = entry.digest;
            await store.blobs.writeBytes(bytes, { digest: entry.digest }, what);
          }
          const chosen = selectPlatform(document.index, platform, what);
          bytes = await blob(chosen, what);
          document = parseManifestDocument(bytes, chosen.mediaType, what);
        }
        const config = await blob(document.manifest.config, `config of ${what}`);
        const diffIDs = parseImageConfig(config, `config of ${what}`).rootfs.diff_ids;
        pin(...diffIDs);
        for (const layer of document.manifest.layers) {
          const file = await inside(root, path.join('blobs', 'sha256', layer.digest.slice('sha256:'.length)), `layer ${layer.digest} of ${what}`);
          pin(layer.digest);
          if (!(await store.blobs.has(layer.digest))) await store.blobs.writeFile(file, { digest: layer.digest, size: layer.size }, `layer ${layer.digest} of ${what}`);
        }
        return { manifest: bytes, config, indexDigest };
      },
    };
  });
}
