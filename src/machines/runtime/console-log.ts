// A machine's console: what its init writes to stdout and stderr, appended to console.log by
// the kernel (runc hands the file to the init), read back whole or followed as it grows.
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as delay } from 'node:timers/promises';

export interface FollowOptions {
  /** Ends the iteration. */
  signal?: AbortSignal;
  /** Start at the beginning of the log (default) or only at what is written from now on. */
  from?: 'start' | 'end';
  /** How often to look for new output (default 200 ms). */
  pollMs?: number;
}

/** The whole console log ('' when the machine has written nothing yet). */
export async function readConsoleLog(file: string): Promise<string> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!handle) return '';
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * Yields the console log's text as it is written, until `signal` aborts or the log is removed
 * (the machine was cleaned up). Multi-byte characters split across writes are kept whole.
 */
export async function* followConsoleLog(file: string, options: FollowOptions = {}): AsyncGenerator<string> {
  const { signal, pollMs = 200 } = options;
  const decoder = new StringDecoder('utf8');
  let offset = options.from === 'end' ? ((await stat(file).catch(() => undefined))?.size ?? 0) : 0;
  const buffer = Buffer.alloc(64 * 1024);
  while (!signal?.aborted) {
    const handle = await open(file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const { size } = await handle.stat();
      if (size < offset) offset = 0;
      while (offset < size && !signal?.aborted) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        const text = decoder.write(buffer.subarray(0, bytesRead));
        if (text) yield text;
      }
    } finally {
      await handle.close();
    }
    await delay(pollMs, undefined, { signal }).catch(() => {});
  }
}
