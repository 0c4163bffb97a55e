// Twenty machines at once through the CLI: `slipway run --ssh` twenty times concurrently (each a
// process of its own, as twenty users would), every machine answering over SSH with its own name
// and address, then one `slipway rm -f` of all of them leaving nothing on the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { debianImageArchive, DEBIAN_TEST_IMAGE } from '../support/debian-image.ts';
import { startMachinesCliEnv, type MachinesCliEnv } from './fixtures/machines-cli.ts';

const COUNT = 20;
let env: MachinesCliEnv;

before(async () => {
  env = await startMachinesCliEnv(1);
  await env.ok(['image', 'import', await debianImageArchive(), '--reference', DEBIAN_TEST_IMAGE]);
});

after(async () => {
  await env?.tearDown();
});

test(`${COUNT} machines run in parallel, all reachable over SSH, all removed cleanly`, async (t) => {
  const names = Array.from({ length: COUNT }, (_, i) => `par-${i}`);
  const started = performance.now();
  const runs = await Promise.all(names.map((name) => env.cli(['run', DEBIAN_TEST_IMAGE, '--name', name, '--ssh', '--memory', '128MB', '--cpus', '250m'], { timeoutMs: 300_000 })));
  const seconds = (performance.now() - started) / 1000;
  runs.forEach((run, i) => assert.equal(run.code, 0, `run ${names[i]}: ${run.stderr}`));
  t.diagnostic(`${COUNT} concurrent \`slipway run --ssh\` done in ${seconds.toFixed(1)} s`);

  const rows = (await env.ok(['ps'])).trimEnd().split('\n').slice(1);
  assert.equal(rows.length, COUNT);
  const addressOf = new Map(rows.map((row) => [row.split(/\s+/).at(-1)!, /\s(10\.218\.\d+\.\d+)\s/.exec(row)?.[1]]));
  assert.equal(new Set(addressOf.values()).size, COUNT, 'every machine has its own address');

  // SSH into each, a few at a time: hostname and address as the machine sees them.
  for (let i = 0; i < COUNT; i += 5) {
    await Promise.all(names.slice(i, i + 5).map(async (name) => {
      const answer = (await env.ok(['ssh', name, '--', 'sh', '-c', 'echo $(hostname) $(hostname -I)'])).trim();
      assert.equal(answer, `${name} ${addressOf.get(name)}`);
    }));
  }

  assert.deepEqual((await env.ok(['rm', '-f', ...names])).trim().split('\n').sort(), [...names].sort());
  await env.assertNothingLeft();
});
