// What an image store holds, as sorted lists, to assert that a failed operation changed nothing.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ImageStore } from '../../../src/machines/images/index.ts';

export interface StoreContents {
  images: string[];
  blobs: string[];
  layers: string[];
  temp: string[];
}

const names = (dir: string) => readdir(dir).then((n) => n.sort(), () => []);

export async function storeContents(store: ImageStore): Promise<StoreContents> {
  return {
    images: (await store.list()).map((i) => `${i.reference} ${i.digest}`),
    blobs: await names(path.join(store.blobs.dir, 'sha256')),
    layers: await names(path.join(store.layers.dir, 'sha256')),
    temp: await names(store.tempDir),
  };
}
