// Pulls from a real registry (Debian's docker-registry on loopback) of images pushed by skopeo:
// OCI and Docker schema 2 manifests, a multi-platform index, gzip/zstd layers, whiteouts and opaque
// directories checked on disk and through a real overlayfs mount; tampered content and bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImageStore, pullImage, type LayerProgress } from '../../../src/machines/images/index.ts';
import { startRegistry, type RunningRegistry } from '../../support/docker-registry.ts';
import { freePort } from '../../support/free-port.ts';
import { layerFromTree, push, testImageConfig, writeOciLayout, writeRandomTree, writeTestTrees, type FixtureLayer } from '../../support/oci-fixture.ts';
import { storeContents } from './store-contents.ts';

const exec = promisify(execFile);
let work: string;
let registry: RunningRegistry;
let layers: FixtureLayer[];
let armLayer: FixtureLayer;
let tamperedLayer: FixtureLayer;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-pull-'));
  registry = await startRegistry();
  const trees = await writeTestTrees(path.join(work, 'trees'));
  layers = [await layerFromTree(trees.lower, 'gzip'), await layerFromTree(trees.upper, 'zstd'), await layerFromTree(trees.top, 'gzip')];
  await writeRandomTree(path.join(work, 'trees', 'arm'), 1, 1000);
  armLayer = await layerFromTree(path.join(work, 'trees', 'arm'), 'gzip');
  // Content of its own, so tampering with its blob in the registry touches no other image.
  await writeRandomTree(path.join(work, 'trees', 'tampered'), 2, 20_000);
  tamperedLayer = await layerFromTree(path.join(work, 'trees', 'tampered'), 'gzip');
  const layout = path.join(work, 'layout');
  await writeOciLayout(layout, [
    { name: 'img', images: [{ layers, config: testImageConfig }] },
    { name: 'gzip-only', images: [{ layers: [layers[0], layers[2]], config: { Cmd: ['/bin/sh'] } }] },
    { name: 'multi', images: [{ layers: [armLayer], architecture: 'arm64' }, { layers: [layers[0]] }] },
    { name: 'tampered', images: [{ layers: [layers[0], tamperedLayer] }] },
    { name: 'lying', images: [{ layers: [layers[2]], diffIDs: [layers[0].diffID] }] },
  ]);
  await push(layout, 'img', `${registry.host}/test/img:1`);
  await push(layout, 'gzip-only', `${registry.host}/test/docker:1`, ['--format', 'v2s2']);
  await push(layout, 'multi', `${registry.host}/test/multi:1`, ['--all']);
  await push(layout, 'tampered', `${registry.host}/test/tampered:1`);
  await push(layout, 'lying', `${registry.host}/test/lying:1`);
  const tampered = await readFile(registry.blobFile(tamperedLayer.digest));
  tampered[tampered.length - 100] ^= 0xff;
  await writeFile(registry.blobFile(tamperedLayer.digest), tampered);
});

