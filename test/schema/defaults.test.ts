import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults } from '../../src/apiserver/schema/defaults.ts';
import { resourceTypesFromCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';
import type { Schema } from '../../src/api/resource.ts';
import { widget, widgetCRD } from './fixtures.ts';

const widgetType = resourceTypesFromCRD(widgetCRD())[0];

test('defaults fill absent properties of present objects, in lists and maps too', () => {
  const obj: any = widget({ size: 1, ports: [{ port: 1 }, { port: 2, protocol: 'UDP' }], limits: { web: { cpu: '1' } }, settings: {} });
  applyDefaults(widgetType.schema, obj);
  assert.deepEqual(obj.spec, {
    size: 1, replicas: 1, note: 'none',
    ports: [{ port: 1, protocol: 'TCP' }, { port: 2, protocol: 'UDP' }],
    limits: { web: { cpu: '1', burst: false } },
    settings: { mode: 'auto' },
  });
});

test('absent parents are not created to hold defaults', () => {
  const obj: any = { apiVersion: 'test.slipway.dev/v1', kind: 'Widget', metadata: { name: 'w' } };
  applyDefaults(widgetType.schema, obj);
  assert.deepEqual(obj, { apiVersion: 'test.slipway.dev/v1', kind: 'Widget', metadata: { name: 'w' } });
});

test('null: kept where nullable, replaced by the default or dropped where not', () => {
  const obj: any = widget({ size: 1, replicas: null, comment: null, note: null });
  applyDefaults(widgetType.schema, obj);
  assert.equal(obj.spec.replicas, 1, 'non-nullable null takes the default');
  assert.equal('comment' in obj.spec, false, 'non-nullable null without default is dropped');
  assert.equal(obj.spec.note, null, 'nullable null stays');
  const meta: any = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x', creationTimestamp: null } };
  applyDefaults(widgetType.schema, meta);
  assert.deepEqual(meta.metadata, { name: 'x' }, 'kubectl-style creationTimestamp: null disappears');
});

test('null list items and map values take the item default when not nullable', () => {
  const schema: Schema = {
    type: 'object',
    properties: {
      list: { type: 'array', items: { type: 'string', default: 'x' } },
      map: { type: 'object', additionalProperties: { type: 'object', default: { on: true }, properties: { on: { type: 'boolean' }, n: { type: 'integer', default: 3 } } } },
      open: { type: 'array', items: { type: 'string', nullable: true, default: 'y' } },
    },
  };
  const obj: any = { list: ['a', null], map: { a: null, b: { on: false } }, open: [null] };
  applyDefaults(schema, obj);
  assert.deepEqual(obj, { list: ['a', 'x'], map: { a: { on: true, n: 3 }, b: { on: false, n: 3 } }, open: [null] });
});

test('defaults are copies: changing one object does not change the schema or another object', () => {
  const schema: Schema = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, default: ['a'] } } };
  const one: any = {};
  const two: any = {};
  applyDefaults(schema, one);
  applyDefaults(schema, two);
  one.tags.push('b');
  assert.deepEqual(two.tags, ['a']);
  assert.deepEqual(schema.properties!.tags.default, ['a']);
});

test('built-in defaults: Secret type, CRD conversion strategy', () => {
  const secret: any = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
  applyDefaults(builtinResourceTypes.find((t) => t.kind === 'Secret')!.schema, secret);
  assert.equal(secret.type, 'Opaque');
  const crd: any = widgetCRD();
  applyDefaults(builtinResourceTypes.find((t) => t.kind === 'CustomResourceDefinition')!.schema, crd);
  assert.deepEqual(crd.spec.conversion, { strategy: 'None' });
  assert.deepEqual(crd.spec.versions, (widgetCRD() as any).spec.versions, 'a CRD\'s own schema is data: nothing is defaulted inside it');
});
