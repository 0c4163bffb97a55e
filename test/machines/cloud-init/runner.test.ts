// Running cloud-config inside a real runc machine (Debian): files with every encoding, owner,
// permissions and append; bootcmd and runcmd as lines and argv lists; users with authorized keys;
// everything in document order; success read from the sentinel; a failing command stops the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, suffix, testRuntime } from '../runtime/support.ts';
import { BootstrapError, hasBootstrapSentinel, parseCloudConfig, runCloudConfig, type MachineExec } from '../../../src/machines/cloud-init/index.ts';
import type { MachineRuntime } from '../../../src/machines/runtime/index.ts';
import { generateSshKeyPair } from '../../../src/machines/ssh/key-pair.ts';

async function runningMachine(t: Parameters<typeof testRuntime>[0]): Promise<{ runtime: MachineRuntime; machine: MachineExec; sh: (script: string) => Promise<string> }> {
  const runtime = await testRuntime(t);
  const id = `cloudinit-${suffix()}`;
  await runtime.create(machineSpec(id, await debianRootfs()));
  await runtime.start(id);
  const machine: MachineExec = { exec: (command, options) => runtime.exec(id, command, options) };
  const sh = async (script: string) => {
    const result = await machine.exec(['/bin/sh', '-c', script]);
    assert.equal(result.exitCode, 0, `${script}: ${result.stderr.toString()}`);
    return result.stdout.toString();
  };
  return { runtime, machine, sh };
}

test('a cloud-config runs in document order inside the machine and reports success by the sentinel', async (t) => {
  const { machine, sh } = await runningMachine(t);
  const key = generateSshKeyPair('ops@cloud-init').publicKey;
  const payload = 'alpha\nbeta\n';
  const config = parseCloudConfig([
    '#cloud-config',
    'bootcmd:',
    '  - echo bootcmd >> /var/log/order',
    'write_files:',
    '  - path: /etc/slipway/plain.conf',
    '    content: |',
    '      plain text',
    '  - path: /etc/slipway/b64.conf',
    '    encoding: b64',
    `    content: ${Buffer.from(payload).toString('base64')}`,
    "    permissions: '0600'",
    '  - path: /etc/slipway/gz.conf',
    '    encoding: gzip+base64',
    `    content: ${gzipSync(payload).toString('base64')}`,
    '    owner: nobody:nogroup',
    "    permissions: '0640'",
    '  - path: /etc/slipway/plain.conf',
    '    content: |',
    '      appended line',
    '    append: true',
    '  - path: /var/log/order',
    '    content: "write_files\\n"',
    '    append: true',
    'users:',
    '  - default',
    '  - name: ops',
    `    ssh_authorized_keys: ["${key}"]`,
    '    shell: /bin/bash',
    'runcmd:',
    '  - echo runcmd-string >> /var/log/order',
    '  - [sh, -c, "echo runcmd-list >> /var/log/order"]',
    '  - mkdir -p /run/cluster-api && echo success > /run/cluster-api/bootstrap-success.complete',
  ].join('\n'));
  assert.equal(await hasBootstrapSentinel(machine), false);
  const actions: string[] = [];
  await runCloudConfig(machine, config, { onAction: (a) => actions.push(a) });
  assert.equal(actions.length, 10);
  assert.equal(await hasBootstrapSentinel(machine), true);
  assert.equal(await sh('cat /var/log/order'), 'bootcmd\nwrite_files\nruncmd-string\nruncmd-list\n');
  assert.equal(await sh('cat /etc/slipway/plain.conf'), 'plain text\nappended line\n');
  assert.equal(await sh('cat /etc/slipway/b64.conf'), payload);
  assert.equal(await sh('cat /etc/slipway/gz.conf'), payload);
  assert.equal(await sh('stat -c "%a %U:%G" /etc/slipway/plain.conf /etc/slipway/b64.conf /etc/slipway/gz.conf'), '644 root:root\n600 root:root\n640 nobody:nogroup\n');
  assert.equal(await sh('getent passwd ops | cut -d: -f7'), '/bin/bash\n');
  assert.equal(await sh('cat /home/ops/.ssh/authorized_keys'), `${key}\n`);
  assert.equal(await sh('stat -c "%a %U" /home/ops/.ssh /home/ops/.ssh/authorized_keys'), '700 ops\n600 ops\n');
  // Running the users step again adds no duplicate key.
  await runCloudConfig(machine, parseCloudConfig(`#cloud-config\nusers:\n  - name: ops\n    ssh_authorized_keys: ["${key}"]\n`));
  assert.equal(await sh('cat /home/ops/.ssh/authorized_keys'), `${key}\n`);
});

