// Members are rolled out before their certificates expire, as KubeadmControlPlane's
// rollout.before.certificatesExpiryDays does: members made with 10-day certificates record the date
// on their Machines (read from their EtcdConfig); asking for members whose certificates expire
// within 30 days makes all three out of date for that reason alone; with a year's validity asked for
// too (a change of spec.etcdConfigSpec, itself a reason), all are replaced and the new ones stay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../src/api/meta.ts';
import { DEBIAN_ETCD_TEST_IMAGE } from '../support/debian-image.ts';
import { startContainerTestEnv } from '../support/container-env.ts';
import { etcdClustersResource } from '../../src/providers/controlplane/etcd/resources.ts';
import { applyManifest, etcdClusterManifest, getEtcdCluster, memberMachines, waitForHealthyMembers, type MachineObject } from '../support/etcd-cluster-env.ts';
import { until } from '../support/until.ts';

const name = 'expiring';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Days from now to each member's recorded certificates expiry, rounded. */
function expiryDays(machines: MachineObject[]): number[] {
  return machines.map((m) => Math.round((Date.parse(m.status?.certificatesExpiryDate ?? '') - Date.now()) / DAY_MS));
}

test('members whose certificates expire within rollout.before.certificatesExpiryDays are rolled out', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'etcd-certificates', slot: 4, range: 216, image: DEBIAN_ETCD_TEST_IMAGE });
  // The generated manifest, its EtcdCluster issuing 10-day member certificates.
  const manifest = parseAllDocuments(etcdClusterManifest(env, name)).map((document) => {
    const obj = document.toJS() as KubeObject & { spec: Record<string, unknown> };
    if (obj.kind === 'EtcdCluster') obj.spec.etcdConfigSpec = { ...(obj.spec.etcdConfigSpec as object | undefined), certificateValidityDays: 10 };
    return stringify(obj);
  }).join('---\n');
  await applyManifest(env, manifest);
  await waitForHealthyMembers(env, name, 3);
  const first = await until('the members\' certificates expiry on their Machines', async () => {
    const machines = await memberMachines(env, name);
    return machines.every((m) => m.status?.certificatesExpiryDate) ? machines : undefined;
  });
  assert.deepEqual(expiryDays(first), [10, 10, 10]);

  const patch = (spec: Record<string, unknown>) => env.client.patch(etcdClustersResource, name, { spec }, { type: 'merge', namespace: env.namespace });
  await patch({ rollout: { before: { certificatesExpiryDays: 30 } } });
  const noticed = await until('MachinesUpToDate False', async () => {
    const condition = (await getEtcdCluster(env, name)).status?.conditions?.find((c) => c.type === 'MachinesUpToDate');
    return condition?.status === 'False' ? condition : undefined;
  });
  for (const machine of first) {
    const line = new RegExp(`^\\* Machine ${machine.metadata.name}: its certificates expire on ${machine.status!.certificatesExpiryDate}, within rollout.before.certificatesExpiryDays \\(30\\)$`, 'm');
    assert.match(noticed.message ?? '', line);
  }
  // New members would get 10-day certificates too: a year's validity, for the rollout to end.
  await patch({ etcdConfigSpec: { certificateValidityDays: 365 } });

  await waitForHealthyMembers(env, name, 3, 300_000);
  const after = await until('the new members\' certificates expiry', async () => {
    const machines = await memberMachines(env, name);
    return machines.every((m) => m.status?.certificatesExpiryDate) ? machines : undefined;
  });
  assert.ok(after.every((m) => !first.some((old) => old.metadata.name === m.metadata.name)), 'every member was replaced');
  assert.deepEqual(expiryDays(after), [365, 365, 365]);
  const settled = await getEtcdCluster(env, name);
  assert.equal(settled.status?.conditions?.find((c) => c.type === 'MachinesUpToDate')?.status, 'True');
});
