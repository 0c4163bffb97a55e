// Unpacking hostile or broken layers: members that climb out of the layer directory, a symlink
// that would redirect later members, corrupt compression, content that is not the declared layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sha256 } from '../../../src/machines/images/digest.ts';
import { unpackLayer } from '../../../src/machines/images/layer-unpack.ts';
import { layerFromTree } from '../../support/oci-fixture.ts';

const exec = promisify(execFile);

async function scratch(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-unpack-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a layer with a member named ../x is refused, and nothing is written beside the layer directory', async (t) => {
  const dir = await scratch(t);
  await mkdir(path.join(dir, 'src', 'inner'), { recursive: true });
  await writeFile(path.join(dir, 'src', 'escape'), 'out\n');
  const blob = path.join(dir, 'layer.tar');
  // --absolute-names keeps "../escape" as the member name, as a hostile layer would have it.
  await exec('tar', ['--create', '--absolute-names', `--file=${blob}`, '--directory', path.join(dir, 'src', 'inner'), '../escape']);
  const target = path.join(dir, 'target');
  await mkdir(target);
  await assert.rejects(unpackLayer(blob, target, sha256(await readFile(blob))), { code: 'Command', message: /Member name contains '\.\.'/ });
  assert.deepEqual((await readdir(dir)).sort(), ['layer.tar', 'src', 'target'], 'nothing written next to the layer directory');
});

test('a symlink in a layer cannot redirect a later member outside the layer directory', async (t) => {
  const dir = await scratch(t);
  const outside = path.join(dir, 'outside');
  await mkdir(outside);
  await mkdir(path.join(dir, 'a'));
  await symlink(outside, path.join(dir, 'a', 'evil'));
  await mkdir(path.join(dir, 'b', 'evil'), { recursive: true });
  await writeFile(path.join(dir, 'b', 'evil', 'pwned'), 'x\n');
  const blob = path.join(dir, 'layer.tar');
  await exec('tar', ['--create', `--file=${blob}`, '--directory', path.join(dir, 'a'), 'evil']);
  await exec('tar', ['--create', `--file=${blob}.b`, '--directory', path.join(dir, 'b'), 'evil/pwned']);
  await exec('tar', ['--concatenate', `--file=${blob}`, `${blob}.b`]);
  const target = path.join(dir, 'target');
  await mkdir(target);
  await unpackLayer(blob, target, sha256(await readFile(blob))).then(
    () => assert.fail('unpacking a layer that writes through its own symlink must fail'),
    (error) => assert.match(error.message, /tar --extract failed/),
  );
  assert.deepEqual(await readdir(outside), [], 'nothing was written through the symlink');
});

test('corrupt compression and content that is not the declared layer are refused', async (t) => {
  const dir = await scratch(t);
  await mkdir(path.join(dir, 'tree'));
  await writeFile(path.join(dir, 'tree', 'f'), 'content\n'.repeat(1000));
  const layer = await layerFromTree(path.join(dir, 'tree'), 'gzip');
  const corrupt = Buffer.from(layer.bytes);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0xff;
  await writeFile(path.join(dir, 'corrupt.tgz'), corrupt);
  await mkdir(path.join(dir, 't1'));
  await assert.rejects(unpackLayer(path.join(dir, 'corrupt.tgz'), path.join(dir, 't1'), layer.diffID), { code: 'Invalid', message: /could not be read or decompressed/ });

  await writeFile(path.join(dir, 'good.tgz'), layer.bytes);
  await mkdir(path.join(dir, 't2'));
  await assert.rejects(unpackLayer(path.join(dir, 'good.tgz'), path.join(dir, 't2'), sha256('another layer')), { code: 'DigestMismatch', message: /does not match the image config's diff_id/ });
});

test('a whiteout for a name the same layer also creates leaves that entry alone', async (t) => {
  const dir = await scratch(t);
  await mkdir(path.join(dir, 'tree'));
  await writeFile(path.join(dir, 'tree', '.wh.both'), '');
  await writeFile(path.join(dir, 'tree', 'both'), 'kept\n');
  await writeFile(path.join(dir, 'tree', '.wh.gone'), '');
  const layer = await layerFromTree(path.join(dir, 'tree'), 'none');
  await writeFile(path.join(dir, 'layer.tar'), layer.bytes);
  await mkdir(path.join(dir, 'target'));
  assert.deepEqual(await unpackLayer(path.join(dir, 'layer.tar'), path.join(dir, 'target'), layer.diffID), { whiteouts: 1, opaqueDirs: 0 });
  assert.equal(await readFile(path.join(dir, 'target', 'both'), 'utf8'), 'kept\n');
  assert.ok((await lstat(path.join(dir, 'target', 'gone'))).isCharacterDevice());
  assert.deepEqual((await readdir(path.join(dir, 'target'))).sort(), ['both', 'gone']);
});
