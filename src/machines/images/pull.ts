// Pulls an image from a registry into the store: resolve the reference to a manifest (picking the
// platform's entry from an index), fetch the config, download the layers in parallel (bounded),
// unpack each as soon as it is down, and write the record last. Every document and blob is
// checked against its digest; on any failure, whatever this pull touched that no image uses is deleted.
import { sha256 } from './digest.ts';
import { ImageError } from './image-error.ts';
import type { ImageRecord, ImageStore } from './image-store.ts';
import { defaultPlatform, formatPlatform, parseImageConfig, parseManifestDocument, selectPlatform, type ImageManifest, type Platform } from './manifest.ts';
import { formatReference, parseReference } from './reference.ts';
import { RegistryClient, type RegistryOptions } from './registry-client.ts';

export interface LayerProgress {
  /** The layer blob's digest. */
  digest: string;
  /** Bytes downloaded so far (equal to total for a layer already in the store). */
  done: number;
  total: number;
}

export interface PullOptions extends RegistryOptions {
  /** Which image of a multi-platform index; linux/amd64 by default. */
  platform?: Platform;
  /** Layer downloads in flight at once (default 6, as skopeo). */
  concurrency?: number;
  onProgress?: (progress: LayerProgress) => void;
  /** Unpack the layers as part of the pull (default) rather than on first use. */
  unpack?: boolean;
}

// Nested indexes are legal but rare; a deeper chain than this is a loop or an attack.
const maxIndexDepth = 3;
const maxConfigBytes = 8 << 20;

export async function pullImage(store: ImageStore, reference: string, options: PullOptions = {}): Promise<ImageRecord> {
  const ref = parseReference(reference);
  const canonical = formatReference(ref);
  const platform = options.platform ?? defaultPlatform;
  const client = new RegistryClient(ref.registry, options);
  try {
    return await store.transaction(async (pin) => {
      const top = await client.manifest(ref.repository, ref.digest ?? ref.tag!, `image ${canonical}`);
      const topDigest = sha256(top.bytes);
      if (ref.digest && topDigest !== ref.digest) {
        throw new ImageError('DigestMismatch', `registry ${ref.registry} sent a manifest for ${canonical} whose digest is ${topDigest}: refusing it`);
      }
      let document = parseManifestDocument(top.bytes, top.contentType, `manifest of ${canonical}`);
      let manifestBytes = top.bytes;
      let indexDigest: string | undefined;
      for (let depth = 0; document.kind === 'index'; depth++) {
        if (depth === maxIndexDepth) throw new ImageError('Unsupported', `image ${canonical} nests indexes more than ${maxIndexDepth} deep`);
        if (depth === 0) {
          indexDigest = topDigest;
          pin(topDigest);
          await store.blobs.writeBytes(top.bytes, { digest: topDigest }, `index of ${canonical}`);
        }
        const entry = selectPlatform(document.index, platform, `image ${canonical}`);
        const fetched = await client.manifest(ref.repository, entry.digest, `${formatPlatform(platform)} manifest of ${canonical}`);
        if (sha256(fetched.bytes) !== entry.digest || fetched.bytes.length !== entry.size) {
          throw new ImageError('DigestMismatch', `registry ${ref.registry} sent a ${formatPlatform(platform)} manifest for ${canonical} that does not match its index entry ${entry.digest}: refusing it`);
        }
        manifestBytes = fetched.bytes;
        document = parseManifestDocument(fetched.bytes, fetched.contentType, `${formatPlatform(platform)} manifest of ${canonical}`);
      }
      const manifest: ImageManifest = document.manifest;
      const configBytes = await fetchConfig(client, ref.repository, manifest, canonical);
      const config = parseImageConfig(configBytes, `config of ${canonical}`);
      if (config.os !== platform.os || config.architecture !== platform.architecture) {
        throw new ImageError('Unsupported', `image ${canonical} is for ${config.os}/${config.architecture}, not ${formatPlatform(platform)}`);
      }
      if (config.rootfs.diff_ids.length !== manifest.layers.length) {
        throw new ImageError('Invalid', `image ${canonical} is inconsistent: its manifest has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length} diff_ids`);
      }
      pin(sha256(manifestBytes), manifest.config.digest, ...manifest.layers.map((l) => l.digest), ...config.rootfs.diff_ids);
      const unpack = options.unpack !== false;
      // Config and manifest are stored (and flushed) while the layers download, not after them.
      const documents = Promise.all([
        store.blobs.writeBytes(configBytes, { digest: manifest.config.digest, size: manifest.config.size }, `config of ${canonical}`),
        store.blobs.writeBytes(manifestBytes, {}, `manifest of ${canonical}`),
      ]);
      const layers = forEachLimited(manifest.layers, Math.max(1, options.concurrency ?? 6), async (layer, i) => {
        const progress = (done: number) => options.onProgress?.({ digest: layer.digest, done, total: layer.size });
        if (await store.blobs.has(layer.digest)) {
          progress(layer.size);
        } else {
          const body = await client.blob(ref.repository, layer.digest, `layer ${layer.digest} of ${canonical}`);
          await store.blobs.write(body, { digest: layer.digest, size: layer.size }, `layer ${layer.digest} of ${canonical}`, progress);
        }
        if (unpack) await store.layers.ensure(config.rootfs.diff_ids[i], store.blobs.path(layer.digest));
      });
      await Promise.all([documents, layers]);
      return store.addImage({ reference: canonical, manifest: manifestBytes, config: configBytes, indexDigest, unpack });
    });
  } catch (error) {
    if (options.signal?.aborted) throw new ImageError('Aborted', `pull of ${canonical} was cancelled`, { cause: error });
    throw error;
  } finally {
    await client.close();
  }
}

async function fetchConfig(client: RegistryClient, repository: string, manifest: ImageManifest, canonical: string): Promise<Buffer> {
  const { digest, size } = manifest.config;
  if (size > maxConfigBytes) throw new ImageError('Invalid', `config of ${canonical} declares ${size} bytes, over the ${maxConfigBytes}-byte limit`);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of await client.blob(repository, digest, `config of ${canonical}`)) {
    length += chunk.length;
    if (length > size) break;
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  if (length !== size || sha256(bytes) !== digest) {
    throw new ImageError('DigestMismatch', `config of ${canonical} does not match its digest ${digest}: the registry sent different content`);
  }
  return bytes;
}

/** Runs `work` on every item with at most `limit` in flight; after a failure no new item starts. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await work(items[i], i);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((r) => r.status === 'rejected');
  if (rejected) throw (rejected as PromiseRejectedResult).reason;
}
