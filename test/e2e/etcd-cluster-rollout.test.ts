// A rollout of a Slipway-managed etcd cluster on real container machines: the EtcdCluster is pointed
// at another machine template while a writer puts a key every 50 ms. Members are replaced one at a
// time (maxSurge 1: the new member joins, then an old one leaves), every acknowledged write is
// readable afterwards, and the longest time without an acknowledged write is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../../src/api/meta.ts';
import { eventsResource } from '../../src/client/resources.ts';
import { templateClonedFromNameAnnotation } from '../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { DEBIAN_ETCD_TEST_IMAGE } from '../support/debian-image.ts';
import { startContainerTestEnv } from '../support/container-env.ts';
import {
  applyManifest, clientCredentials, createRolloutTemplate, etcdClusterManifest, memberAddresses, memberMachines, useMachineTemplate, waitForHealthyMembers,
} from '../support/etcd-cluster-env.ts';
import { EtcdKv, startWriter, WRITE_EVERY_MS } from '../support/etcd-kv.ts';

const name = 'relay';

test('a rollout to another machine template loses no acknowledged write', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'etcd-rollout', slot: 3, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  await applyManifest(env, etcdClusterManifest(env, name));
  await waitForHealthyMembers(env, name, 3);
  const before = (await memberMachines(env, name)).map((m) => m.metadata.name!);
  const template = await createRolloutTemplate(env, name);
  const kv = new EtcdKv(await memberAddresses(env, name), await clientCredentials(env, name));
  t.after(() => kv.close());
  const writer = startWriter(kv, () => memberAddresses(env, name));
  await delay(1_000);

  const started = performance.now();
  await useMachineTemplate(env, name, template);
  await waitForHealthyMembers(env, name, 3, 300_000);
  const rolloutMs = performance.now() - started;
  await delay(1_000);
  const { acknowledged, failed, longestGapMs } = await writer.stop();
  t.diagnostic(`3-member rollout in ${Math.round(rolloutMs)} ms; ${acknowledged.length} writes acknowledged, ${failed} failed; longest write outage ${Math.round(longestGapMs)} ms`);
  // The EtcdCluster's steps, as its Events tell them.
  type Event = KubeObject & { reason?: string; message?: string; firstTimestamp?: string; eventTime?: string; involvedObject?: { kind?: string; name?: string } };
  const events = (await env.client.listAll<Event>(eventsResource, { namespace: env.namespace })).items
    .filter((e) => e.involvedObject?.kind === 'EtcdCluster')
    .map((e) => ({ at: Date.parse(e.eventTime ?? e.firstTimestamp ?? ''), text: `${e.reason}: ${e.message}` }))
    .sort((a, b) => a.at - b.at);
  for (const e of events) t.diagnostic(`+${((e.at - events[0].at) / 1000).toFixed(1)} s ${e.text}`);

  const after = await memberMachines(env, name);
  assert.ok(after.every((m) => !before.includes(m.metadata.name!)), 'every member was replaced');
  assert.ok(after.every((m) => m.metadata.annotations?.[templateClonedFromNameAnnotation] === template));
  for (const machine of after) assert.equal((await env.get(machine.spec.infrastructureRef.name)).spec.resources?.memory, '320Mi');

  kv.setMembers(await memberAddresses(env, name));
  const stored = await kv.getPrefix('relay/w/');
  const lost = acknowledged.filter((key) => !stored.has(key));
  assert.deepEqual(lost, [], 'every acknowledged write is readable');
  assert.ok(acknowledged.length > rolloutMs / WRITE_EVERY_MS / 4, `the writer kept writing (${acknowledged.length} writes)`);
});