test('a failing command stops the run with the step, exit code and output; later steps do not run', async (t) => {
  const { machine, sh } = await runningMachine(t);
  const config = parseCloudConfig('#cloud-config\nruncmd:\n  - echo before > /tmp/before\n  - echo broken >&2; exit 3\n  - echo after > /tmp/after\n');
  await assert.rejects(runCloudConfig(machine, config), (error: unknown) => {
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.step, 'runcmd[1] echo broken >&2; exit 3');
    assert.equal(error.exitCode, 3);
    assert.equal(error.output, 'broken');
    return true;
  });
  assert.equal(await sh('cat /tmp/before'), 'before\n');
  assert.equal(await sh('test -e /tmp/after || echo absent'), 'absent\n');
  assert.equal(await hasBootstrapSentinel(machine), false);
});

test('a file path is an argument, never shell text', async (t) => {
  const { machine, sh } = await runningMachine(t);
  await runCloudConfig(machine, parseCloudConfig('#cloud-config\nwrite_files:\n  - path: "/tmp/odd name; touch /tmp/pwned"\n    content: x\n'));
  assert.equal(await sh('cat "/tmp/odd name; touch /tmp/pwned"; test -e /tmp/pwned || echo " safe"'), 'x safe\n');
});

test('contiguous actions share one exec; file contents arrive byte for byte and are never shell text', async (t) => {
  const { machine, sh } = await runningMachine(t);
  let execs = 0;
  const counting: MachineExec = { exec: (command, options) => { execs += 1; return machine.exec(command, options); } };
  const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const tricky = "-n '$(touch /tmp/pwned)' %s %% \\n \\\\ `id` \"$HOME\" héllo ✓\n";
  const config = parseCloudConfig([
    '#cloud-config',
    'write_files:',
    '  - path: /tmp/bytes',
    '    encoding: b64',
    `    content: ${everyByte.toString('base64')}`,
    '  - path: /tmp/tricky',
    '    encoding: b64',
    `    content: ${Buffer.from(tricky).toString('base64')}`,
    '  - path: /tmp/empty',
    '    content: ""',
    'runcmd:',
    '  - [sh, -c, "echo \\"$0\\" > /tmp/arg", "it\'s $(a) \\"quoted\\" arg ✓"]',
    '  - mkdir -p /run/cluster-api && echo success > /run/cluster-api/bootstrap-success.complete',
  ].join('\n'));
  await runCloudConfig(counting, config);
  assert.equal(execs, 1);
  assert.equal(await hasBootstrapSentinel(machine), true);
  assert.equal(await sh('od -An -tx1 -v /tmp/bytes | tr -d " \\n"'), everyByte.toString('hex'));
  assert.equal(await sh('cat /tmp/tricky'), tricky);
  assert.equal(await sh('wc -c < /tmp/empty'), '0\n');
  assert.equal(await sh('cat /tmp/arg'), 'it\'s $(a) "quoted" arg ✓\n');
  assert.equal(await sh('test -e /tmp/pwned || echo safe'), 'safe\n');
});

test('a failure inside a shared exec names its own action, with only that action\'s output', async (t) => {
  const { machine, sh } = await runningMachine(t);
  const config = parseCloudConfig([
    '#cloud-config',
    'runcmd:',
    '  - echo noise; echo more noise >&2',
    'write_files:',
    '  - path: /tmp/first',
    '    content: first',
    '  - path: /tmp/second',
    '    content: second',
    '    owner: nosuchuser',
    '  - path: /tmp/third',
    '    content: third',
  ].join('\n'));
  await assert.rejects(runCloudConfig(machine, config), (error: unknown) => {
    assert.ok(error instanceof BootstrapError);
    assert.equal(error.step, 'write_files[1] /tmp/second');
    assert.equal(error.exitCode, 1);
    assert.match(error.output, /nosuchuser/);
    assert.doesNotMatch(error.output, /noise/);
    return true;
  });
  assert.equal(await sh('cat /tmp/first'), 'first');
  assert.equal(await sh('test -e /tmp/third || echo absent'), 'absent\n');
});

test('a file too large to share a script gets an exec of its own, in document order', async (t) => {
  const { machine, sh } = await runningMachine(t);
  let execs = 0;
  const counting: MachineExec = { exec: (command, options) => { execs += 1; return machine.exec(command, options); } };
  const large = Buffer.alloc(300_000, 0xff);
  const config = parseCloudConfig([
    '#cloud-config',
    'runcmd:',
    '  - echo before > /tmp/order',
    'write_files:',
    '  - path: /tmp/large',
    '    encoding: b64',
    `    content: ${large.toString('base64')}`,
    'bootcmd:',
    '  - test "$(wc -c < /tmp/large)" = 300000 && echo after >> /tmp/order',
  ].join('\n'));
  await runCloudConfig(counting, config);
  assert.equal(execs, 3);
  assert.equal(await sh('cat /tmp/order'), 'before\nafter\n');
  assert.equal(await sh('od -An -tx1 -v /tmp/large | tr -d " \\n" | tr -d f | wc -c'), '0\n');
});
