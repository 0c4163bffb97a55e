// A machine in a network namespace the test makes (a veth pair with a private /30), reached by a
// real OpenSSH client with a key installed at create: the Ignite `run --ssh` path end to end.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { hostCommands } from '../../../src/machines/host-command.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, suffix, testRuntime } from './support.ts';

async function ip(args: string[]): Promise<void> {
  const result = await hostCommands.run('ip', args);
  if (result.exitCode !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.toString().trim()}`);
}

test('a machine in its own network namespace answers SSH with the key it was given', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const tag = suffix();
  const namespace = `slw-rt-${tag}`;
  const hostEnd = `vrt${tag}`;
  const machineEnd = `vrt${tag}m`;
  // A private /30 in 10.214.0.0/16 (this suite's range): .1 the host, .2 the machine.
  const base = Math.floor(Math.random() * 256 * 64) * 4;
  const prefix = `10.214.${base >> 8}.`;
  const hostIp = `${prefix}${(base & 255) + 1}`;
  const machineIp = `${prefix}${(base & 255) + 2}`;
  t.after(async () => {
    await hostCommands.run('ip', ['link', 'del', hostEnd]);
    await hostCommands.run('ip', ['netns', 'del', namespace]);
  });
  await ip(['netns', 'add', namespace]);
  await ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', machineEnd]);
  await ip(['link', 'set', machineEnd, 'netns', namespace]);
  await ip(['addr', 'add', `${hostIp}/30`, 'dev', hostEnd]);
  await ip(['link', 'set', hostEnd, 'up']);
  await ip(['-n', namespace, 'addr', 'add', `${machineIp}/30`, 'dev', machineEnd]);
  await ip(['-n', namespace, 'link', 'set', machineEnd, 'up']);
  await ip(['-n', namespace, 'link', 'set', 'lo', 'up']);

  const keys = await mkdtemp(path.join(tmpdir(), 'slipway-ssh-'));
  t.after(() => rm(keys, { recursive: true, force: true }));
  const keyFile = path.join(keys, 'id_ed25519');
  const keygen = await hostCommands.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-test', '-f', keyFile]);
  assert.equal(keygen.exitCode, 0, keygen.stderr.toString());
  const publicKey = (await readFile(`${keyFile}.pub`, 'utf8')).trim();

  const id = `rt-ssh-${tag}`;
  const hostname = `${id}.machines.test`;
  const began = performance.now();
  await runtime.create(machineSpec(id, lower, {
    hostname,
    networkNamespace: `/run/netns/${namespace}`,
    ip: machineIp,
    hosts: [{ ip: hostIp, names: ['slipway-host'] }],
    sshAuthorizedKeys: [publicKey],
  }));
  await runtime.start(id);
  const sshArgs = ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', '-o', 'LogLevel=ERROR', `root@${machineIp}`];
  let attempts = 0;
  let answer;
  for (;;) {
    attempts++;
    answer = await hostCommands.run('ssh', [...sshArgs, 'hostname']);
    if (answer.exitCode === 0 || performance.now() - began > 20_000) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = Math.round(performance.now() - began);
  assert.equal(answer.exitCode, 0, `ssh failed: ${answer.stderr.toString()}\nconsole:\n${await runtime.logs(id)}`);
  assert.equal(answer.stdout.toString().trim(), hostname);
  console.log(`# create → first successful SSH command: ${elapsed} ms (${attempts} attempt(s))`);

  const inside = await hostCommands.run('ssh', [...sshArgs, 'stat -c "%a %U %n" /root/.ssh /root/.ssh/authorized_keys; grep -v "^#" /etc/hosts; cat /etc/hostname']);
  assert.equal(inside.exitCode, 0, inside.stderr.toString());
  const output = inside.stdout.toString();
  assert.match(output, /^700 root \/root\/\.ssh$/m);
  assert.match(output, /^600 root \/root\/\.ssh\/authorized_keys$/m);
  assert.match(output, new RegExp(`^${machineIp.replaceAll('.', '\\.')}\\t${hostname} ${id}$`, 'm'));
  assert.match(output, new RegExp(`^${hostIp.replaceAll('.', '\\.')}\\tslipway-host$`, 'm'));
  assert.match(output, new RegExp(`^${hostname}$`, 'm'));

  const wrongKey = path.join(keys, 'other');
  await hostCommands.run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
  const refused = await hostCommands.run('ssh', ['-i', wrongKey, ...sshArgs.slice(2), 'hostname']);
  assert.notEqual(refused.exitCode, 0, 'a key that was not installed must be refused');

  const stopped = await runtime.stop(id);
  assert.equal(stopped.graceful, true);
  await runtime.cleanup(id);
});
