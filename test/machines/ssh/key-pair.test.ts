import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateSshKeyPair, writeSshKeyPair } from '../../../src/machines/ssh/key-pair.ts';
import { parseSshPublicKey } from '../../../src/machines/ssh/public-key.ts';

const run = promisify(execFile);

async function tempDir(t: test.TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-ssh-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a generated ed25519 key is what ssh-keygen reads: same public key, same fingerprint', async (t) => {
  const dir = await tempDir(t);
  const keyPair = generateSshKeyPair('slipway@web-0');
  assert.match(keyPair.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/);
  assert.match(keyPair.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA[A-Za-z0-9+/]+ slipway@web-0$/);
  assert.match(keyPair.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);

  const written = await writeSshKeyPair(keyPair, path.join(dir, 'id_ed25519'));
  assert.deepEqual(written, { privateKeyPath: path.join(dir, 'id_ed25519'), publicKeyPath: path.join(dir, 'id_ed25519.pub') });
  assert.equal((await stat(written.privateKeyPath)).mode & 0o777, 0o600);
  assert.equal((await stat(written.publicKeyPath)).mode & 0o777, 0o644);
  assert.equal(await readFile(written.privateKeyPath, 'utf8'), keyPair.privateKey);
  assert.equal(await readFile(written.publicKeyPath, 'utf8'), `${keyPair.publicKey}\n`);

  const derived = await run('ssh-keygen', ['-y', '-f', written.privateKeyPath]);
  assert.equal(derived.stdout.trim(), keyPair.publicKey, 'ssh-keygen -y derives the same public key from the private key');
  const listed = await run('ssh-keygen', ['-l', '-f', written.privateKeyPath]);
  assert.equal(listed.stdout.trim(), `256 ${keyPair.fingerprint} slipway@web-0 (ED25519)`);
  assert.equal(parseSshPublicKey(keyPair.publicKey).fingerprint, keyPair.fingerprint);
  assert.equal((await readdir(dir)).sort().join(' '), 'id_ed25519 id_ed25519.pub', 'no temporary files are left');
});

test('every key pair is new', () => {
  const a = generateSshKeyPair();
  const b = generateSshKeyPair();
  assert.notEqual(a.privateKey, b.privateKey);
  assert.notEqual(a.fingerprint, b.fingerprint);
  assert.match(a.publicKey, / slipway$/);
});

test('existing key files are kept unless overwrite is asked for', async (t) => {
  const dir = await tempDir(t);
  const target = path.join(dir, 'key');
  await writeFile(target, 'precious', { mode: 0o644 });
  await assert.rejects(writeSshKeyPair(generateSshKeyPair(), target), /cannot write SSH key .*\/key: the file already exists; remove it or pass overwrite: true/);
  assert.equal(await readFile(target, 'utf8'), 'precious');
  const keyPair = generateSshKeyPair();
  await writeSshKeyPair(keyPair, target, { overwrite: true });
  assert.equal(await readFile(target, 'utf8'), keyPair.privateKey);
  assert.equal((await stat(target)).mode & 0o777, 0o600, 'the replaced file has the private mode, not the old one');
  assert.deepEqual((await readdir(dir)).sort(), ['key', 'key.pub']);
});

test('bad comments and paths are refused', async () => {
  for (const comment of ['', ' lead', 'trail ', 'new\nline', 'tab\there', 'é', 'x'.repeat(257)]) {
    assert.throws(() => generateSshKeyPair(comment), /^Error: invalid SSH key comment/, JSON.stringify(comment));
  }
  await assert.rejects(writeSshKeyPair(generateSshKeyPair(), 'relative/key'), /invalid SSH key path "relative\/key": give an absolute path/);
  await assert.rejects(writeSshKeyPair(generateSshKeyPair(), '/nonexistent-dir-for-slipway/key'), /^Error: cannot write SSH key \/nonexistent-dir-for-slipway\/key: directory \/nonexistent-dir-for-slipway does not exist$/);
});
