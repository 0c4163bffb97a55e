// Builds a Debian image with debootstrap from Debian's mirror (slow: about a minute), into a store
// of its own; checks the packed layer against the unpacked one and that nothing is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { DigestCounter } from '../../../src/machines/images/digest.ts';
import { buildImage, ImageStore } from '../../../src/machines/images/index.ts';
import { mountsBelow } from '../../../src/machines/images/mounts.ts';
import { storeContents } from './store-contents.ts';

const exec = promisify(execFile);

test('bad build input is refused before debootstrap runs', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-build-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = await ImageStore.open(root);
  const cases: [string, object, RegExp, string][] = [
    ['example.com/deb:1', { packages: ['netbase', 'evil;rm'] }, /"evil;rm" is not a Debian package name/, 'Invalid'],
    ['example.com/deb:1', { suite: '../sid' }, /"\.\.\/sid" is not a Debian suite name/, 'Invalid'],
    ['example.com/deb:1', { mirror: 'file:///etc' }, /mirror "file:\/\/\/etc" is not an http\(s\) URL/, 'Invalid'],
    ['example.com/deb:1 && id', {}, /shell metacharacter/, 'InvalidReference'],
    [`example.com/deb@sha256:${'a'.repeat(64)}`, {}, /named by tag, not by digest/, 'InvalidReference'],
  ];
  for (const [name, options, message, code] of cases) {
    await assert.rejects(buildImage(store, name, options), { code, message }, name);
  }
  assert.deepEqual(await storeContents(store), { images: [], blobs: [], layers: [], temp: [] });
});

test('builds a minbase bookworm image with an extra package as one gzip layer, unpacked in place', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-build-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const store = await ImageStore.open(root);
  const image = await buildImage(store, 'example.com/slipway/bookworm:min', { suite: 'bookworm', packages: ['netbase'], config: { exposedPorts: ['22/tcp'] } });

  assert.equal(image.reference, 'example.com/slipway/bookworm:min');
  assert.equal(image.layers.length, 1);
  assert.equal(image.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
  assert.deepEqual(image.config, { entrypoint: [], cmd: ['/bin/bash'], env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], workingDir: '/', user: '0:0', exposedPorts: ['22/tcp'], labels: {} });
  assert.deepEqual(image.platform, { os: 'linux', architecture: 'amd64' });

  const { lowerDirs } = await store.layerDirs(image);
  assert.deepEqual(lowerDirs, [store.layers.path(image.layers[0].diffID)]);
  const [rootfs] = lowerDirs;
  assert.match(await readFile(path.join(rootfs, 'etc/debian_version'), 'utf8'), /^12\./);
  assert.match(await readFile(path.join(rootfs, 'etc/services'), 'utf8'), /^ssh\s+22\/tcp/m, 'the extra package (netbase) is installed');
  assert.match(await readFile(path.join(rootfs, 'var/lib/dpkg/status'), 'utf8'), /^Package: netbase$/m);
  assert.deepEqual(await readdir(path.join(rootfs, 'proc')), [], 'nothing mounted or left in /proc');

  // The blob is what the record says, and its tar is what the unpacked directory holds.
  const blob = store.blobs.path(image.layers[0].digest);
  const { stdout } = await exec('sha256sum', [blob]);
  assert.equal(`sha256:${stdout.split(' ')[0]}`, image.layers[0].digest);
  const tarred = new DigestCounter();
  for await (const chunk of createReadStream(blob).pipe(createGunzip())) tarred.update(chunk);
  assert.equal(tarred.digest(), image.layers[0].diffID);
  const { stdout: listing } = await exec('tar', ['--list', '--gzip', `--file=${blob}`], { maxBuffer: 1 << 26 });
  assert.ok(listing.split('\n').includes('./etc/services'));

  assert.deepEqual(await mountsBelow(root), [], 'no mount is left under the store');
  assert.deepEqual(await readdir(store.tempDir), [], 'the build directory became the layer; nothing is left in tmp/');
  await store.remove(image.reference);
  assert.deepEqual(await storeContents(store), { images: [], blobs: [], layers: [], temp: [] });
});
