import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sshCommand } from '../../../src/machines/ssh/ssh-command.ts';

const OPTIONS = ['-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];

test('the ssh argv names the key, skips host key checks and quotes each command argument', () => {
  assert.deepEqual(sshCommand({ privateKeyPath: '/var/lib/slipway/keys/web-0', address: '10.215.1.2' }),
    ['ssh', '-i', '/var/lib/slipway/keys/web-0', '-p', '22', ...OPTIONS, '-o', 'ConnectTimeout=10', '--', 'root@10.215.1.2']);
  assert.deepEqual(sshCommand({
    privateKeyPath: '/k', address: '10.215.1.2', user: 'ubuntu', port: 2222, connectTimeoutSeconds: 3, tty: false,
    command: ['printf', '%s|', "it's", '$HOME', '-n', ''],
  }), ['ssh', '-i', '/k', '-p', '2222', ...OPTIONS, '-o', 'ConnectTimeout=3', '-T', '--', 'ubuntu@10.215.1.2',
    `'printf'`, `'%s|'`, `'it'\\''s'`, `'$HOME'`, `'-n'`, `''`]);
  assert.ok(sshCommand({ privateKeyPath: '/k', address: 'fd00::2', tty: true }).includes('-t'));
});

test('everything that reaches ssh is validated', () => {
  const base = { privateKeyPath: '/k', address: '10.215.1.2' };
  const cases: [Parameters<typeof sshCommand>[0], RegExp][] = [
    [{ ...base, privateKeyPath: 'id_ed25519' }, /invalid SSH key path "id_ed25519": give an absolute path/],
    [{ ...base, privateKeyPath: '~/.ssh/id' }, /invalid SSH key path/],
    [{ ...base, privateKeyPath: '/keys/%u' }, /without "%", "\$" or line breaks/],
    [{ ...base, privateKeyPath: '/keys/${HOME}' }, /invalid SSH key path/],
    [{ ...base, address: 'web-0' }, /invalid SSH address "web-0": expected the machine's IP address/],
    [{ ...base, address: '-oProxyCommand=x' }, /invalid SSH address/],
    [{ ...base, user: '-l' }, /invalid SSH user "-l"/],
    [{ ...base, user: 'root@evil' }, /invalid SSH user/],
    [{ ...base, port: 0 }, /invalid SSH port 0: expected 1 to 65535/],
    [{ ...base, port: 22.5 }, /invalid SSH port/],
    [{ ...base, connectTimeoutSeconds: 0 }, /invalid SSH connect timeout 0/],
    [{ ...base, command: ['echo', 'a\0b'] }, /arguments cannot contain NUL characters/],
  ];
  for (const [options, message] of cases) assert.throws(() => sshCommand(options), message, JSON.stringify(options));
});
