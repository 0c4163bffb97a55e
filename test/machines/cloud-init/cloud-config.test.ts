// Parsing the cloud-config subset: modules in document order, every encoding, owners, modes,
// appends, commands as lines or argv, users; bad input named precisely.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseCloudConfig, CloudConfigError } from '../../../src/machines/cloud-init/index.ts';

test('modules come out in document order, with unknown keys listed as ignored', () => {
  const config = parseCloudConfig([
    '#cloud-config',
    'runcmd:',
    '  - echo first',
    'ntp: {enabled: true}',
    'write_files:',
    '  - path: /etc/a',
    '    content: hello',
    'bootcmd:',
    '  - [touch, /tmp/boot]',
    'users:',
    '  - default',
    '  - name: ops',
    '    ssh_authorized_keys: [ssh-ed25519 AAAA one]',
    '    groups: adm, sudo',
    '    sudo: ALL=(ALL) NOPASSWD:ALL',
    '    shell: /bin/bash',
  ].join('\n'));
  assert.deepEqual(config.steps.map((s) => s.module), ['runcmd', 'write_files', 'bootcmd', 'users']);
  assert.deepEqual(config.ignored, ['ntp']);
  assert.deepEqual(config.steps[0], { module: 'runcmd', commands: [{ shell: 'echo first' }] });
  assert.deepEqual(config.steps[2], { module: 'bootcmd', commands: [{ argv: ['touch', '/tmp/boot'] }] });
  assert.deepEqual(config.steps[3], { module: 'users', users: [{ name: 'ops', sshAuthorizedKeys: ['ssh-ed25519 AAAA one'], groups: ['adm', 'sudo'], shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL' }] });
});

test('write_files decodes every encoding and reads owner, permissions and append', () => {
  const payload = 'line one\nline two\n';
  const config = parseCloudConfig([
    '#cloud-config',
    'write_files:',
    '  - path: /plain',
    `    content: ${JSON.stringify(payload)}`,
    '  - path: /b64',
    '    encoding: b64',
    `    content: ${Buffer.from(payload).toString('base64')}`,
    '  - path: /gz',
    '    encoding: gzip+base64',
    `    content: ${gzipSync(payload).toString('base64')}`,
    '    owner: nobody:nogroup',
    "    permissions: '0600'",
    '    append: true',
    '  - path: /octal',
    '    permissions: 0755',
    '  - path: /empty',
  ].join('\n'));
  const step = config.steps[0];
  assert.equal(step.module, 'write_files');
  if (step.module !== 'write_files') return;
  assert.deepEqual(step.files.map((f) => f.content.toString()), [payload, payload, payload, '', '']);
  assert.deepEqual(step.files.map((f) => [f.owner, f.permissions.toString(8), f.append]), [
    ['root:root', '644', false], ['root:root', '644', false], ['nobody:nogroup', '600', true], ['root:root', '755', false], ['root:root', '644', false],
  ]);
});

test('"## template: jinja" documents get the host name substituted', () => {
  const config = parseCloudConfig('## template: jinja\n#cloud-config\nruncmd:\n  - echo {{ ds.meta_data.local_hostname }} {{ v1.local_hostname }}\n', { hostname: 'node-1' });
  assert.deepEqual(config.steps[0], { module: 'runcmd', commands: [{ shell: 'echo node-1 node-1' }] });
});

test('bad input is refused with the place named', () => {
  const cases: [string, RegExp][] = [
    ['#!/bin/sh\necho hi', /must start with "#cloud-config"/],
    ['#cloud-config\nwrite_files: {path: /x}', /write_files must be a list/],
    ['#cloud-config\nwrite_files:\n  - path: relative\n', /write_files\[0\]\.path "relative" must be an absolute file path/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    encoding: rot13\n    content: x', /unknown encoding "rot13"/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    encoding: b64\n    content: "not base64!"', /not valid base64/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    encoding: gz+b64\n    content: aGVsbG8=', /not valid gzip/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    permissions: "rwx"', /not an octal mode/],
    ['#cloud-config\nwrite_files:\n  - path: /x\n    owner: "root; rm -rf /"', /must be "user" or "user:group"/],
    ['#cloud-config\nruncmd:\n  - []', /runcmd\[0\] is an empty command/],
    ['#cloud-config\nusers:\n  - name: "bad name"', /users\[0\]\.name "bad name" is not a valid user name/],
    ['#cloud-config\nruncmd: [unclosed', /not valid YAML/],
  ];
  for (const [data, expected] of cases) {
    assert.throws(() => parseCloudConfig(data), (error: unknown) => error instanceof CloudConfigError && expected.test(error.message), `for ${JSON.stringify(data)}`);
  }
});
