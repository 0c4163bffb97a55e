import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../src/api/meta.ts';
import { applyConflictError, serverSideApply, type ApplyOptions } from '../../src/apiserver/patch/server-side-apply.ts';
import { recordUpdate } from '../../src/apiserver/patch/managed-fields.ts';
import { PatchError } from '../../src/apiserver/patch/errors.ts';
import { T1, T2, T3, widget, widgetSchema } from './widget.ts';

function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, now: string, extra: Partial<ApplyOptions> = {}) {
  return serverSideApply(live, applied, { manager, force: false, schema: widgetSchema, now, ...extra });
}

/** Applies and insists there is no conflict. */
function applyOk(live: KubeObject | undefined, applied: KubeObject, manager: string, now: string, extra: Partial<ApplyOptions> = {}): KubeObject {
  const { object, conflicts } = apply(live, applied, manager, now, extra);
  assert.deepEqual(conflicts, []);
  return object;
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _ignored, ...metadata } = object.metadata;
  return { ...object, metadata };
}

function fieldsOf(object: KubeObject, manager: string): unknown {
  return object.metadata.managedFields?.find((entry) => entry.manager === manager)?.fieldsV1;
}

test('create via apply: the applied object plus one Apply entry listing its fields in FieldsV1', () => {
  const applied = widget({ spec: { replicas: 1, containers: [{ name: 'main', image: 'x' }], tags: ['a'], command: ['run'] } }, { labels: { app: 'w' } });
  const object = applyOk(undefined, applied, 'kubectl', T1);
  assert.deepEqual(withoutManagedFields(object), applied);
  assert.deepEqual(object.metadata.managedFields, [{
    manager: 'kubectl',
    operation: 'Apply',
    apiVersion: 'example.dev/v1',
    time: T1,
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:command': {},
        'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
        'f:replicas': {},
        'f:tags': { 'v:"a"': {} },
      },
    },
  }]);
});

test('configuration with managedFields is a 400; duplicated or keyless list-map items a 422', () => {
  const withManaged = widget({}, { managedFields: [] });
  assert.throws(() => apply(undefined, withManaged, 'kubectl', T1), (e: unknown) => e instanceof PatchError && e.status === 400 && e.message === 'metadata.managedFields must be nil');
  const duplicated = widget({ spec: { containers: [{ name: 'a' }, { name: 'a' }] } });
  assert.throws(() => apply(undefined, duplicated, 'kubectl', T1), (e: unknown) => e instanceof PatchError && e.status === 422 && /duplicate entries for key \[name="a"\]/.test(e.message));
  const keyless = widget({ spec: { containers: [{ image: 'x' }] } });
  assert.throws(() => apply(undefined, keyless, 'kubectl', T1), (e: unknown) => e instanceof PatchError && e.status === 422 && /omits key field "name"/.test(e.message));
});

