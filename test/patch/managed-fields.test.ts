import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, ManagedFieldsEntry } from '../../src/api/meta.ts';
import { recordUpdate } from '../../src/apiserver/patch/managed-fields.ts';
import { serverSideApply } from '../../src/apiserver/patch/server-side-apply.ts';
import { FieldSet, describePath } from '../../src/apiserver/patch/field-set.ts';
import { T1, T2, T3, widget, widgetSchema } from './widget.ts';

function update(before: KubeObject | undefined, after: KubeObject, manager: string, now: string, subresource?: string): KubeObject {
  const managedFields = recordUpdate(before, after, { manager, schema: widgetSchema, now, operation: 'Update', ...(subresource ? { subresource } : {}) });
  return { ...after, metadata: { ...after.metadata, managedFields } };
}

function entry(object: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager);
}

test('a create records every field the creator set, marking maps and items it created with "."', () => {
  const created = update(undefined, widget({ data: { a: '1' }, spec: { containers: [{ name: 'main', image: 'x' }] } }, { labels: { app: 'w' }, uid: 'u', resourceVersion: '1', creationTimestamp: T1, generation: 1 }), 'kubectl-create', T1);
  assert.deepEqual(created.metadata.managedFields, [{
    manager: 'kubectl-create',
    operation: 'Update',
    apiVersion: 'example.dev/v1',
    time: T1,
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:data': { '.': {}, 'f:a': {} },
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { '.': {}, 'f:containers': { '.': {}, 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    },
  }]);
});

test('server-set metadata and managedFields themselves are never tracked', () => {
  const created = update(undefined, widget({ data: { a: '1' } }), 'creator', T1);
  const bumped = structuredClone(created);
  Object.assign(bumped.metadata, { resourceVersion: '7', generation: 3, uid: 'x', creationTimestamp: T2 });
  const after = update(created, bumped, 'server', T2);
  assert.equal(entry(after, 'server'), undefined);
  assert.deepEqual(after.metadata.managedFields, created.metadata.managedFields);
});

test('an update moves ownership of the fields it changed; removed fields leave every set', () => {
  const created = update(undefined, widget({ data: { a: '1', b: '2' }, spec: { replicas: 1 } }), 'creator', T1);
  const edited = structuredClone(created);
  edited.data = { a: 'changed' };
  (edited.spec as { replicas: number }).replicas = 1;
  const after = update(created, edited, 'editor', T2);
  assert.deepEqual(entry(after, 'creator')?.fieldsV1, { 'f:data': {}, 'f:spec': { '.': {}, 'f:replicas': {} } });
  assert.deepEqual(entry(after, 'editor')?.fieldsV1, { 'f:data': { 'f:a': {} } });
  assert.equal(entry(after, 'editor')?.time, T2);
  assert.equal(entry(after, 'creator')?.time, T1);
});

test('repeated updates by one manager accumulate; an update that changes nothing keeps the time', () => {
  const created = update(undefined, widget({ data: { a: '1' } }), 'ctl', T1);
  const second = update(created, { ...structuredClone(created), spec: { replicas: 2 } }, 'ctl', T2);
  assert.deepEqual(second.metadata.managedFields!.map((e) => [e.manager, e.time, e.fieldsV1]), [
    ['ctl', T2, { 'f:data': { '.': {}, 'f:a': {} }, 'f:spec': { '.': {}, 'f:replicas': {} } }],
  ]);
  const noop = update(second, structuredClone(second), 'ctl', T3);
  assert.deepEqual(noop.metadata.managedFields, second.metadata.managedFields);
});

test('Update entries are per apiVersion and subresource; entries sort Apply first, then by time', () => {
  const applied = serverSideApply(undefined, widget({ data: { a: '1' } }), { manager: 'applier', force: false, schema: widgetSchema, now: T3 }).object;
  const v2 = update(applied, { ...structuredClone(applied), apiVersion: 'example.dev/v2', data: { a: '1', b: '2' } }, 'ctl', T2);
  const v1 = update(v2, { ...structuredClone(v2), apiVersion: 'example.dev/v1', data: { a: '1', b: '2', c: '3' } }, 'ctl', T1);
  const status = update(v1, { ...structuredClone(v1), data: { a: '1', b: '2', c: '3', d: '4' } }, 'ctl', T1, 'status');
  assert.deepEqual(status.metadata.managedFields!.map((e) => [e.manager, e.operation, e.apiVersion, e.subresource ?? '', e.time]), [
    ['applier', 'Apply', 'example.dev/v1', '', T3],
    ['ctl', 'Update', 'example.dev/v1', '', T1],
    ['ctl', 'Update', 'example.dev/v1', 'status', T1],
    ['ctl', 'Update', 'example.dev/v2', '', T2],
  ]);
});

test('managedFields sent with the write replace the live ones; an empty list clears them', () => {
  const created = update(undefined, widget({ data: { a: '1' } }), 'creator', T1);
  const handEdited = structuredClone(created);
  handEdited.metadata.managedFields = [{ manager: 'someone', operation: 'Update', apiVersion: 'example.dev/v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }];
  assert.deepEqual(update(created, handEdited, 'writer', T2).metadata.managedFields!.map((e) => e.manager), ['someone']);
  const cleared = structuredClone(created);
  cleared.metadata.managedFields = [];
  assert.deepEqual(update(created, cleared, 'writer', T2).metadata.managedFields, []);
  const garbage = structuredClone(created);
  garbage.metadata.managedFields = [{ manager: 'x', operation: 'Frob' } as unknown as ManagedFieldsEntry];
  assert.deepEqual(update(created, garbage, 'writer', T2).metadata.managedFields, created.metadata.managedFields, 'undecodable ones fall back to the live ones');
});

test('objects whose fields cannot be tracked lose their managedFields, as in Kubernetes', () => {
  const created = update(undefined, widget({ data: { a: '1' } }), 'creator', T1);
  const broken = { ...structuredClone(created), spec: { containers: [{ image: 'no-name' }] } };
  assert.deepEqual(recordUpdate(created, broken, { manager: 'w', schema: widgetSchema, now: T2, operation: 'Update' }), []);
});

test('FieldsV1 round-trips and paths print as kube-apiserver prints them', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"a"': {} } },
    'f:spec': { 'f:ports': { 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} } } },
  };
  const set = FieldSet.fromFieldsV1(fieldsV1);
  assert.deepEqual(set.toFieldsV1(), fieldsV1);
  assert.deepEqual(set.paths().map(describePath), [
    '.metadata.finalizers',
    '.metadata.finalizers[="a"]',
    '.spec.ports[port=80,protocol="TCP"]',
    '.spec.ports[port=80,protocol="TCP"].port',
  ]);
  assert.throws(() => FieldSet.fromFieldsV1({ 'x:bad': {} }), /not a path element/);
});
