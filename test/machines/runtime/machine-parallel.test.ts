// Ten machines at once: all start, each has its own hostname and limits, all are cleaned up.
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import { hostCommands } from '../../../src/machines/host-command.ts';
import { readMounts } from '../../../src/machines/runtime/mountinfo.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { machineSpec, MiB, suffix, testRuntime } from './support.ts';

test('ten machines start in parallel and are all cleaned up', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const tag = suffix();
  const ids = Array.from({ length: 10 }, (_, index) => `rt-par-${tag}-${index}`);
  const began = performance.now();
  await Promise.all(ids.map(async (id) => {
    await runtime.create(machineSpec(id, lower, { resources: { cpus: 0.2, memoryBytes: 96 * MiB } }));
    await runtime.start(id);
  }));
  const startedMs = Math.round(performance.now() - began);
  const machines = await runtime.list();
  assert.deepEqual(machines.map((machine) => [machine.id, machine.status]), ids.toSorted().map((id) => [id, 'running']));
  const answers = await Promise.all(ids.map((id) => runtime.exec(id, ['sh', '-c', 'hostname; cat /sys/fs/cgroup/memory/memory.limit_in_bytes'])));
  assert.deepEqual(answers.map((answer) => answer.stdout.toString()), ids.map((id) => `${id}\n${96 * MiB}\n`));
  const pids = new Set(machines.map((machine) => machine.pid));
  assert.equal(pids.size, 10);

  const cleaning = performance.now();
  await Promise.all(ids.map((id) => runtime.cleanup(id)));
  console.log(`# 10 machines: created and started in ${startedMs} ms, cleaned up in ${Math.round(performance.now() - cleaning)} ms`);
  assert.deepEqual(await runtime.list(), []);
  const runcList = await hostCommands.run('runc', ['--root', runtime.runc.root, 'list', '-q']);
  assert.equal(runcList.stdout.toString().trim(), '');
  assert.ok(!(await readMounts()).some((mount) => mount.mountPoint.startsWith(`${runtime.root}/`)));
  for (const id of ids) await stat(runtime.directory(id).dir).then(() => assert.fail(`${id} left its state directory`), () => {});
});
