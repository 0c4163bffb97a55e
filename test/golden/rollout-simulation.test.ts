// Golden-file tests of whole rollouts driven through the pure planner (see rollout-simulator.ts).
// UPDATE_GOLDEN=1 rewrites the golden files; review the diff by eye before committing.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { simulateRollout } from '../controllers/machine-deployment/rollout-simulator.ts';
import type { SimulationOptions, SimulationResult } from '../controllers/machine-deployment/rollout-simulator.ts';

const scenarios: Record<string, SimulationOptions> = {
  'rolling-5-surge1-unavailable0': { replicas: 5, maxSurge: 1, maxUnavailable: 0, strategy: 'RollingUpdate', seed: 1, steps: 60 },
  'rolling-10-surge25pct-unavailable25pct': { replicas: 10, maxSurge: '25%', maxUnavailable: '25%', strategy: 'RollingUpdate', seed: 2, steps: 60 },
  'rolling-5-scale-up-to-8-mid-rollout': { replicas: 5, maxSurge: 1, maxUnavailable: 0, strategy: 'RollingUpdate', seed: 3, steps: 60, events: [{ step: 4, scaleTo: 8 }] },
  'rolling-6-paused-scaled-to-10-resumed': {
    replicas: 6, maxSurge: 2, maxUnavailable: 1, strategy: 'RollingUpdate', seed: 5, steps: 60,
    events: [{ step: 3, pause: true }, { step: 4, scaleTo: 10 }, { step: 7, pause: false }],
  },
  'rolling-4-surge0-unavailable1-oldest-first': { replicas: 4, maxSurge: 0, maxUnavailable: 1, strategy: 'RollingUpdate', seed: 6, steps: 60, deletionOrder: 'Oldest' },
  'rolling-5-surge1-unavailable0-two-old-machines-broken': { replicas: 5, maxSurge: 1, maxUnavailable: 0, strategy: 'RollingUpdate', seed: 7, steps: 60, brokenOldMachines: 2 },
  'ondelete-4': { replicas: 4, strategy: 'OnDelete', seed: 4, steps: 60 },
};

function assertInvariants(name: string, result: SimulationResult): void {
  assert.ok(result.convergedAtStep !== undefined, `${name}: rollout did not converge\n${result.log}`);
  let previousMachines = Number.POSITIVE_INFINITY;
  for (const snapshot of result.snapshots) {
    const where = `${name} step ${snapshot.step}`;
    // Rollout arithmetic keeps Machines (including those being deleted) within spec.replicas + maxSurge. Proportional
    // scaling of a paused MachineDeployment counts spec.replicas only, as in Cluster API, so Machines still being
    // deleted can overshoot; then the count must not grow until they are gone.
    assert.ok(snapshot.machines - snapshot.deleting <= snapshot.maxMachines, `${where}: ${snapshot.machines - snapshot.deleting} Machines not being deleted exceed ${snapshot.maxMachines}`);
    if (!snapshot.paused) assert.ok(snapshot.machines <= Math.max(snapshot.maxMachines, previousMachines), `${where}: ${snapshot.machines} Machines exceed ${snapshot.maxMachines}`);
    previousMachines = snapshot.machines;
    // Controllers never take availability below minAvailable themselves (it may start below, e.g. after a scale-up).
    const floor = Math.min(snapshot.availableBefore, snapshot.minAvailable) - snapshot.userDeleted;
    assert.ok(snapshot.availableAfter >= floor, `${where}: available ${snapshot.availableAfter} < ${floor}`);
    if (snapshot.strategy === 'OnDelete') assert.ok(snapshot.userDeleted <= 1, `${where}: the simulated user deletes one Machine at a time`);
  }
}

for (const [name, options] of Object.entries(scenarios)) {
  test(`rollout golden: ${name}`, () => {
    const result = simulateRollout(options);
    assertInvariants(name, result);
    const file = new URL(`./rollout/${name}.txt`, import.meta.url);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, result.log);
    assert.equal(result.log, readFileSync(file, 'utf8'), `${name}: log differs from golden file (UPDATE_GOLDEN=1 to rewrite)`);
  });
}

test('rollout simulation is deterministic for a seed and varies with it', () => {
  const options = scenarios['rolling-10-surge25pct-unavailable25pct'];
  assert.equal(simulateRollout(options).log, simulateRollout(options).log);
  assert.notEqual(simulateRollout({ ...options, seed: 99 }).log, simulateRollout(options).log);
});

test('rollouts converge and keep their invariants across many seeds', () => {
  for (let seed = 1; seed <= 40; seed++) {
    for (const options of Object.values(scenarios)) {
      const name = `${options.strategy}/${options.replicas} seed ${seed}`;
      assertInvariants(name, simulateRollout({ ...options, seed, steps: 200 }));
    }
  }
});
