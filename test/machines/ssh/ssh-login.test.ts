import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { attachMachine } from '../../../src/machines/network/attachment.ts';
import { ensureBridge } from '../../../src/machines/network/bridge.ts';
import { allocateAddress } from '../../../src/machines/network/ipam.ts';
import { generateSshKeyPair, writeSshKeyPair } from '../../../src/machines/ssh/key-pair.ts';
import { sshCommand } from '../../../src/machines/ssh/ssh-command.ts';
import { acceptsTcp, cleanUpNetwork, freeTestSubnet, startInNetns, testNamePrefix } from '../support/network.ts';

const SLOT = 2;
const run = promisify(execFile);

/** Runs an argv from sshCommand; resolves with exit code and output instead of throwing. */
async function ssh(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(argv[0], argv.slice(1), { timeout: 30_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

test('ssh with a generated key and sshCommand logs into dropbear in a machine namespace', async (t) => {
  const prefix = testNamePrefix();
  const bridge = `${prefix}br`;
  t.after(() => cleanUpNetwork(prefix, [bridge]));
  const subnet = await freeTestSubnet(SLOT);
  await ensureBridge({ name: bridge, subnet });
  const machine = await attachMachine({ machineId: `${prefix}/ssh`, bridge, subnet, address: allocateAddress(subnet, new Set()), namePrefix: prefix });

  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-ssh-login-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keyPair = generateSshKeyPair(`slipway@${prefix}`);
  const { privateKeyPath } = await writeSshKeyPair(keyPair, path.join(dir, 'id_ed25519'));
  const home = path.join(dir, 'home');
  await mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
  await chmod(home, 0o700);
  await writeFile(path.join(home, '.ssh', 'authorized_keys'), `${keyPair.publicKey}\n`, { mode: 0o600 });
  const hostKey = path.join(dir, 'host_key');
  await run('dropbearkey', ['-t', 'ed25519', '-f', hostKey]);

  // dropbear reads authorized_keys from the home directory in the passwd database and has no option
  // to look elsewhere. `ip netns exec` bind-mounts /etc/netns/NAME/* over /etc for the programs it
  // runs, so dropbear alone sees a passwd whose root lives in the temporary home.
  const etc = path.join('/etc/netns', machine.name);
  const madeNetnsDir = await mkdir('/etc/netns', { recursive: true });
  await mkdir(etc);
  t.after(async () => {
    await rm(etc, { recursive: true, force: true });
    if (madeNetnsDir) await rmdir('/etc/netns').catch(() => undefined);
  });
  const passwd = (await readFile('/etc/passwd', 'utf8')).replace(/^(root:[^:]*:0:0:[^:]*:)[^:]*:/m, `$1${home}:`);
  await writeFile(path.join(etc, 'passwd'), passwd);

  const dropbear = await startInNetns(machine.name,
    ['dropbear', '-F', '-E', '-s', '-p', `${machine.address}:22`, '-r', hostKey, '-P', path.join(dir, 'dropbear.pid')],
    () => acceptsTcp(machine.address, 22));
  t.after(() => dropbear.stop());

  const started = performance.now();
  const login = await ssh(sshCommand({ privateKeyPath, address: machine.address, command: ['echo', 'ok'] }));
  t.diagnostic(`ssh login and command: ${(performance.now() - started).toFixed(0)} ms`);
  assert.deepEqual(login, { code: 0, stdout: 'ok\n', stderr: '' });

  const quoted = await ssh(sshCommand({ privateKeyPath, address: machine.address, command: ['printf', '%s|', 'two words', "it's", '$HOME', '; echo injected'] }));
  assert.equal(quoted.stdout, `two words|it's|$HOME|; echo injected|`, 'each argument arrives unchanged through the remote shell');
  const where = await ssh(sshCommand({ privateKeyPath, address: machine.address, command: ['sh', '-c', 'ip -4 -o addr show dev eth0 | cut -d" " -f7; echo $HOME'] }));
  assert.equal(where.stdout, `${machine.address}/24\n${home}\n`, 'the login landed in the machine namespace');

  const strangerKey = await writeSshKeyPair(generateSshKeyPair('stranger'), path.join(dir, 'stranger'));
  const refused = await ssh(sshCommand({ privateKeyPath: strangerKey.privateKeyPath, address: machine.address, command: ['echo', 'ok'] }));
  assert.equal(refused.code, 255);
  assert.equal(refused.stdout, '');
  assert.match(refused.stderr, /Permission denied \(publickey\)/);
});
