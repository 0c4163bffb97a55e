import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pruneUnknownFields } from '../../src/apiserver/schema/prune.ts';
import { resourceTypesFromCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';
import { widget, widgetCRD } from './fixtures.ts';

const [widgetV1, widgetV1beta1] = resourceTypesFromCRD(widgetCRD());
const configMap = builtinResourceTypes.find((t) => t.kind === 'ConfigMap')!;

test('unknown fields are removed everywhere, and named as Kubernetes names them', () => {
  const obj: any = widget({ size: 1, shape: 'round', ports: [{ port: 1, colour: 'x' }, { port: 2 }], limits: { web: { cpu: '1', gpu: 2 } } }, { extra: true, status: { ready: true, mood: 'ok' } });
  obj.metadata.colour = 'red';
  const removed = pruneUnknownFields(widgetV1.schema, obj);
  assert.deepEqual(removed.sort(), ['.extra', '.metadata.colour', '.spec.limits.web.gpu', '.spec.ports[0].colour', '.spec.shape', '.status.mood']);
  assert.deepEqual(obj, widget({ size: 1, ports: [{ port: 1 }, { port: 2 }], limits: { web: { cpu: '1' } } }, { status: { ready: true } }));
});

test('known fields, map entries and metadata fields stay', () => {
  const obj: any = {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'n', labels: { a: 'b' }, annotations: { x: 'y' }, ownerReferences: [{ apiVersion: 'v1', kind: 'K', name: 'o', uid: 'u', controller: true }], managedFields: [{ manager: 'm', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }] },
    data: { a: 'b', 'any.key': 'c' },
  };
  const before = structuredClone(obj);
  assert.deepEqual(pruneUnknownFields(configMap.schema, obj), []);
  assert.deepEqual(obj, before);
});

test('x-kubernetes-preserve-unknown-fields keeps unknown fields but still prunes below known ones', () => {
  const obj: any = widget({ size: 1, settings: { mode: 'x', anything: { nested: [1, 2] } } });
  assert.deepEqual(pruneUnknownFields(widgetV1.schema, obj), []);
  assert.deepEqual(obj.spec.settings, { mode: 'x', anything: { nested: [1, 2] } });
  // A version whose whole schema preserves unknown fields keeps everything except unknown metadata.
  const open: any = { apiVersion: 'test.slipway.dev/v1beta1', kind: 'Widget', metadata: { name: 'w', bogus: 1 }, spec: { whatever: true }, top: 1 };
  assert.deepEqual(pruneUnknownFields(widgetV1beta1.schema, open), ['.metadata.bogus']);
  assert.deepEqual(open, { apiVersion: 'test.slipway.dev/v1beta1', kind: 'Widget', metadata: { name: 'w' }, spec: { whatever: true }, top: 1 });
});

test('an embedded resource keeps apiVersion, kind and ObjectMeta fields', () => {
  const obj: any = widget({
    size: 1,
    template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' }, junk: 1 }, spec: { containers: [] } },
    strictTemplate: { apiVersion: 'v1', kind: 'Thing', metadata: { name: 't', junk: 1 }, spec: { x: 'y', z: 1 }, other: 2 },
  });
  assert.deepEqual(pruneUnknownFields(widgetV1.schema, obj).sort(), ['.spec.strictTemplate.metadata.junk', '.spec.strictTemplate.other', '.spec.strictTemplate.spec.z', '.spec.template.metadata.junk']);
  assert.deepEqual(obj.spec.template, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [] } });
  assert.deepEqual(obj.spec.strictTemplate, { apiVersion: 'v1', kind: 'Thing', metadata: { name: 't' }, spec: { x: 'y' } });
});

test('an object schema without properties keeps nothing; values of the wrong type are left alone', () => {
  const obj: any = { apiVersion: 'test.slipway.dev/v1', kind: 'Widget', metadata: { name: 'w' }, spec: 'not-an-object', status: [1] };
  assert.deepEqual(pruneUnknownFields(widgetV1.schema, obj), []);
  const crdType = builtinResourceTypes.find((t) => t.kind === 'CustomResourceDefinition')!;
  const crd: any = widgetCRD();
  crd.spec.versions[0].subresources.status = { bogus: true };
  assert.deepEqual(pruneUnknownFields(crdType.schema, crd), ['.spec.versions[0].subresources.status.bogus']);
  assert.deepEqual(crd.spec.versions[0].schema, (widgetCRD() as any).spec.versions[0].schema, 'openAPIV3Schema is kept whole');
});
