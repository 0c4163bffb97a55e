// Leader election on a Lease against the real server: one of two managers leads and runs its
// controllers; when it stops it releases the lease and the other takes over; a lease held by a
// candidate that stopped renewing is taken once it has expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { defineController, Manager } from '../../src/client/controller.ts';
import { LeaderElector } from '../../src/client/leader-election.ts';
import type { RestClient } from '../../src/client/rest-client.ts';
import { configMapsResource, leasesResource } from '../../src/client/resources.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFor, eventually } from './helpers.ts';

let server: TestServer;
let client: RestClient;
const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 200 };

before(async () => {
  server = await startTestServer();
  client = clientFor(server);
});
after(async () => {
  client?.close();
  await server?.stop();
});

const holder = async (name: string) => ((await client.get(leasesResource, name, 'default')) as KubeObject & { spec: { holderIdentity?: string } }).spec.holderIdentity;

test('one of two managers leads; the other takes over when the leader stops', async () => {
  const reconciledBy: string[] = [];
  const managerFor = (identity: string) => new Manager({ client, logger: pino({ level: 'silent' }), leaderElection: { namespace: 'default', name: 'le-managers', identity, ...timing } })
    .add(defineController({ name: 'recorder', for: configMapsResource, reconcile: (key) => { if (key.startsWith('default/le-')) reconciledBy.push(`${identity} ${key}`); } }));
  const first = managerFor('first');
  const second = managerFor('second');
  await first.start();
  const secondStarted = second.start();
  try {
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(first.isLeader());
    assert.ok(!second.isLeader(), 'only one leader');
    assert.equal(await holder('le-managers'), 'first');
    await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'le-one', namespace: 'default' } });
    await eventually(() => reconciledBy.includes('first default/le-one'), 'the leader to reconcile');
    assert.ok(!reconciledBy.some((r) => r.startsWith('second')), 'the follower runs no controllers');

    const stoppedAt = Date.now();
    await first.stop();
    await secondStarted;
    assert.ok(second.isLeader());
    assert.ok(Date.now() - stoppedAt < timing.leaseDurationMs, 'a released lease is taken without waiting for it to expire');
    assert.equal(await holder('le-managers'), 'second');
    await eventually(() => reconciledBy.includes('second default/le-one'), 'the new leader to reconcile from a fresh cache');
    const lease = await client.get(leasesResource, 'le-managers', 'default') as KubeObject & { spec: { leaseTransitions: number } };
    assert.equal(lease.spec.leaseTransitions, 0, 'a release is not a transition; taking a free lease is not either');
  } finally {
    await first.stop();
    await second.stop();
  }
});

test('a lease whose holder stopped renewing is taken over only after it expires', async () => {
  const now = new Date().toISOString().replace('Z', '000Z');
  await client.create(leasesResource, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'le-ghost', namespace: 'default' }, spec: { holderIdentity: 'ghost', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: 3 } });
  let ledAt = 0;
  const elector = new LeaderElector(client, { namespace: 'default', name: 'le-ghost', identity: 'successor', ...timing }, { onStartedLeading: () => { ledAt = Date.now(); } });
  const startedAt = Date.now();
  const running = elector.run();
  try {
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(!elector.isLeader(), 'the ghost\'s lease is still valid');
    await eventually(() => elector.isLeader(), 'the expired lease to be taken', 5000);
    assert.ok(ledAt - startedAt >= 1000, `took over after ${ledAt - startedAt} ms`);
    const lease = await client.get(leasesResource, 'le-ghost', 'default') as KubeObject & { spec: { holderIdentity: string; leaseTransitions: number } };
    assert.equal(lease.spec.holderIdentity, 'successor');
    assert.equal(lease.spec.leaseTransitions, 4);
  } finally {
    await elector.stop();
    await running;
  }
  assert.equal(await holder('le-ghost'), '', 'released on stop');
});
