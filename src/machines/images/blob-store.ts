// Content-addressed blobs (manifests, configs, compressed layers) under ROOT/blobs/sha256/<hex>.
// A blob is written to a temporary file beside the store, hashed as it is written, checked against
// the expected digest and size, flushed, and only then renamed into place: a partial or corrupt
// download is never visible under a digest.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import path from 'node:path';
import { DigestCounter, digestHex } from './digest.ts';
import { ImageError } from './image-error.ts';

// While a blob streams in, its data is written back to disk every few MiB in the background, so
// the flush that must finish before the rename has little left to do (a pull's last layer no
// longer waits for the whole image to reach the disk).
const writebackStepBytes = 4 << 20;

export interface Expected {
  digest?: string;
  size?: number;
}

export class BlobStore {
  readonly dir: string;
  readonly #tempDir: string;
  #serial = 0;

  /** `tempDir` must be on the same filesystem as `dir`, so that a finished blob is renamed, not copied. */
  constructor(dir: string, tempDir: string) {
    this.dir = dir;
    this.#tempDir = tempDir;
  }

  path(digest: string): string {
    return path.join(this.dir, 'sha256', digestHex(digest));
  }

  async has(digest: string): Promise<boolean> {
    return stat(this.path(digest)).then((s) => s.isFile(), () => false);
  }

  async read(digest: string): Promise<Buffer> {
    try {
      return await readFile(this.path(digest));
    } catch (error) {
      throw new ImageError('NotFound', `blob ${digest} is missing from the image store: pull or import the image again`, { cause: error });
    }
  }

  /**
   * Streams `source` into the store. With `expected.digest` the content must hash to it; with
   * `expected.size` it must be that long (checked while streaming, so an endless body is cut off).
   * Returns the digest and size. `onBytes` sees the running byte count.
   */
  async write(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, expected: Expected = {}, what = 'blob', onBytes?: (done: number) => void): Promise<{ digest: string; size: number }> {
    if (expected.digest) digestHex(expected.digest);
    await mkdir(this.#tempDir, { recursive: true });
    const temp = path.join(this.#tempDir, `blob-${process.pid}-${Date.now()}-${this.#serial++}`);
    const counter = new DigestCounter();
    // flush: the data is on disk before the rename makes it visible, so a crash cannot leave a
    // truncated file under a digest.
    const handle = await open(temp, 'wx', 0o644);
    const file = createWriteStream(temp, { fd: handle, flush: true });
    let writtenBack = 0;
    let writeback: Promise<void> | undefined;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        counter.update(chunk);
        if (expected.size !== undefined && counter.size > expected.size) {
          done(new ImageError('DigestMismatch', `${what} is larger than the ${expected.size} bytes its descriptor declares: refusing it`));
          return;
        }
        onBytes?.(counter.size);
        if (!writeback && counter.size - writtenBack >= writebackStepBytes) {
          writtenBack = counter.size;
          // Only a head start for the final flush: its failure is that flush's to report.
          writeback = handle.datasync().catch(() => {}).finally(() => { writeback = undefined; });
        }
        done(null, chunk);
      },
      flush(done) {
        // The file's own flush and close come after this: no writeback may still use its descriptor.
        void (writeback ?? Promise.resolve()).then(() => done());
      },
    });
    try {
      await pipeline(source, check, file);
      if (expected.size !== undefined && counter.size !== expected.size) {
        throw new ImageError('DigestMismatch', `${what} has ${counter.size} bytes where its descriptor declares ${expected.size}: the download was cut short or the content changed`);
      }
      const digest = counter.digest();
      if (expected.digest && digest !== expected.digest) {
        throw new ImageError('DigestMismatch', `${what} does not match its digest: expected ${expected.digest}, got ${digest}; the content was corrupted or tampered with`);
      }
      await mkdir(path.join(this.dir, 'sha256'), { recursive: true });
      await rename(temp, this.path(digest));
      return { digest, size: counter.size };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  writeBytes(bytes: Uint8Array, expected: Expected = {}, what = 'blob'): Promise<{ digest: string; size: number }> {
    return this.write([bytes], expected, what);
  }

  /** Copies a file into the store, hashing it on the way. */
  writeFile(file: string, expected: Expected = {}, what = file): Promise<{ digest: string; size: number }> {
    return this.write(createReadStream(file), expected, what);
  }

  async remove(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }
}
