// Unpacked layers under ROOT/layers/sha256/<hex of diff_id>: each layer's files exactly as an
// overlayfs lower dir wants them. Keyed by diff_id (the digest of the uncompressed tar), so one
// layer is unpacked once however many images share it and however it was compressed. A layer is
// unpacked into a temporary directory and renamed into place when complete: a directory under
// sha256/ is always a whole layer.
import { chmod, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { digestHex } from './digest.ts';
import { unpackLayer } from './layer-unpack.ts';

export class LayerStore {
  readonly dir: string;
  readonly #tempDir: string;
  readonly #unpacking = new Map<string, Promise<string>>();

  constructor(dir: string, tempDir: string) {
    this.dir = dir;
    this.#tempDir = tempDir;
  }

  path(diffID: string): string {
    return path.join(this.dir, 'sha256', digestHex(diffID));
  }

  async has(diffID: string): Promise<boolean> {
    return stat(this.path(diffID)).then((s) => s.isDirectory(), () => false);
  }

  /** The layer's directory, unpacking `blob` first if it is not there yet. */
  ensure(diffID: string, blob: string): Promise<string> {
    let pending = this.#unpacking.get(diffID);
    if (!pending) {
      pending = this.#ensure(diffID, blob).finally(() => this.#unpacking.delete(diffID));
      this.#unpacking.set(diffID, pending);
    }
    return pending;
  }

  async #ensure(diffID: string, blob: string): Promise<string> {
    if (await this.has(diffID)) return this.path(diffID);
    const temp = await this.newTempDir();
    try {
      await unpackLayer(blob, temp, diffID);
      return await this.adopt(diffID, temp);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }

  /** A fresh directory on the store's filesystem, for content that adopt() will move in. */
  async newTempDir(): Promise<string> {
    await mkdir(this.#tempDir, { recursive: true });
    const dir = await mkdtemp(path.join(this.#tempDir, `layer-${process.pid}-`));
    // mkdtemp makes 0700; a layer whose tar has no "./" entry would leave the machine's / unreadable.
    await chmod(dir, 0o755);
    return dir;
  }

  /** Moves a complete layer tree into place; if another writer got there first, theirs stays. */
  async adopt(diffID: string, tree: string): Promise<string> {
    const target = this.path(diffID);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(tree, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
    return target;
  }

  async remove(diffID: string): Promise<void> {
    await rm(this.path(diffID), { recursive: true, force: true });
  }
}
