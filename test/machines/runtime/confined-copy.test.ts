// Copies between the host and a machine's root never leave that root: links planted by the
// machine resolve inside it, as they would for the machine itself. A plain directory stands in
// for the mounted root filesystem.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { resolveInRoot } from '../../../src/machines/runtime/confined-path.ts';
import { copyIntoMachine, copyOutOfMachine } from '../../../src/machines/runtime/file-copy.ts';
import { writeMachineFile } from '../../../src/machines/runtime/machine-files.ts';
import type { MachineRuntimeError } from '../../../src/machines/runtime/machine-runtime-error.ts';

async function scratch(t: TestContext): Promise<{ rootfs: string; host: string; outside: string }> {
  const base = await mkdtemp(path.join(tmpdir(), 'slipway-confined-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const rootfs = path.join(base, 'rootfs');
  const host = path.join(base, 'host');
  const outside = path.join(base, 'outside');
  for (const dir of [rootfs, host, outside, path.join(rootfs, 'etc'), path.join(rootfs, 'usr/bin')]) await mkdir(dir, { recursive: true });
  await writeFile(path.join(rootfs, 'etc/hostname'), 'machine\n');
  await writeFile(path.join(outside, 'secret'), 'host secret\n');
  // Merged /usr, as in Debian: /bin is a relative link that must keep working.
  await symlink('usr/bin', path.join(rootfs, 'bin'));
  // Links a hostile machine could plant, aiming at the host's files.
  await symlink(outside, path.join(rootfs, 'absolute-escape'));
  await symlink('../../../../../../..' + outside, path.join(rootfs, 'relative-escape'));
  await symlink('/../../..', path.join(rootfs, 'etc/up'));
  return { rootfs, host, outside };
}

test('paths resolve as the machine sees them: links followed against its root, .. stops at the root', async (t) => {
  const { rootfs } = await scratch(t);
  assert.deepEqual(await resolveInRoot(rootfs, '/bin/sh'), ['usr', 'bin', 'sh']);
  assert.deepEqual(await resolveInRoot(rootfs, '/../../etc/hostname'), ['etc', 'hostname']);
  assert.deepEqual(await resolveInRoot(rootfs, '/etc/up/etc/hostname'), ['etc', 'hostname']);
  // The host path the link names is taken as a path inside the machine.
  const outside = path.join(path.dirname(rootfs), 'outside');
  assert.deepEqual(await resolveInRoot(rootfs, '/absolute-escape/secret'), [...outside.split('/').filter(Boolean), 'secret']);
  assert.deepEqual(await resolveInRoot(rootfs, '/relative-escape/secret'), [...outside.split('/').filter(Boolean), 'secret']);
  await assert.rejects(resolveInRoot(rootfs, 'relative/path'), /must be absolute/);
});

test('copy out through planted links reads the machine\'s files, never the host\'s', async (t) => {
  const { rootfs, host, outside } = await scratch(t);
  await mkdir(path.join(rootfs, outside), { recursive: true });
  await writeFile(path.join(rootfs, outside, 'secret'), 'the machine\'s own file\n');
  for (const link of ['/absolute-escape/secret', '/relative-escape/secret']) {
    const target = path.join(host, `copy-${path.basename(path.dirname(link))}`);
    await copyOutOfMachine(rootfs, link, target);
    assert.equal(await readFile(target, 'utf8'), 'the machine\'s own file\n', link);
  }
  await assert.rejects(copyOutOfMachine(rootfs, '/absolute-escape/missing', path.join(host, 'x')), (error: MachineRuntimeError) => error.reason === 'NotFound');
});

test('copy in through planted links writes inside the machine, never on the host', async (t) => {
  const { rootfs, host, outside } = await scratch(t);
  await writeFile(path.join(host, 'payload'), 'from the host\n');
  await mkdir(path.join(rootfs, outside), { recursive: true });
  await copyIntoMachine(rootfs, path.join(host, 'payload'), '/absolute-escape/secret');
  assert.equal(await readFile(path.join(outside, 'secret'), 'utf8'), 'host secret\n');
  assert.equal(await readFile(path.join(rootfs, outside, 'secret'), 'utf8'), 'from the host\n');
  // A link at the final name is replaced, not written through.
  await symlink(path.join(outside, 'secret'), path.join(rootfs, 'etc/motd'));
  await writeMachineFile(rootfs, '/etc/motd', 'hello\n');
  assert.equal(await readFile(path.join(outside, 'secret'), 'utf8'), 'host secret\n');
  assert.ok((await lstat(path.join(rootfs, 'etc/motd'))).isFile());
});

test('directory trees copy both ways with modes, and links stay links', async (t) => {
  const { rootfs, host } = await scratch(t);
  const tree = path.join(host, 'tree');
  await mkdir(path.join(tree, 'sub'), { recursive: true });
  await writeFile(path.join(tree, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o750 });
  await writeFile(path.join(tree, 'sub/data'), 'data\n');
  await symlink('/etc/passwd', path.join(tree, 'sub/link'));
  await copyIntoMachine(rootfs, tree, '/etc');
  assert.equal(await readFile(path.join(rootfs, 'etc/tree/sub/data'), 'utf8'), 'data\n');
  assert.equal((await stat(path.join(rootfs, 'etc/tree/run.sh'))).mode & 0o777, 0o750);
  assert.equal(await readlink(path.join(rootfs, 'etc/tree/sub/link')), '/etc/passwd');
  await copyIntoMachine(rootfs, path.join(tree, 'sub/data'), '/etc/renamed');
  assert.equal(await readFile(path.join(rootfs, 'etc/renamed'), 'utf8'), 'data\n');
  const back = path.join(host, 'back');
  await copyOutOfMachine(rootfs, '/etc/tree', back);
  assert.equal(await readFile(path.join(back, 'sub/data'), 'utf8'), 'data\n');
  assert.equal((await stat(path.join(back, 'run.sh'))).mode & 0o777, 0o750);
  assert.equal(await readlink(path.join(back, 'sub/link')), '/etc/passwd');
  await assert.rejects(copyIntoMachine(rootfs, path.join(host, 'missing'), '/etc'), /does not exist on the host/);
  await assert.rejects(copyIntoMachine(rootfs, path.join(tree, 'run.sh'), '/no/such/dir/file'), (error: MachineRuntimeError) => error.reason === 'NotFound');
});

test('copy in with parents makes the missing directories, 0755, inside the machine only', async (t) => {
  const { rootfs, host, outside } = await scratch(t);
  await writeFile(path.join(host, 'motd'), 'made with its directories\n');
  await copyIntoMachine(rootfs, path.join(host, 'motd'), '/opt/app/etc/motd', { parents: true });
  assert.equal(await readFile(path.join(rootfs, 'opt/app/etc/motd'), 'utf8'), 'made with its directories\n');
  for (const dir of ['opt', 'opt/app', 'opt/app/etc']) assert.equal((await stat(path.join(rootfs, dir))).mode & 0o777, 0o755, dir);
  // Through a planted link the directories are made where the machine sees them, never on the host.
  await copyIntoMachine(rootfs, path.join(host, 'motd'), '/absolute-escape/made/motd', { parents: true });
  assert.equal(await readFile(path.join(rootfs, outside, 'made/motd'), 'utf8'), 'made with its directories\n');
  await assert.rejects(stat(path.join(outside, 'made')), { code: 'ENOENT' });
});
