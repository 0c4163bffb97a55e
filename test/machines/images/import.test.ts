// Imports of archives made by skopeo: docker-archive (as `docker save` writes it), OCI archive and
// OCI layout directory, including a multi-platform index; broken and hostile archives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { ImageStore, importImage } from '../../../src/machines/images/index.ts';
import { layerFromTree, skopeo, testImageConfig, writeOciLayout, writeRandomTree, writeTestTrees, type FixtureLayer } from '../../support/oci-fixture.ts';
import { storeContents } from './store-contents.ts';

const exec = promisify(execFile);
let work: string;
let layout: string;
let layers: FixtureLayer[];
let armLayer: FixtureLayer;
let dockerArchive: string;
let ociArchive: string;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-import-'));
  const trees = await writeTestTrees(path.join(work, 'trees'));
  layers = [await layerFromTree(trees.lower, 'gzip'), await layerFromTree(trees.upper, 'zstd'), await layerFromTree(trees.top, 'none')];
  await writeRandomTree(path.join(work, 'trees', 'arm'), 1, 1000);
  armLayer = await layerFromTree(path.join(work, 'trees', 'arm'), 'gzip');
  layout = path.join(work, 'layout');
  // Docker images have no zstd: the docker-archive is made from the same trees, gzip-compressed.
  const upperGzip = await layerFromTree(trees.upper, 'gzip');
  await writeOciLayout(layout, [
    { name: 'img', images: [{ layers, config: testImageConfig }] },
    { name: 'for-docker', images: [{ layers: [layers[0], upperGzip, layers[2]], config: testImageConfig }] },
    { name: 'example.com/team/multi:3', images: [{ layers: [armLayer], architecture: 'arm64' }, { layers: [layers[0]] }] },
  ]);
  dockerArchive = path.join(work, 'docker.tar');
  await skopeo(['copy', '--quiet', '--additional-tag', 'example.com/team/app:latest', `oci:${layout}:for-docker`, `docker-archive:${dockerArchive}:example.com/team/app:1`]);
  ociArchive = path.join(work, 'oci.tar');
  await skopeo(['copy', '--quiet', `oci:${layout}:img`, `oci-archive:${ociArchive}:example.com/team/app:2`]);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function newStore(): Promise<ImageStore> {
  return ImageStore.open(await mkdtemp(path.join(work, 'store-')));
}

