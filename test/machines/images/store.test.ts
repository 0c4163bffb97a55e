// The image store's bookkeeping: removal keeps what other images share and refuses while in use;
// layers are unpacked once and again only when missing; leftovers of dead writers are cleared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ImageStore, importImage } from '../../../src/machines/images/index.ts';
import { layerFromTree, writeOciLayout, writeRandomTree, type FixtureLayer } from '../../support/oci-fixture.ts';
import { storeContents } from './store-contents.ts';

let work: string;
let layout: string;
let base: FixtureLayer;
let onlyA: FixtureLayer;
let onlyB: FixtureLayer;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-store-'));
  const layers: FixtureLayer[] = [];
  for (const name of ['base', 'a', 'b']) {
    await writeRandomTree(path.join(work, name), 2, 10_000);
    layers.push(await layerFromTree(path.join(work, name), 'gzip'));
  }
  [base, onlyA, onlyB] = layers;
  layout = path.join(work, 'layout');
  await writeOciLayout(layout, [
    { name: 'a', images: [{ layers: [base, onlyA] }] },
    { name: 'b', images: [{ layers: [base, onlyB] }] },
  ]);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function storeWithAB(): Promise<ImageStore> {
  const store = await ImageStore.open(await mkdtemp(path.join(work, 'store-')));
  await importImage(store, layout, { reference: 'example.com/app:a' });
  await importImage(store, layout, { reference: 'example.com/app:b' });
  return store;
}

test('removing an image deletes only the blobs and layers no other image uses', async () => {
  const store = await storeWithAB();
  const a = await store.inspect('example.com/app:a');
  const removed = await store.remove('example.com/app:a');
  assert.equal(removed.image.reference, 'example.com/app:a');
  assert.deepEqual(removed.deletedLayers, [onlyA.diffID], 'the shared base layer stays');
  assert.deepEqual(removed.deletedBlobs.sort(), [a.manifestDigest, a.id, onlyA.digest].sort());
  assert.ok(await store.blobs.has(base.digest));
  assert.ok(await store.layers.has(base.diffID));
  await assert.rejects(store.inspect('example.com/app:a'), { code: 'NotFound' });

  const b = await store.inspect('example.com/app:b');
  const { lowerDirs } = await store.layerDirs(b);
  assert.equal(lowerDirs.length, 2, 'the remaining image is whole');
  await store.remove('example.com/app:b');
  assert.deepEqual(await storeContents(store), { images: [], blobs: [], layers: [], temp: [] }, 'the last image takes everything with it');
});

test('two references to one image share its content; removing one keeps it all', async () => {
  const store = await storeWithAB();
  await importImage(store, layout, { reference: 'example.com/other:a' });
  const removed = await store.remove('example.com/app:a');
  assert.deepEqual([removed.deletedBlobs, removed.deletedLayers], [[], []]);
  assert.equal((await store.layerDirs('example.com/other:a')).lowerDirs.length, 2);
});

test('an image in use is not removed unless forced; unknown and invalid references are refused', async () => {
  const store = await storeWithAB();
  const before = await storeContents(store);
  const asked: string[] = [];
  const inUse = (image: { reference: string }) => {
    asked.push(image.reference);
    return image.reference === 'example.com/app:a';
  };
  await assert.rejects(store.remove('example.com/app:a', { inUse }), { code: 'InUse', message: /in use by a machine: delete the machine first, or force the removal/ });
  await assert.rejects(store.remove('example.com/app:nope'), { code: 'NotFound', message: /example.com\/app:nope is not in the image store/ });
  await assert.rejects(store.remove('example.com/app:a;reboot'), { code: 'InvalidReference' });
  assert.deepEqual(await storeContents(store), before, 'nothing changed');
  await store.remove('example.com/app:a', { inUse: async () => true, force: true });
  await store.remove('example.com/app:b', { inUse });
  assert.deepEqual(asked, ['example.com/app:a', 'example.com/app:b']);
  assert.deepEqual((await store.list()).length, 0);
});

test('layers are unpacked once, even when asked for at once, and again only if their directory is gone', async () => {
  const store = await ImageStore.open(await mkdtemp(path.join(work, 'store-')));
  const [image] = await importImage(store, layout, { reference: 'example.com/app:a', unpack: false });
  assert.equal(await store.layers.has(base.diffID), false, 'unpack: false defers unpacking');
  const results = await Promise.all([store.layerDirs(image), store.layerDirs(image), store.layerDirs('example.com/app:a')]);
  assert.deepEqual(results[0], results[1]);
  assert.deepEqual(results[0], results[2]);
  const inode = (await stat(store.layers.path(base.diffID))).ino;
  await store.layerDirs(image);
  assert.equal((await stat(store.layers.path(base.diffID))).ino, inode, 'not unpacked again');
  await rm(store.layers.path(onlyA.diffID), { recursive: true });
  const { lowerDirs } = await store.layerDirs(image);
  assert.deepEqual((await readdir(path.join(lowerDirs[0], 'data'))).sort(), ['f0', 'f1'], 'a missing layer is unpacked again from its blob');
});

test('opening a store clears what dead writers left in tmp/, and keeps what live ones are writing', async () => {
  const root = await mkdtemp(path.join(work, 'store-'));
  await ImageStore.open(root);
  const dead = spawn('true');
  await new Promise((r) => dead.once('exit', r));
  await writeFile(path.join(root, 'tmp', `blob-${dead.pid}-1-0`), 'partial');
  await mkdir(path.join(root, 'tmp', `layer-${dead.pid}-abc`, 'etc'), { recursive: true });
  await writeFile(path.join(root, 'tmp', `blob-${process.pid}-1-0`), 'in progress');
  const store = await ImageStore.open(root);
  assert.deepEqual(await readdir(store.tempDir), [`blob-${process.pid}-1-0`]);
});
