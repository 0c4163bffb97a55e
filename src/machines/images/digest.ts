// Content digests. Only sha256 is accepted: it is what every registry and tool writes, and one
// algorithm keeps the store's layout (blobs/sha256/<hex>) and its checks simple.
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { ImageError } from './image-error.ts';

const sha256Digest = /^sha256:[a-f0-9]{64}$/;

/** Checks that `text` is a sha256 digest ("sha256:" and 64 lowercase hex digits) and returns it. */
export function validDigest(text: string, what = 'digest'): string {
  if (sha256Digest.test(text)) return text;
  const algorithm = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):/.exec(text)?.[1];
  if (algorithm && algorithm !== 'sha256') {
    throw new ImageError('Unsupported', `unsupported ${what} "${text}": only sha256 digests are supported`);
  }
  throw new ImageError('Invalid', `invalid ${what} "${text}": expected sha256: followed by 64 lowercase hex digits`);
}

export function digestHex(digest: string): string {
  return validDigest(digest).slice('sha256:'.length);
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A running sha256 that also counts bytes, for content that arrives as a stream. */
export class DigestCounter {
  readonly #hash: Hash = createHash('sha256');
  size = 0;

  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
    this.size += chunk.length;
  }

  digest(): string {
    return `sha256:${this.#hash.digest('hex')}`;
  }
}

/**
 * Writes `source` into `sink` with backpressure, hashing all of it into `counter`, and ends the sink.
 * A sink that closes early (tar stops reading at its end-of-archive marker) does not stop the
 * hashing: the digest always covers the whole source.
 */
export async function feedCounting(source: AsyncIterable<Buffer>, sink: NodeJS.WritableStream, counter: DigestCounter): Promise<void> {
  const emitter = sink as unknown as NodeJS.EventEmitter;
  let open = true;
  const closed = once(emitter, 'close').then(() => { open = false; }, () => { open = false; });
  for await (const chunk of source) {
    counter.update(chunk);
    if (open && !sink.write(chunk)) await Promise.race([once(emitter, 'drain').catch(() => {}), closed]);
  }
  if (open) sink.end();
}