test('a docker-archive imports under each of its tags, with its layers verified against the config and unpacked', async () => {
  const store = await newStore();
  const images = await importImage(store, dockerArchive);
  assert.deepEqual(images.map((i) => i.reference).sort(), ['example.com/team/app:1', 'example.com/team/app:latest']);
  const [image] = images;
  assert.equal(images[0].id, images[1].id, 'both tags name one image');
  assert.deepEqual(image.layers.map((l) => l.diffID), layers.map((l) => l.diffID));
  assert.deepEqual(image.layers.map((l) => l.mediaType), Array(3).fill('application/vnd.oci.image.layer.v1.tar'), 'docker-archive layers are plain tars');
  assert.deepEqual(image.config.entrypoint, ['/bin/tool']);
  const { lowerDirs } = await store.layerDirs(image);
  assert.equal(await readFile(path.join(lowerDirs[0], 'etc/hello'), 'utf8'), 'hello from the top\n');
  assert.ok((await exec('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(lowerDirs[1], 'opaque')])).stdout === 'y');
  assert.deepEqual(await readdir(store.tempDir), [], 'the unpacked archive is gone');

  const gzipped = path.join(work, 'docker.tar.gz');
  await writeFile(gzipped, gzipSync(await readFile(dockerArchive)));
  const again = await importImage(store, gzipped, { reference: 'example.com/team/app:gz' });
  assert.equal(again[0].id, image.id, 'a compressed archive imports too, to the same content');
});

test('an OCI archive imports under the name it carries; an OCI layout directory with a reference given', async () => {
  const store = await newStore();
  const [fromArchive] = await importImage(store, ociArchive);
  assert.equal(fromArchive.reference, 'example.com/team/app:2');
  assert.deepEqual(fromArchive.layers.map((l) => l.diffID), layers.map((l) => l.diffID));

  const before = await storeContents(store);
  await assert.rejects(importImage(store, layout), { code: 'Invalid', message: /does not name its image \(it has only "img"\): give a reference/ });
  assert.deepEqual(await storeContents(store), before);

  const [fromDir] = await importImage(store, layout, { reference: 'example.com/team/app:img' });
  assert.equal(fromDir.reference, 'example.com/team/app:img');
  assert.deepEqual(fromDir.layers.map((l) => [l.digest, l.mediaType]), layers.map((l) => [l.digest, l.mediaType]), 'gzip, zstd and plain layers keep their blobs');
  const { lowerDirs } = await store.layerDirs(fromDir);
  assert.deepEqual(lowerDirs, layers.map((l) => store.layers.path(l.diffID)).reverse());
  assert.deepEqual((await readdir(layout)).sort(), ['blobs', 'index.json', 'oci-layout'], 'the source directory is left as it was');
});

test('a multi-platform entry of an OCI layout imports its linux/amd64 image, or the platform asked for', async () => {
  const store = await newStore();
  const [amd64] = await importImage(store, layout, { reference: 'example.com/team/multi:3' });
  assert.deepEqual(amd64.platform, { os: 'linux', architecture: 'amd64' });
  assert.notEqual(amd64.digest, amd64.manifestDigest);
  assert.deepEqual(amd64.layers.map((l) => l.diffID), [layers[0].diffID]);
  const [arm] = await importImage(store, layout, { reference: 'example.com/team/multi:3', platform: { os: 'linux', architecture: 'arm64' } });
  assert.deepEqual(arm.layers.map((l) => l.diffID), [armLayer.diffID]);
});

test('missing, foreign, corrupt and hostile archives are refused and change nothing', async () => {
  const store = await newStore();
  await importImage(store, ociArchive);
  const before = await storeContents(store);

  await assert.rejects(importImage(store, path.join(work, 'no-such.tar')), { code: 'NotFound', message: /no such file or directory/ });
  await writeFile(path.join(work, 'random.bin'), Buffer.alloc(4096, 7));
  await assert.rejects(importImage(store, path.join(work, 'random.bin')), { code: 'Invalid', message: /not a readable tar archive/ });
  await mkdir(path.join(work, 'empty-dir'), { recursive: true });
  await assert.rejects(importImage(store, path.join(work, 'empty-dir')), { code: 'Invalid', message: /neither a docker-archive \(no manifest.json\) nor an OCI image layout/ });

  const tampered = path.join(work, 'tampered');
  await mkdir(tampered);
  await exec('tar', ['--extract', `--file=${dockerArchive}`, `--directory=${tampered}`]);
  const manifest = JSON.parse(await readFile(path.join(tampered, 'manifest.json'), 'utf8'));
  const layerFile = path.join(tampered, manifest[0].Layers[2]);
  const bytes = await readFile(layerFile);
  bytes[600] ^= 0xff;
  await writeFile(layerFile, bytes);
  await assert.rejects(importImage(store, tampered), { code: 'DigestMismatch', message: /layer 3 .* does not match its digest/ });

  const hostile = path.join(work, 'hostile');
  await cp(tampered, hostile, { recursive: true });
  await writeFile(path.join(hostile, 'manifest.json'), JSON.stringify([{ ...manifest[0], Config: '../../../../etc/passwd' }]));
  await assert.rejects(importImage(store, hostile), { code: 'Invalid', message: /config of image 1 "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" points outside the archive/ });

  await assert.rejects(importImage(store, dockerArchive, { reference: 'bad ref' }), { code: 'InvalidReference' });
  assert.deepEqual(await storeContents(store), before);
});