after(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function newStore(): Promise<ImageStore> {
  return ImageStore.open(await mkdtemp(path.join(work, 'store-')));
}

async function xattr(file: string, name: string): Promise<string | undefined> {
  return exec('getfattr', ['--no-dereference', '--only-values', `--name=${name}`, '--', file]).then((r) => r.stdout, () => undefined);
}

test('pulls an OCI image: records it, verifies and stores every blob once, unpacks each layer with ownership, modes, links, devices and xattrs', async () => {
  const store = await newStore();
  const progress: LayerProgress[] = [];
  const image = await pullImage(store, `${registry.host}/test/img:1`, { plainHttp: true, onProgress: (p) => progress.push(p) });

  assert.equal(image.reference, `${registry.host}/test/img:1`);
  assert.deepEqual(image.layers.map((l) => l.diffID), layers.map((l) => l.diffID));
  assert.deepEqual(image.layers.map((l) => l.mediaType), ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+zstd', 'application/vnd.oci.image.layer.v1.tar+gzip']);
  assert.equal(image.digest, image.manifestDigest, 'a single-platform image resolves straight to its manifest');
  assert.deepEqual(image.platform, { os: 'linux', architecture: 'amd64' });
  assert.equal(image.created, '2024-01-02T03:04:05Z');
  assert.deepEqual(image.config, {
    entrypoint: ['/bin/tool'], cmd: ['--serve'], env: ['PATH=/bin', 'GREETING=hi'], workingDir: '/home/user', user: '1234:5678', exposedPorts: ['53/udp', '8080/tcp'], labels: {},
  });
  for (const layer of image.layers) {
    const last = progress.filter((p) => p.digest === layer.digest).at(-1);
    assert.deepEqual(last, { digest: layer.digest, done: layer.size, total: layer.size }, 'progress reaches the layer size');
    const { stdout } = await exec('sha256sum', [store.blobs.path(layer.digest)]);
    assert.equal(`sha256:${stdout.split(' ')[0]}`, layer.digest, 'the stored blob hashes to its digest');
  }
  assert.deepEqual(await store.list(), [image]);
  assert.deepEqual(await store.inspect(`${registry.host}/test/img:1`), image);
  assert.deepEqual(await readdir(store.tempDir), [], 'nothing is left in tmp/');

  const { lowerDirs, config } = await store.layerDirs(image);
  assert.deepEqual(lowerDirs, image.layers.map((l) => store.layers.path(l.diffID)).reverse(), 'lower dirs come top layer first');
  assert.deepEqual(config, image.config);
  const [top, upper, lower] = lowerDirs;

  const tool = await stat(path.join(lower, 'bin/tool'));
  assert.equal(tool.mode & 0o7777, 0o4755, 'setuid mode kept');
  const secret = await stat(path.join(lower, 'home/user/secret'));
  assert.deepEqual([secret.uid, secret.gid, secret.mode & 0o777], [1234, 5678, 0o600], 'numeric owner and mode kept');
  assert.equal(await readlink(path.join(lower, 'bin/hello-link')), '../etc/hello');
  const hello = await stat(path.join(lower, 'etc/hello'));
  assert.equal(hello.ino, (await stat(path.join(lower, 'etc/hello-hard'))).ino, 'hardlink kept');
  const zero = await stat(path.join(lower, 'dev/zero'));
  assert.ok(zero.isCharacterDevice() && zero.rdev === 0x105, 'device node 1:5 kept');
  assert.ok((await lstat(path.join(lower, 'run/fifo'))).isFIFO(), 'FIFO kept');
  assert.equal(await xattr(path.join(lower, 'etc/hello'), 'user.slipway'), 'kept', 'user xattr kept');
  assert.equal(await xattr(path.join(lower, 'sneaky'), 'trusted.overlay.opaque'), undefined, 'a layer cannot set overlayfs attributes itself');

  const removed = await lstat(path.join(upper, 'etc/removed'));
  assert.ok(removed.isCharacterDevice() && removed.rdev === 0, '.wh.removed became a 0/0 character device');
  assert.equal(await xattr(path.join(upper, 'opaque'), 'trusted.overlay.opaque'), 'y', '.wh..wh..opq became the opaque xattr');
  assert.deepEqual((await readdir(path.join(upper, 'opaque'))).sort(), ['new']);
  const { stdout: markers } = await exec('find', [...lowerDirs, '-name', '.wh.*']);
  assert.equal(markers, '', 'no OCI whiteout file is left');
  assert.equal(await readFile(path.join(top, 'etc/hello'), 'utf8'), 'hello from the top\n');

  // The real test of a lower dir: overlayfs reads them as the image's filesystem.
  const mnt = path.join(work, `mnt-${randomBytes(3).toString('hex')}`);
  await mkdir(mnt);
  await exec('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerDirs.join(':')}`, mnt]);
  try {
    assert.deepEqual((await readdir(path.join(mnt, 'etc'))).sort(), ['added', 'hello', 'hello-hard']);
    assert.equal(await readFile(path.join(mnt, 'etc/hello'), 'utf8'), 'hello from the top\n');
    assert.equal(await readFile(path.join(mnt, 'bin/hello-link'), 'utf8'), 'hello from the top\n');
    assert.deepEqual(await readdir(path.join(mnt, 'opaque')), ['new'], 'the opaque directory hides everything below it');
    assert.deepEqual((await readdir(path.join(mnt, 'sneaky'))), ['file']);
  } finally {
    await exec('umount', [mnt]);
  }
});

test('a second pull downloads nothing and unpacks nothing; a pull by digest names the same content', async () => {
  const store = await newStore();
  const first = await pullImage(store, `${registry.host}/test/img:1`, { plainHttp: true });
  const inodes = await Promise.all(first.layers.map((l) => stat(store.layers.path(l.diffID)).then((s) => s.ino)));
  const progress: LayerProgress[] = [];
  const again = await pullImage(store, `${registry.host}/test/img:1`, { plainHttp: true, onProgress: (p) => progress.push(p) });
  assert.equal(again.digest, first.digest);
  assert.deepEqual(progress.map((p) => p.done === p.total), [true, true, true], 'one progress report per layer, already complete');
  assert.deepEqual(await Promise.all(first.layers.map((l) => stat(store.layers.path(l.diffID)).then((s) => s.ino))), inodes, 'layer directories were not unpacked again');

  const byDigest = await pullImage(store, `${registry.host}/test/img@${first.digest}`, { plainHttp: true });
  assert.equal(byDigest.reference, `${registry.host}/test/img@${first.digest}`);
  assert.equal(byDigest.id, first.id);
  assert.equal((await store.list()).length, 2);
});

test('a multi-platform index resolves to linux/amd64 by default, or to the platform asked for', async () => {
  const store = await newStore();
  const amd64 = await pullImage(store, `${registry.host}/test/multi:1`, { plainHttp: true });
  assert.notEqual(amd64.digest, amd64.manifestDigest, 'the record keeps the index digest and the manifest picked from it');
  assert.deepEqual(amd64.platform, { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(amd64.layers.map((l) => l.diffID), [layers[0].diffID]);
  assert.ok(await store.blobs.has(amd64.digest), 'the index is stored too');

  const armStore = await newStore();
  const arm = await pullImage(armStore, `${registry.host}/test/multi:1`, { plainHttp: true, platform: { os: 'linux', architecture: 'arm64' } });
  assert.deepEqual(arm.platform, { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(arm.layers.map((l) => l.diffID), [armLayer.diffID]);

  const before = await storeContents(armStore);
  await assert.rejects(pullImage(armStore, `${registry.host}/test/multi:1`, { plainHttp: true, platform: { os: 'linux', architecture: 's390x' } }),
    { code: 'NotFound', message: /has no image for linux\/s390x \(it has: linux\/arm64, linux\/amd64\)/ });
  assert.deepEqual(await storeContents(armStore), before);
});

test('pulls a Docker v2 schema 2 image', async () => {
  const store = await newStore();
  const image = await pullImage(store, `${registry.host}/test/docker:1`, { plainHttp: true });
  assert.deepEqual(image.layers.map((l) => l.mediaType), ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.docker.image.rootfs.diff.tar.gzip']);
  const manifest = JSON.parse((await store.blobs.read(image.manifestDigest)).toString());
  assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  assert.deepEqual(image.config.cmd, ['/bin/sh']);
  const { lowerDirs } = await store.layerDirs(image);
  assert.equal(await readFile(path.join(lowerDirs[0], 'etc/hello'), 'utf8'), 'hello from the top\n');
});

test('a tampered blob is rejected and leaves nothing behind', async () => {
  const store = await newStore();
  await pullImage(store, `${registry.host}/test/img:1`, { plainHttp: true });
  const before = await storeContents(store);
  await assert.rejects(pullImage(store, `${registry.host}/test/tampered:1`, { plainHttp: true }),
    { code: 'DigestMismatch', message: new RegExp(`layer ${tamperedLayer.digest} of .*does not match its digest.*tampered`) });
  assert.deepEqual(await storeContents(store), before, 'no record, no blob, no layer, no temp file; the shared layer stays');
});

test('a layer whose content does not match the config\'s diff_id is rejected', async () => {
  const store = await newStore();
  const before = await storeContents(store);
  await assert.rejects(pullImage(store, `${registry.host}/test/lying:1`, { plainHttp: true }),
    { code: 'DigestMismatch', message: /does not match the image config's diff_id/ });
  assert.deepEqual(await storeContents(store), before);
});

test('bad references, unknown images and unreachable registries fail with clear errors and change nothing', async () => {
  const store = await newStore();
  await pullImage(store, `${registry.host}/test/docker:1`, { plainHttp: true });
  const before = await storeContents(store);
  const cases: [string, RegExp, string][] = [
    [`${registry.host}/test/img:1;rm -rf /`, /shell metacharacter ";"/, 'InvalidReference'],
    ['$(reboot)', /shell metacharacter "\$"/, 'InvalidReference'],
    ['img`id`', /shell metacharacter "`"/, 'InvalidReference'],
    [`${registry.host}/test/img@sha256:abc`, /invalid digest "sha256:abc"/, 'InvalidReference'],
    [`${registry.host}/test/img@sha512:${'a'.repeat(128)}`, /only sha256 digests are supported/, 'InvalidReference'],
    [`${registry.host}/Test/Img:1`, /must be lowercase/, 'InvalidReference'],
    [`${registry.host}/test/nope:1`, /image 127\.0\.0\.1:\d+\/test\/nope:1 was not found in registry .*(NAME_UNKNOWN|MANIFEST_UNKNOWN)/, 'NotFound'],
    [`${registry.host}/test/img:no-such-tag`, /was not found in registry .*MANIFEST_UNKNOWN/, 'NotFound'],
    [`${registry.host}/test/img@sha256:${'0'.repeat(64)}`, /was not found in registry/, 'NotFound'],
  ];
  for (const [reference, message, code] of cases) {
    await assert.rejects(pullImage(store, reference, { plainHttp: true }), (error: Error & { code?: string }) => {
      assert.match(error.message, message, reference);
      assert.equal(error.code, code, reference);
      return true;
    });
  }
  const closed = await freePort();
  await assert.rejects(pullImage(store, `127.0.0.1:${closed}/test/img:1`, { plainHttp: true }), { code: 'Registry', message: /cannot reach registry 127\.0\.0\.1:\d+ .*ECONNREFUSED/ });
  await assert.rejects(pullImage(store, `${registry.host}/test/img:1`), { code: 'Registry', message: /plain-HTTP option/ }, 'HTTPS against a plain-HTTP registry says what to do');
  await assert.rejects(store.inspect(`${registry.host}/test/nope:1`), { code: 'NotFound', message: /not in the image store: pull, import or build it first/ });
  assert.deepEqual(await storeContents(store), before);
});
