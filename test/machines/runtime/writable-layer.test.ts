// A machine whose writable layer has a size limit: it cannot write past the limit (the disk is
// full inside, the host's is not touched), its files survive stop and start and a copy while
// stopped, and cleanup leaves no mount, loop device or image behind.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import { hostCommands } from '../../../src/machines/host-command.ts';
import { readMounts } from '../../../src/machines/runtime/mountinfo.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, MiB, suffix, testRuntime } from './support.ts';

const text = (buffer: Buffer) => buffer.toString('utf8');

test('a size-limited writable layer stops writes at its size and goes away whole', async (t) => {
  const runtime = await testRuntime(t);
  const id = `rt-layer-${suffix()}`;
  const dirs = runtime.directory(id);
  await runtime.create(machineSpec(id, await debianRootfs(), { rootfsSizeBytes: 64 * MiB }));
  const image = await stat(dirs.layerImage);
  assert.equal(image.size, 64 * MiB);
  assert.ok(image.blocks * 512 < 16 * MiB, `the image is sparse (${image.blocks * 512} bytes used)`);
  await runtime.start(id);

  const fill = await runtime.exec(id, ['sh', '-c', 'dd if=/dev/zero of=/root/fill bs=1M count=100 2>&1; echo exit=$?']);
  assert.match(text(fill.stdout), /No space left on device/);
  const size = Number(text((await runtime.exec(id, ['stat', '-c', '%s', '/root/fill'])).stdout));
  assert.ok(size > 32 * MiB && size < 64 * MiB, `wrote ${size} bytes`);
  assert.equal((await runtime.exec(id, ['sh', '-c', 'rm /root/fill && echo kept > /root/note'])).exitCode, 0);

  await runtime.stop(id);
  assert.ok(!(await readMounts()).some((m) => m.mountPoint.startsWith(`${dirs.dir}/`)), 'nothing mounted while stopped');
  await runtime.copyIn(id, '/etc/hostname', '/root/copied');
  await runtime.start(id);
  assert.equal(text((await runtime.exec(id, ['cat', '/root/note'])).stdout), 'kept\n');
  assert.equal((await runtime.exec(id, ['test', '-f', '/root/copied'])).exitCode, 0);

  await runtime.cleanup(id);
  assert.ok(!(await readMounts()).some((m) => m.mountPoint.startsWith(`${dirs.dir}/`)));
  const loops = await hostCommands.run('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE']);
  assert.ok(!text(loops.stdout).includes(dirs.layerImage), text(loops.stdout));
  await stat(dirs.dir).then(() => assert.fail('state directory left'), () => {});
});

test('a writable layer below 64 MiB is refused before anything is made', async (t) => {
  const runtime = await testRuntime(t);
  const id = `rt-layer-${suffix()}`;
  await assert.rejects(runtime.create(machineSpec(id, await debianRootfs(), { rootfsSizeBytes: 10 * MiB })), /rootfsSizeBytes must be a whole number of bytes, at least 67108864/);
  await stat(runtime.directory(id).dir).then(() => assert.fail('state directory made'), () => {});
});
