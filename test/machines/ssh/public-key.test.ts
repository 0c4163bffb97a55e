import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseSshPublicKey } from '../../../src/machines/ssh/public-key.ts';

const run = promisify(execFile);

/** A key pair made by ssh-keygen itself; resolves with the .pub line and what `ssh-keygen -l` prints. */
async function sshKeygen(dir: string, type: string, bits: string, comment: string): Promise<{ line: string; listing: string }> {
  const file = path.join(dir, `${type}-${bits}`);
  await run('ssh-keygen', ['-q', '-t', type, '-b', bits, '-N', '', '-C', comment, '-f', file]);
  return { line: (await readFile(`${file}.pub`, 'utf8')).trim(), listing: (await run('ssh-keygen', ['-l', '-f', `${file}.pub`])).stdout.trim() };
}

test('ed25519, RSA and ECDSA keys from ssh-keygen parse with its fingerprints', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-public-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const cases = [
    ['ed25519', '256', 'ssh-ed25519', 'ED25519'],
    ['rsa', '3072', 'ssh-rsa', 'RSA'],
    ['ecdsa', '256', 'ecdsa-sha2-nistp256', 'ECDSA'],
    ['ecdsa', '384', 'ecdsa-sha2-nistp384', 'ECDSA'],
    ['ecdsa', '521', 'ecdsa-sha2-nistp521', 'ECDSA'],
  ] as const;
  for (const [kind, bits, type, label] of cases) {
    const { line, listing } = await sshKeygen(dir, kind, bits, `user@host ${kind}`);
    const key = parseSshPublicKey(`# my key\n\n${line}\n`);
    assert.equal(key.type, type);
    assert.equal(key.bits, Number(bits));
    assert.equal(key.comment, `user@host ${kind}`);
    assert.equal(key.line, line);
    assert.equal(listing, `${bits} ${key.fingerprint} user@host ${kind} (${label})`, `${kind} ${bits}: same fingerprint as ssh-keygen -l`);
  }
});

test('garbage, private keys, options, weak and altered keys are refused with the reason', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-public-keys-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { line } = await sshKeygen(dir, 'ed25519', '256', 'me');
  const [, data] = line.split(' ');
  const weak = await sshKeygen(dir, 'rsa', '1024', 'old');
  const ecdsa = await sshKeygen(dir, 'ecdsa', '256', 'ec');
  const privateKey = await readFile(path.join(dir, 'ed25519-256'), 'utf8');
  // The same ECDSA key with its point moved off the curve (last byte of Y changed).
  const ecdsaBlob = Buffer.from(ecdsa.line.split(' ')[1], 'base64');
  ecdsaBlob[ecdsaBlob.length - 1] ^= 1;

  const cases: [string, RegExp][] = [
    ['', /no key given; expected a line like "ssh-ed25519 AAAA… comment"/],
    ['# only a comment\n', /no key given/],
    ['garbage', /unsupported key type "garbage"; use one of ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/],
    ['ssh-dss AAAAB3NzaC1kc3MAAACBAP', /unsupported key type "ssh-dss"/],
    [`sk-ssh-ed25519@openssh.com ${data}`, /unsupported key type "sk-ssh-ed25519@openssh\.com"/],
    [privateKey, /this is a private key; give the public key \(the \.pub file\) instead/],
    [`command="rm -rf /" ${line}`, /authorized_keys options before the key type are not accepted; give just "ssh-ed25519 AAAA… comment"/],
    [`${line}\n${line}`, /expected one key, found 2 lines/],
    ['ssh-ed25519', /the key data after ssh-ed25519 is not valid base64/],
    ['ssh-ed25519 not!base64', /not valid base64/],
    [`ssh-ed25519 ${data.slice(0, -1)}`, /not valid base64/],
    [`ssh-ed25519 ${data.slice(0, -4)}`, /is not a valid ssh-ed25519 key/],
    [`ssh-ed25519 ${data}AAAA`, /is not a valid ssh-ed25519 key/],
    [`ssh-rsa ${data}`, /is not a valid ssh-rsa key/],
    [`ecdsa-sha2-nistp384 ${ecdsa.line.split(' ')[1]}`, /is not a valid ecdsa-sha2-nistp384 key/],
    [`ecdsa-sha2-nistp256 ${ecdsaBlob.toString('base64')}`, /is not a valid ecdsa-sha2-nistp256 key/],
    [`ssh-ed25519 ${Buffer.from('hello world, not a key').toString('base64')}`, /is not a valid ssh-ed25519 key/],
    [weak.line, /RSA key has 1024 bits; use at least 2048 bits, or an ed25519 key/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseSshPublicKey(text), message, text.slice(0, 60));
  for (const [text] of cases) assert.throws(() => parseSshPublicKey(text), /^Error: invalid SSH public key: /);
});
