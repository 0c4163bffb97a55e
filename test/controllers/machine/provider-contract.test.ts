// The provider-contract helpers the Machine (and MachineSet) controllers rely on, against the real
// server: version resolution by the CRD's contract label, cloning from a template, owner references.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Discovery } from '../../../src/client/discovery.ts';
import { isAlreadyExists } from '../../../src/client/rest-client.ts';
import { cloneFromTemplate, ensureOwnerReference, getExternal, resolveReference, UnknownProviderKindError } from '../../../src/controllers/provider-contract/external.ts';
import { infraCluster, infraMachine } from '../../../src/controllers/provider-contract/contract.ts';
import { providerGroup, providerObject, providerResource, ref, startHarness, type Harness } from '../cluster/fixtures.ts';

const ns = 'contract';
let h: Harness;
let ctx: { client: Harness['client']; discovery: Discovery };

before(async () => {
  h = await startHarness(ns);
  ctx = { client: h.client, discovery: new Discovery(h.client) };
});
after(async () => { await h?.stop(); });

test('a reference resolves to the version the CRD\'s contract label names, not the preferred one; an unknown kind says so', async () => {
  const preferred = (await ctx.discovery.resources()).find((r) => r.group === providerGroup && r.kind === 'TestMachine' && r.preferred);
  assert.equal(preferred?.version, 'v1alpha2');
  const resolved = await resolveReference(ctx, { apiGroup: providerGroup, kind: 'TestMachine' });
  assert.deepEqual(resolved, { group: providerGroup, version: 'v1alpha1', plural: 'testmachines', namespaced: true, kind: 'TestMachine' });
  await assert.rejects(resolveReference(ctx, { apiGroup: providerGroup, kind: 'NoSuchKind' }), (error) => error instanceof UnknownProviderKindError && /no resource serves kind NoSuchKind/.test(error.message));
  assert.equal(await getExternal(ctx, ref('TestMachine', 'absent'), ns), undefined);
});

test('cloneFromTemplate creates the template\'s kind from spec.template, marked as cloned and as part of the cluster; a retry with the same name is idempotent unless the name must be new', async () => {
  await h.client.create(providerResource('TestMachineTemplate'), providerObject('TestMachineTemplate', 'tmpl', ns, {
    template: { metadata: { labels: { role: 'worker' }, annotations: { note: 'from-template' } }, spec: { cpus: 2 } },
  }));
  // Real owners: the garbage collector runs, and removes what only absent owners own.
  const ownerObj = await h.client.create(providerResource('TestCluster'), providerObject('TestCluster', 'clone-owner', ns));
  const owner = { apiVersion: ownerObj.apiVersion, kind: 'TestCluster', name: 'clone-owner', uid: ownerObj.metadata.uid!, controller: true };
  const clone = await cloneFromTemplate(ctx, { templateRef: ref('TestMachineTemplate', 'tmpl'), namespace: ns, clusterName: 'c1', owner, labels: { extra: 'yes' } });
  assert.equal(clone.kind, 'TestMachine');
  assert.match(clone.name, /^tmpl-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  const obj = await h.client.get(providerResource('TestMachine'), clone.name, ns);
  assert.deepEqual(obj.spec, { cpus: 2 });
  assert.deepEqual(obj.metadata.labels, { role: 'worker', extra: 'yes', 'cluster.x-k8s.io/cluster-name': 'c1' });
  assert.equal(obj.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'tmpl');
  assert.equal(obj.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'], `TestMachineTemplate.${providerGroup}`);
  assert.equal(obj.metadata.annotations?.note, 'from-template');
  assert.deepEqual(obj.metadata.ownerReferences, [owner]);

  const named = { templateRef: ref('TestMachineTemplate', 'tmpl'), namespace: ns, clusterName: 'c1', name: 'fixed-name' };
  await cloneFromTemplate(ctx, named);
  assert.deepEqual(await cloneFromTemplate(ctx, named), { apiGroup: providerGroup, kind: 'TestMachine', name: 'fixed-name' }, 'a retry finds its own clone');
  await assert.rejects(cloneFromTemplate(ctx, { ...named, mustCreate: true }), (error) => isAlreadyExists(error), 'unless the caller says the name must be new');
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'squatter', ns));
  await assert.rejects(cloneFromTemplate(ctx, { ...named, name: 'squatter' }), /already exists and was not cloned from/);
  await assert.rejects(cloneFromTemplate(ctx, { ...named, templateRef: ref('TestMachineTemplate', 'missing') }), /template TestMachineTemplate contract\/missing does not exist/);
});

test('ensureOwnerReference adds, replaces and hands over owners, and refuses a second controller', async () => {
  await h.client.create(providerResource('TestMachine'), providerObject('TestMachine', 'owned', ns));
  const owner = async (name: string) => {
    const o = await h.client.create(providerResource('TestCluster'), providerObject('TestCluster', name, ns));
    return { apiVersion: o.apiVersion, kind: o.kind, name, uid: o.metadata.uid! };
  };
  const a = await owner('a');
  const b = await owner('b');
  await ensureOwnerReference(ctx, ref('TestMachine', 'owned'), ns, a, { controller: true });
  const before = await h.client.get(providerResource('TestMachine'), 'owned', ns);
  await ensureOwnerReference(ctx, ref('TestMachine', 'owned'), ns, a, { controller: true });
  assert.equal((await h.client.get(providerResource('TestMachine'), 'owned', ns)).metadata.resourceVersion, before.metadata.resourceVersion, 'nothing written when nothing changes');
  await assert.rejects(ensureOwnerReference(ctx, ref('TestMachine', 'owned'), ns, b, { controller: true }), /already controlled by TestCluster a/);
  await ensureOwnerReference(ctx, ref('TestMachine', 'owned'), ns, b, { controller: true, removeOwners: (r) => r.name === 'a', labels: { 'cluster.x-k8s.io/cluster-name': 'c1' } });
  const after = await h.client.get(providerResource('TestMachine'), 'owned', ns);
  assert.deepEqual(after.metadata.ownerReferences, [{ ...b, controller: true, blockOwnerDeletion: true }]);
  assert.equal(after.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c1');
});

test('the contract readers read the v1beta2 field paths and tolerate absent or mistyped fields', () => {
  const obj = (spec: unknown, status: unknown) => ({ apiVersion: 'x/v1', kind: 'X', metadata: {}, spec, status });
  assert.equal(infraMachine.provisioned(obj({}, { initialization: { provisioned: true } })), true);
  assert.equal(infraMachine.provisioned(obj({}, { ready: true })), false, 'v1beta1\'s status.ready is not read');
  assert.equal(infraMachine.providerID(obj({ providerID: '' }, {})), undefined);
  assert.deepEqual(infraMachine.node(obj({}, { node: { name: 'n', conditions: [{ type: 'Ready', status: 'True' }, { type: 'Bad', status: 'Maybe' }] } })), { name: 'n', conditions: [{ type: 'Ready', status: 'True' }] });
  assert.equal(infraCluster.controlPlaneEndpoint(obj({ controlPlaneEndpoint: { host: 'h', port: 0 } }, {})), undefined, 'a zero port is not an endpoint');
  assert.deepEqual(infraCluster.failureDomains(obj({}, { failureDomains: [{ name: 'a', attributes: { k: 'v', n: 1 } }, { controlPlane: true }] })), [{ name: 'a', attributes: { k: 'v' } }]);
  assert.equal(infraCluster.failureDomains(obj({}, { failureDomains: { a: {} } })), undefined, 'v1beta1\'s map form is not read');
});
