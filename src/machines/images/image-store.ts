// The image store on disk under one root directory:
//   blobs/sha256/<hex>     manifests, configs and layer blobs, stored once (blob-store.ts)
//   layers/sha256/<hex>    each layer unpacked once, by diff_id (layer-store.ts)
//   images/<hex>.json      one record per reference (hex = sha256 of the canonical reference)
//   tmp/                   work in progress; names carry the writer's pid so leftovers of a dead
//                          process are recognised and removed when a store is opened
// Every file becomes visible by rename when it is complete. Pulls, imports and builds write blobs
// first and the record last, so a record always names content that is there.
//
// One process should own a store (Slipway's daemon): the in-process lock and pins below keep a
// removal from deleting what a concurrent pull in the same process is about to use.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from './digest.ts';
import { ImageError } from './image-error.ts';
import { LayerStore } from './layer-store.ts';
import { BlobStore } from './blob-store.ts';
import { parseImageConfig, parseManifestDocument, runConfigOf, type ImageManifest, type Platform, type RunConfig } from './manifest.ts';
import { removeTree } from './mounts.ts';
import { normalizeReference } from './reference.ts';

export interface LayerRecord {
  /** Digest of the blob as stored (compressed or not). */
  digest: string;
  /** Digest of the uncompressed tar (the config's rootfs.diff_ids entry); names the unpacked directory. */
  diffID: string;
  mediaType: string;
  size: number;
}

export interface ImageRecord {
  /** Canonical reference, e.g. "docker.io/library/debian:bookworm". */
  reference: string;
  /** What the reference resolves to: the manifest, or the index it was picked from. */
  digest: string;
  /** The platform's image manifest. */
  manifestDigest: string;
  /** The config digest: the image's identity, shared by every reference to the same image. */
  id: string;
  platform: Platform;
  /** The config's creation time, if it has one. */
  created?: string;
  /** When this record was written. */
  stored: string;
  /** Bytes stored for the image: manifest, config and layer blobs. */
  size: number;
  /** Bottom layer first, as in the manifest. */
  layers: LayerRecord[];
  config: RunConfig;
}

export interface ImageLayers {
  /** Unpacked layer directories in overlayfs lowerdir order: the top layer first. */
  lowerDirs: string[];
  config: RunConfig;
}

export interface NewImage {
  reference: string;
  manifest: Uint8Array;
  config: Uint8Array;
  /** The index the manifest was picked from, when there was one (already stored as a blob). */
  indexDigest?: string;
  /** Unpack the layers now (default) rather than on first use. */
  unpack?: boolean;
}

export interface RemoveOptions {
  /** Asked before removing; a true answer refuses the removal unless `force`. */
  inUse?: (image: ImageRecord) => boolean | Promise<boolean>;
  force?: boolean;
}

export interface RemovedImage {
  image: ImageRecord;
  /** Blobs and unpacked layers deleted because no other image uses them. */
  deletedBlobs: string[];
  deletedLayers: string[];
}

export class ImageStore {
  readonly root: string;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly tempDir: string;
  readonly #imagesDir: string;
  readonly #pins = new Map<string, number>();
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(root: string) {
    this.root = root;
    this.tempDir = path.join(root, 'tmp');
    this.#imagesDir = path.join(root, 'images');
    this.blobs = new BlobStore(path.join(root, 'blobs'), this.tempDir);
    this.layers = new LayerStore(path.join(root, 'layers'), this.tempDir);
  }