test('re-applying without a field removes it from the object and from the manager\'s set', () => {
  const first = applyOk(undefined, widget({ data: { a: '1', b: '2' }, spec: { replicas: 2, tags: ['x', 'y'] } }, { labels: { app: 'w', tier: 't' } }), 'kubectl', T1);
  const second = applyOk(first, widget({ data: { a: '1' }, spec: { tags: ['x'] } }, { labels: { app: 'w' } }), 'kubectl', T2);
  assert.deepEqual(withoutManagedFields(second), widget({ data: { a: '1' }, spec: { tags: ['x'] } }, { labels: { app: 'w' } }));
  assert.deepEqual(fieldsOf(second, 'kubectl'), { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:tags': { 'v:"x"': {} } } });
  assert.equal(second.metadata.managedFields![0].time, T2);
});

test('emptied maps go away with their last field; a no-op re-apply keeps the entry\'s time', () => {
  const first = applyOk(undefined, widget({ data: { a: '1' } }), 'kubectl', T1);
  const again = applyOk(first, widget({ data: { a: '1' } }), 'kubectl', T2);
  assert.deepEqual(again, first);
  const emptied = applyOk(first, widget({}), 'kubectl', T3);
  assert.deepEqual(withoutManagedFields(emptied), widget({}));
  assert.deepEqual(emptied.metadata.managedFields, []);
});

test('a field two managers applied with the same value is shared and survives one of them dropping it', () => {
  const a = applyOk(undefined, widget({ data: { shared: 'v', onlyA: '1' } }), 'alice', T1);
  const b = applyOk(a, widget({ data: { shared: 'v' } }), 'bob', T2);
  assert.deepEqual(fieldsOf(b, 'alice'), { 'f:data': { 'f:onlyA': {}, 'f:shared': {} } });
  assert.deepEqual(fieldsOf(b, 'bob'), { 'f:data': { 'f:shared': {} } });
  const aDrops = applyOk(b, widget({ data: { onlyA: '1' } }), 'alice', T3);
  assert.deepEqual(aDrops.data, { shared: 'v', onlyA: '1' });
  assert.deepEqual(fieldsOf(aDrops, 'alice'), { 'f:data': { 'f:onlyA': {} } });
  assert.deepEqual(fieldsOf(aDrops, 'bob'), { 'f:data': { 'f:shared': {} } });
});

test('applying a different value to another manager\'s field is a conflict, with kube-apiserver\'s message', () => {
  const live = applyOk(undefined, widget({ data: { key: 'a' } }), 'alice', T1);
  const { object, conflicts } = apply(live, widget({ data: { key: 'b' } }), 'bob', T2);
  assert.equal(object, live, 'nothing changes');
  assert.deepEqual(conflicts, [{ manager: 'alice', field: '.data.key', operation: 'Apply', apiVersion: 'example.dev/v1', time: T1 }]);
  const error = applyConflictError(conflicts);
  assert.equal(error.status, 409);
  assert.equal(error.reason, 'Conflict');
  assert.equal(error.message, 'Apply failed with 1 conflict: conflict with "alice": .data.key');
  assert.deepEqual(error.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.data.key' }]);
});

test('conflicts with an Update manager name its apiVersion and time; several conflicts are grouped by manager', () => {
  const created = widget({ data: { key: 'a', other: 'o' }, spec: { replicas: 1 } });
  created.metadata.managedFields = recordUpdate(undefined, created, { manager: 'kubectl-client-side-apply', schema: widgetSchema, now: T1, operation: 'Update' });
  const single = apply(created, widget({ data: { key: 'b' } }), 'kubectl', T2);
  assert.equal(applyConflictError(single.conflicts).message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using example.dev/v1 at 2024-05-01T10:00:00Z: .data.key');

  const withApplier = applyOk(created, widget({ spec: { replicas: 1 } }), 'alice', T2);
  const several = apply(withApplier, widget({ data: { key: 'b', other: 'p' }, spec: { replicas: 5 } }), 'bob', T3);
  assert.deepEqual(several.conflicts.map((c) => [c.manager, c.field]), [
    ['alice', '.spec.replicas'],
    ['kubectl-client-side-apply', '.data.key'],
    ['kubectl-client-side-apply', '.data.other'],
    ['kubectl-client-side-apply', '.spec.replicas'],
  ]);
  assert.equal(applyConflictError(several.conflicts).message, [
    'Apply failed with 4 conflicts: conflicts with "alice":',
    '- .spec.replicas',
    'conflicts with "kubectl-client-side-apply" using example.dev/v1 at 2024-05-01T10:00:00Z:',
    '- .data.key',
    '- .data.other',
    '- .spec.replicas',
  ].join('\n'));
});

test('force takes the conflicting fields: the value changes and ownership moves', () => {
  const live = applyOk(undefined, widget({ data: { key: 'a', mine: 'm' } }), 'alice', T1);
  const forced = applyOk(live, widget({ data: { key: 'b' } }), 'bob', T2, { force: true });
  assert.deepEqual(forced.data, { key: 'b', mine: 'm' });
  assert.deepEqual(fieldsOf(forced, 'alice'), { 'f:data': { 'f:mine': {} } });
  assert.deepEqual(fieldsOf(forced, 'bob'), { 'f:data': { 'f:key': {} } });
  // Alice no longer owns key, so dropping it from her configuration leaves Bob's value alone.
  const aliceAgain = applyOk(forced, widget({ data: { mine: 'm' } }), 'alice', T3);
  assert.deepEqual(aliceAgain.data, { key: 'b', mine: 'm' });
});

test('list-map items from different managers merge by key; item fields conflict individually', () => {
  const a = applyOk(undefined, widget({ spec: { containers: [{ name: 'main', image: 'x', args: ['--a'] }] } }), 'alice', T1);
  const b = applyOk(a, widget({ spec: { containers: [{ name: 'sidecar', image: 'y' }] } }), 'bob', T2);
  assert.deepEqual(b.spec, { containers: [{ name: 'main', image: 'x', args: ['--a'] }, { name: 'sidecar', image: 'y' }] });
  assert.deepEqual(fieldsOf(b, 'bob'), { 'f:spec': { 'f:containers': { 'k:{"name":"sidecar"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } });

  const clash = apply(b, widget({ spec: { containers: [{ name: 'main', image: 'z' }] } }), 'bob', T3);
  assert.deepEqual(clash.conflicts.map((c) => c.field), ['.spec.containers[name="main"].image']);

  // Alice dropping her item removes it; Bob's item stays.
  const aDrops = applyOk(b, widget({ spec: { containers: [] } }), 'alice', T3);
  assert.deepEqual(aDrops.spec, { containers: [{ name: 'sidecar', image: 'y' }] });
});

test('sets are unioned across managers', () => {
  const a = applyOk(undefined, widget({ spec: { tags: ['a', 'shared'] } }), 'alice', T1);
  const b = applyOk(a, widget({ spec: { tags: ['shared', 'b'] } }), 'bob', T2);
  assert.deepEqual(b.spec, { tags: ['a', 'shared', 'b'] });
  const aDrops = applyOk(b, widget({ spec: { tags: [] } }), 'alice', T3);
  assert.deepEqual(aDrops.spec, { tags: ['shared', 'b'] });
});

test('atomic lists and atomic maps are replaced whole and owned whole', () => {
  const a = applyOk(undefined, widget({ spec: { command: ['run', '--fast'], selector: { app: 'w', tier: 't' } } }), 'alice', T1);
  assert.deepEqual(fieldsOf(a, 'alice'), { 'f:spec': { 'f:command': {}, 'f:selector': {} } });
  const clash = apply(a, widget({ spec: { command: ['run'], selector: { app: 'w' } } }), 'bob', T2);
  assert.deepEqual(clash.conflicts.map((c) => c.field), ['.spec.command', '.spec.selector']);
  const forced = applyOk(a, widget({ spec: { command: ['run'], selector: { app: 'w' } } }), 'bob', T2, { force: true });
  assert.deepEqual(forced.spec, { command: ['run'], selector: { app: 'w' } });
  assert.equal(fieldsOf(forced, 'alice'), undefined, 'alice lost everything, so her entry is dropped');
});

test('an Update that changes an applied field takes its ownership, and the applier then conflicts', () => {
  const applied = applyOk(undefined, widget({ spec: { replicas: 1 }, data: { a: '1' } }), 'kubectl', T1);
  const scaled = structuredClone(applied);
  (scaled.spec as { replicas: number }).replicas = 3;
  scaled.metadata.managedFields = recordUpdate(applied, scaled, { manager: 'autoscaler', schema: widgetSchema, now: T2, operation: 'Update' });
  assert.deepEqual(fieldsOf(scaled, 'kubectl'), { 'f:data': { 'f:a': {} } });
  assert.deepEqual(fieldsOf(scaled, 'autoscaler'), { 'f:spec': { 'f:replicas': {} } });
  const reapply = apply(scaled, widget({ spec: { replicas: 1 }, data: { a: '1' } }), 'kubectl', T3);
  assert.deepEqual(reapply.conflicts.map((c) => [c.manager, c.field]), [['autoscaler', '.spec.replicas']]);
  // Applying without replicas leaves the autoscaler's value in place.
  const handedOver = applyOk(scaled, widget({ data: { a: '1' } }), 'kubectl', T3);
  assert.equal((handedOver.spec as { replicas: number }).replicas, 3);
});

test('the subresource is part of the manager\'s identity and of conflict messages', () => {
  const main = applyOk(undefined, widget({ data: { key: 'a' } }), 'ctl', T1);
  const status = applyOk(main, widget({ data: { key: 'a' } }), 'ctl', T2, { subresource: 'status' });
  assert.equal(status.metadata.managedFields!.length, 2);
  assert.deepEqual(status.metadata.managedFields!.map((e) => e.subresource), [undefined, 'status']);
  const clash = apply(status, widget({ data: { key: 'b' } }), 'other', T3);
  assert.match(applyConflictError(clash.conflicts).message, /conflicts with "ctl":\n- \.data\.key\nconflicts with "ctl" with subresource "status":\n- \.data\.key/);
});
