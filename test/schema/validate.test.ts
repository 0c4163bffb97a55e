import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainstSchema } from '../../src/apiserver/schema/validate.ts';
import { resourceTypesFromCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';
import type { ResourceType, Schema } from '../../src/api/resource.ts';
import { fields, lines, widget, widgetCRD } from './fixtures.ts';

const widgetType = resourceTypesFromCRD(widgetCRD()).find((t) => t.version === 'v1')!;
const builtin = (kind: string): ResourceType => builtinResourceTypes.find((t) => t.kind === kind)!;
const validWidget = () => widget({ size: 3, ratio: 0.5, color: 'red', name: 'abc', tags: ['a', 'b'], port: 'http', ports: [{ port: 80 }], labels: { a: 'b' }, when: '2024-05-01T10:00:00Z', checksum: 'aGVsbG8=' });

test('a valid object has no causes', () => {
  assert.deepEqual(validateAgainstSchema(widgetType.schema, validWidget()), []);
});

const cases: { name: string; spec: unknown; expect: string[] }[] = [
  { name: 'wrong type', spec: { size: 'big' }, expect: ['spec.size: Invalid value: "big": spec.size in body must be of type integer: "string"'] },
  { name: 'float for integer', spec: { size: 2.5 }, expect: ['spec.size: Invalid value: 2.5: spec.size in body must be of type integer: "number"'] },
  { name: 'missing required', spec: { color: 'red' }, expect: ['spec.size: Required value'] },
  { name: 'above maximum', spec: { size: 11 }, expect: ['spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10'] },
  { name: 'below minimum', spec: { size: 0 }, expect: ['spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1'] },
  { name: 'exclusive minimum', spec: { size: 1, ratio: 0 }, expect: ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0'] },
  { name: 'exclusive maximum', spec: { size: 1, ratio: 1 }, expect: ['spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1'] },
  { name: 'enum', spec: { size: 1, color: 'green' }, expect: ['spec.color: Unsupported value: "green": supported values: "red", "blue"'] },
  { name: 'pattern', spec: { size: 1, name: 'ABC' }, expect: ["spec.name: Invalid value: \"ABC\": spec.name in body should match '^[a-z]+$'"] },
  { name: 'maxLength', spec: { size: 1, name: 'abcdefghij' }, expect: ['spec.name: Too long: may not be more than 8 bytes'] },
  { name: 'minLength', spec: { size: 1, name: 'a' }, expect: ['spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long'] },
  { name: 'maxItems', spec: { size: 1, tags: ['a', 'b', 'c'] }, expect: ['spec.tags: Too many: 3: must have at most 2 items'] },
  { name: 'uniqueItems', spec: { size: 1, tags: ['a', 'a'] }, expect: ['spec.tags: Invalid value: ["a","a"]: spec.tags in body shouldn\'t contain duplicates'] },
  { name: 'array item of wrong type', spec: { size: 1, tags: [1] }, expect: ['spec.tags[0]: Invalid value: 1: spec.tags[0] in body must be of type string: "integer"'] },
  { name: 'required field in a list item', spec: { size: 1, ports: [{ port: 1 }, {}] }, expect: ['spec.ports[1].port: Required value'] },
  { name: 'wrong type in a list item', spec: { size: 1, ports: [{ port: 'x' }] }, expect: ['spec.ports[0].port: Invalid value: "x": spec.ports[0].port in body must be of type integer: "string"'] },
  { name: 'int32 overflow', spec: { size: 1, ports: [{ port: 2 ** 31 }] }, expect: ['spec.ports[0].port: Invalid value: 2147483648: spec.ports[0].port in body must be of type int32: "2147483648"'] },
  { name: 'map value of wrong type', spec: { size: 1, labels: { a: true } }, expect: ['spec.labels.a: Invalid value: true: spec.labels.a in body must be of type string: "boolean"'] },
  { name: 'nested map of objects', spec: { size: 1, limits: { web: { cpu: 1 } } }, expect: ['spec.limits.web.cpu: Invalid value: 1: spec.limits.web.cpu in body must be of type string: "integer"'] },
  { name: 'int-or-string rejects a boolean', spec: { size: 1, port: true }, expect: ['spec.port: Invalid value: true: spec.port in body must be of type integer,string: "boolean"'] },
  { name: 'int-or-string rejects a float', spec: { size: 1, port: 1.5 }, expect: ['spec.port: Invalid value: 1.5: spec.port in body must be of type integer,string: "number"'] },
  { name: 'null where not nullable', spec: { size: 1, comment: null }, expect: ['spec.comment: Invalid value: null: spec.comment in body must be of type string: "null"'] },
  { name: 'bad base64', spec: { size: 1, checksum: '***' }, expect: ['spec.checksum: Invalid value: "***": spec.checksum in body must be of type byte: "***"'] },
  { name: 'bad date-time', spec: { size: 1, when: 'yesterday' }, expect: ['spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"'] },
  { name: 'embedded resource without apiVersion and kind', spec: { size: 1, template: { spec: {} } }, expect: ['spec.template.apiVersion: Required value', 'spec.template.kind: Required value'] },
  { name: 'spec is an array', spec: [], expect: ['spec: Invalid value: []: spec in body must be of type object: "array"'] },
];

for (const c of cases) {
  test(`invalid: ${c.name}`, () => {
    assert.deepEqual(lines(validateAgainstSchema(widgetType.schema, widget(c.spec))), c.expect);
  });
}

test('int-or-string accepts integers and strings; nullable accepts null', () => {
  for (const port of [8080, 'http']) assert.deepEqual(validateAgainstSchema(widgetType.schema, widget({ size: 1, port, note: null })), []);
});

test('every violation is listed together, each with its reason', () => {
  const causes = validateAgainstSchema(widgetType.schema, widget({ size: 'x', color: 'green', name: 'A1', ports: [{}, { port: 'p' }] }));
  assert.deepEqual(fields(causes).sort(), ['spec.color', 'spec.name', 'spec.ports[0].port', 'spec.ports[1].port', 'spec.size'].sort());
  assert.deepEqual(causes.map((c) => c.reason).sort(), ['FieldValueInvalid', 'FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTypeInvalid', 'FieldValueTypeInvalid'].sort());
});

test('metadata of a custom resource is checked as ObjectMeta', () => {
  const causes = validateAgainstSchema(widgetType.schema, { ...validWidget(), metadata: { name: 'w', labels: 'x', generation: 'one', ownerReferences: [{ name: 'o' }] } });
  assert.deepEqual(fields(causes).sort(), ['metadata.generation', 'metadata.labels', 'metadata.ownerReferences[0].apiVersion', 'metadata.ownerReferences[0].kind', 'metadata.ownerReferences[0].uid']);
});

test('field names with dots and slashes keep their spelling in paths', () => {
  const causes = validateAgainstSchema(widgetType.schema, widget({ size: 1, labels: { 'example.com/a~b': 1 } }));
  assert.deepEqual(fields(causes), ['spec.labels.example.com/a~b']);
});

test('the root of the body must be an object', () => {
  assert.deepEqual(lines(validateAgainstSchema(widgetType.schema, [])), [': Invalid value: []: body must be of type object: "array"']);
});

test('built-in kinds: ConfigMap, Secret, Namespace, Event, Lease', () => {
  const cm = builtin('ConfigMap').schema;
  assert.deepEqual(validateAgainstSchema(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' }, binaryData: { b: 'AAE=' }, immutable: true }), []);
  assert.deepEqual(fields(validateAgainstSchema(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: 'oops' })), ['data']);
  assert.deepEqual(fields(validateAgainstSchema(cm, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 1 } })), ['data.a']);
  assert.deepEqual(fields(validateAgainstSchema(builtin('Secret').schema, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: '***', ok: 'aGk=' } })), ['data.k']);
  assert.deepEqual(fields(validateAgainstSchema(builtin('Namespace').schema, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, status: { phase: 'Gone' } })), ['status.phase']);
  const event = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'pod.17a', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u' }, reason: 'Started', message: 'started', type: 'Normal', count: 2,
    firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T10:01:00Z', eventTime: '2024-05-01T10:00:00.123456Z',
    source: { component: 'kubelet' }, reportingComponent: 'kubelet', reportingInstance: 'node-1', series: { count: 2, lastObservedTime: '2024-05-01T10:01:00.000001Z' },
  };
  assert.deepEqual(validateAgainstSchema(builtin('Event').schema, event), []);
  const { involvedObject: _, ...withoutSubject } = event;
  assert.deepEqual(fields(validateAgainstSchema(builtin('Event').schema, withoutSubject)), ['involvedObject']);
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', namespace: 'n' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 15, renewTime: '2024-05-01T10:00:00.000000Z', leaseTransitions: 0 } };
  assert.deepEqual(validateAgainstSchema(builtin('Lease').schema, lease), []);
  assert.deepEqual(fields(validateAgainstSchema(builtin('Lease').schema, { ...lease, spec: { leaseDurationSeconds: '15s' } })), ['spec.leaseDurationSeconds']);
});