  /** Opens (creating if needed) the store at `root`, and clears what dead writers left in tmp/. */
  static async open(root: string): Promise<ImageStore> {
    const store = new ImageStore(path.resolve(root));
    for (const dir of [store.root, store.#imagesDir, store.blobs.dir, store.layers.dir, store.tempDir]) await mkdir(dir, { recursive: true });
    for (const entry of await readdir(store.tempDir)) {
      const pid = Number(/^[a-z]+-(\d+)-/.exec(entry)?.[1]);
      if (!pid || !processAlive(pid)) await removeTree(path.join(store.tempDir, entry));
    }
    return store;
  }

  async list(): Promise<ImageRecord[]> {
    const names = (await readdir(this.#imagesDir)).filter((n) => /^[a-f0-9]{64}\.json$/.test(n));
    const records = await Promise.all(names.map((n) => this.#readRecord(path.join(this.#imagesDir, n))));
    return records.filter((r): r is ImageRecord => r !== undefined).sort((a, b) => a.reference.localeCompare(b.reference));
  }

  /** The record for `reference`, or undefined. Throws only for an invalid reference. */
  async find(reference: string): Promise<ImageRecord | undefined> {
    return this.#readRecord(this.#recordPath(normalizeReference(reference)));
  }

  async inspect(reference: string): Promise<ImageRecord> {
    const record = await this.find(reference);
    if (!record) throw new ImageError('NotFound', `image ${normalizeReference(reference)} is not in the image store: pull, import or build it first`);
    return record;
  }

  /**
   * Removes the record for `reference`, then the blobs and unpacked layers that no other image
   * (and no pull in progress) uses. Refuses with ImageError('InUse') when `inUse` says a machine
   * uses the image, unless `force`.
   */
  async remove(reference: string, options: RemoveOptions = {}): Promise<RemovedImage> {
    const image = await this.inspect(reference);
    if (!options.force && options.inUse && (await options.inUse(image))) {
      throw new ImageError('InUse', `image ${image.reference} is in use by a machine: delete the machine first, or force the removal`);
    }
    await this.#locked(() => rm(this.#recordPath(image.reference), { force: true }));
    const deleted = await this.deleteUnused(digestsOf(image));
    return { image, ...deleted };
  }

  /**
   * Deletes those of the given blobs and unpacked layers (by digest or diff_id) that no image
   * record and no work in progress uses.
   */
  deleteUnused(digests: Iterable<string>): Promise<{ deletedBlobs: string[]; deletedLayers: string[] }> {
    return this.#locked(async () => {
      // An uncompressed layer's blob digest equals its diff_id, so blobs and layers are counted apart.
      const usedBlobs = new Set<string>(this.#pins.keys());
      const usedLayers = new Set<string>(this.#pins.keys());
      for (const other of await this.list()) {
        for (const d of [other.digest, other.manifestDigest, other.id, ...other.layers.map((l) => l.digest)]) usedBlobs.add(d);
        for (const l of other.layers) usedLayers.add(l.diffID);
      }
      const deletedBlobs: string[] = [];
      const deletedLayers: string[] = [];
      for (const digest of new Set(digests)) {
        if (!usedBlobs.has(digest) && (await this.blobs.has(digest))) {
          await this.blobs.remove(digest);
          deletedBlobs.push(digest);
        }
        if (!usedLayers.has(digest) && (await this.layers.has(digest))) {
          await this.layers.remove(digest);
          deletedLayers.push(digest);
        }
      }
      return { deletedBlobs, deletedLayers };
    });
  }

  /** The image's unpacked layers (unpacking any that are missing) and its run config. */
  async layerDirs(image: string | ImageRecord): Promise<ImageLayers> {
    const record = typeof image === 'string' ? await this.inspect(image) : image;
    const dirs = await this.#hold([], (pin) => {
      pin(...digestsOf(record));
      return Promise.all(record.layers.map((l) => this.layers.ensure(l.diffID, this.blobs.path(l.digest))));
    });
    return { lowerDirs: dirs.reverse(), config: record.config };
  }

  /**
   * Runs the work of a pull, import or build. Everything it pins (blob digests, diff_ids) is kept
   * from deletion by remove() while it runs, so it can pin what it will reference before checking
   * what is stored. If the work fails, whatever it pinned that no image uses is deleted, so a
   * failed attempt leaves the store as it was.
   */
  async transaction<T>(work: (pin: (...digests: string[]) => void) => Promise<T>): Promise<T> {
    const pinned: string[] = [];
    try {
      return await this.#hold(pinned, work);
    } catch (error) {
      await this.deleteUnused(pinned);
      throw error;
    }
  }

  async #hold<T>(pinned: string[], work: (pin: (...digests: string[]) => void) => Promise<T>): Promise<T> {
    const pin = (...digests: string[]) => {
      for (const d of digests) {
        pinned.push(d);
        this.#pins.set(d, (this.#pins.get(d) ?? 0) + 1);
      }
    };
    try {
      return await work(pin);
    } finally {
      for (const d of pinned) {
        const n = this.#pins.get(d)! - 1;
        if (n === 0) this.#pins.delete(d);
        else this.#pins.set(d, n);
      }
    }
  }

  /**
   * Records an image whose layer blobs are already stored: checks the manifest, the config against
   * its descriptor and the layer count against the config's diff_ids, stores manifest and config,
   * unpacks the layers unless told not to, and writes the record last. Replaces an older record of
   * the same reference (its content stays until removed by digest or unused).
   */
  async addImage(image: NewImage): Promise<ImageRecord> {
    const reference = normalizeReference(image.reference);
    const document = parseManifestDocument(image.manifest, undefined, `manifest of ${reference}`);
    if (document.kind !== 'manifest') throw new ImageError('Invalid', `manifest of ${reference} is an index, not an image manifest`);
    const manifest: ImageManifest = document.manifest;
    const config = parseImageConfig(image.config, `config of ${reference}`);
    if (config.rootfs.diff_ids.length !== manifest.layers.length) {
      throw new ImageError('Invalid', `image ${reference} is inconsistent: its manifest has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff_ids`);
    }
    const layers: LayerRecord[] = manifest.layers.map((l, i) => ({ digest: l.digest, diffID: config.rootfs.diff_ids[i], mediaType: l.mediaType, size: l.size }));
    const manifestDigest = sha256(image.manifest);
    return this.#hold([], async (pin) => {
      pin(manifestDigest, manifest.config.digest, ...layers.flatMap((l) => [l.digest, l.diffID]));
      for (const layer of layers) {
        if (!(await this.blobs.has(layer.digest))) throw new ImageError('NotFound', `image ${reference}: layer blob ${layer.digest} is not in the store`);
      }
      if (sha256(image.config) !== manifest.config.digest || image.config.length !== manifest.config.size) {
        throw new ImageError('DigestMismatch', `config of ${reference} does not match its descriptor ${manifest.config.digest} in the manifest`);
      }
      // A stored blob is always whole (blob-store.ts), so one already there (a pull writes these
      // beside its layer downloads) is not written again.
      await Promise.all([
        (await this.blobs.has(manifest.config.digest)) || this.blobs.writeBytes(image.config, { digest: manifest.config.digest }, `config of ${reference}`),
        (await this.blobs.has(manifestDigest)) || this.blobs.writeBytes(image.manifest, { digest: manifestDigest }, `manifest of ${reference}`),
      ]);
      if (image.unpack !== false) {
        for (const layer of layers) await this.layers.ensure(layer.diffID, this.blobs.path(layer.digest));
      }
      const record: ImageRecord = {
        reference,
        digest: image.indexDigest ?? manifestDigest,
        manifestDigest,
        id: manifest.config.digest,
        platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) },
        ...(config.created ? { created: config.created } : {}),
        stored: new Date().toISOString(),
        size: image.manifest.length + manifest.config.size + layers.reduce((n, l) => n + l.size, 0),
        layers,
        config: runConfigOf(config),
      };
      await this.#locked(() => this.#writeRecord(record));
      return record;
    });
  }

  #recordPath(canonical: string): string {
    return path.join(this.#imagesDir, `${sha256(canonical).slice('sha256:'.length)}.json`);
  }

  async #readRecord(file: string): Promise<ImageRecord | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as ImageRecord;
    } catch (error) {
      throw new ImageError('Invalid', `image record ${file} is corrupt (${(error as Error).message}): delete it and pull the image again`);
    }
  }

  async #writeRecord(record: ImageRecord): Promise<void> {
    const file = this.#recordPath(record.reference);
    const temp = path.join(this.tempDir, `record-${process.pid}-${path.basename(file)}`);
    await writeFile(temp, JSON.stringify(record, null, 2) + '\n');
    await rename(temp, file);
  }

  #locked<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(work, work);
    this.#lock = run.catch(() => {});
    return run;
  }
}

function digestsOf(image: ImageRecord): string[] {
  return [image.digest, image.manifestDigest, image.id, ...image.layers.flatMap((l) => [l.digest, l.diffID])];
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
