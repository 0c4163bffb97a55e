// Bad input fails with one clear error naming the problem, and leaves nothing behind: no state
// directory, no container, no mount.
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { MachineRuntimeError, type MachineSpec } from '../../../src/machines/runtime/index.ts';
import { readMounts } from '../../../src/machines/runtime/mountinfo.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, MiB, suffix, testRuntime } from './support.ts';

test('bad ids, too little memory, no CPU, missing lower directories or namespace: clear errors, nothing half-made', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const id = `rt-bad-${suffix()}`;
  const cases: [string, MachineSpec, RegExp][] = [
    ['path traversal id', machineSpec('../escape', lower), /machine id "\.\.\/escape" is not valid/],
    ['slash in id', machineSpec('a/b', lower), /machine id "a\/b" is not valid/],
    ['empty id', machineSpec('', lower), /machine id is missing/],
    ['memory too small', machineSpec(id, lower, { resources: { cpus: 1, memoryBytes: 32 * MiB } }), /memory 32 MiB is too small for a machine: give at least 64 MiB/],
    ['zero cpus', machineSpec(id, lower, { resources: { cpus: 0, memoryBytes: 256 * MiB } }), /cpus must be a number above 0 \(got 0\)/],
    ['negative cpus', machineSpec(id, lower, { resources: { cpus: -0.5, memoryBytes: 256 * MiB } }), /cpus must be a number above 0 \(got -0\.5\)/],
    ['missing lower directory', machineSpec(id, '/nonexistent/slipway/layer'), /lower directory \/nonexistent\/slipway\/layer does not exist or is not a directory: pull or unpack the image first/],
    ['missing network namespace', machineSpec(id, lower, { networkNamespace: '/run/netns/slipway-missing-ns' }), /network namespace \/run\/netns\/slipway-missing-ns does not exist/],
    ['bad hostname', machineSpec(id, lower, { hostname: 'under_score' }), /hostname "under_score" is not a valid host name/],
  ];
  for (const [what, spec, message] of cases) {
    await assert.rejects(runtime.create(spec), (error: MachineRuntimeError) => {
      assert.equal(error.name, 'MachineRuntimeError', what);
      assert.equal(error.reason, 'Invalid', what);
      assert.match(error.message, message, what);
      return true;
    });
  }
  // Several problems at once are all named in one message.
  await assert.rejects(runtime.create(machineSpec(id, lower, { resources: { cpus: 0, memoryBytes: MiB } })), /cpus must be a number above 0.*; memory 1 MiB is too small/);

  assert.deepEqual(await readdir(runtime.root), [], 'no state directory was made');
  assert.deepEqual(await runtime.list(), []);
  assert.ok(!(await readMounts()).some((mount) => mount.mountPoint.startsWith(`${runtime.root}/`)));

  // Operations on machines that do not exist, and a second create of one that does.
  await assert.rejects(runtime.start(id), (error: MachineRuntimeError) => error.reason === 'NotFound' && /machine rt-bad-.* does not exist/.test(error.message));
  await assert.rejects(runtime.stop(id), (error: MachineRuntimeError) => error.reason === 'NotFound');
  await assert.rejects(runtime.exec(id, ['true']), (error: MachineRuntimeError) => error.reason === 'NotFound');
  await assert.rejects(runtime.kill(id, 'SIGNOPE'), /signal "SIGNOPE" is not a signal/);
  await assert.rejects(runtime.state('../x'), /not valid/);
  await runtime.cleanup(id);
  await runtime.create(machineSpec(id, lower));
  await assert.rejects(runtime.create(machineSpec(id, lower)), (error: MachineRuntimeError) => error.reason === 'AlreadyExists' && /already exists/.test(error.message));
  assert.equal((await runtime.state(id)).status, 'stopped', 'the existing machine is untouched');
  await assert.rejects(runtime.exec(id, []), /exec needs a command/);
});

test('a start that fails in runc leaves the machine stopped and unmounted, and says why', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const id = `rt-fail-${suffix()}`;
  // A path that exists but is no network namespace: only runc can tell.
  const notANamespace = path.join(runtime.root, 'not-a-namespace');
  await writeFile(notANamespace, '');
  await runtime.create(machineSpec(id, lower, { networkNamespace: notANamespace }));
  await assert.rejects(runtime.start(id), (error: MachineRuntimeError) => error.reason === 'Command' && /runc run of machine rt-fail-\w+ failed: .*namespace/i.test(error.message));
  const state = await runtime.state(id);
  assert.deepEqual([state.status, state.rootfsMounted, state.hasContainer], ['stopped', false, false]);
  assert.ok(!(await readMounts()).some((mount) => mount.mountPoint.startsWith(`${runtime.root}/`)));
});