test('a CRD object is validated by the built-in CRD schema, keeping its openAPIV3Schema open', () => {
  const crdSchema = builtin('CustomResourceDefinition').schema;
  assert.deepEqual(validateAgainstSchema(crdSchema, widgetCRD()), []);
  const broken = widgetCRD({ spec: { versions: [{ name: 'v1', served: 'yes' }] } });
  assert.deepEqual(fields(validateAgainstSchema(crdSchema, broken)).sort(), ['spec.versions[0].served', 'spec.versions[0].storage']);
});

test('composite keywords report the composite, not each alternative', () => {
  const schema: Schema = { type: 'object', properties: { v: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[0-9]+%$' }] }, w: { not: { type: 'string' } } } };
  assert.deepEqual(lines(validateAgainstSchema(schema, { v: 'abc', w: 's' })), [
    'v: Invalid value: "abc": v in body must validate at least one schema (anyOf)',
    'w: Invalid value: "s": w in body must not validate the schema (not)',
  ]);
});

test('a schema is compiled once and reused', () => {
  const schema: Schema = { type: 'object', properties: { a: { type: 'integer' } } };
  const started = performance.now();
  for (let i = 0; i < 2000; i++) validateAgainstSchema(schema, { a: i % 2 === 0 ? i : 'x' });
  // 2000 compilations would take seconds; 2000 validations take milliseconds.
  assert.ok(performance.now() - started < 500, 'validation reuses the compiled schema');
});
