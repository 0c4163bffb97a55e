import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceTypesFromCRD, validateCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import { objectMetaSchema } from '../../src/api/builtin/object-meta.ts';
import { fields, lines, widgetCRD } from './fixtures.ts';

test('one ResourceType per served version, with names, scope, subresources and printer columns', () => {
  const types = resourceTypesFromCRD(widgetCRD());
  assert.deepEqual(types.map((t) => t.version), ['v1', 'v1beta1'], 'v1alpha1 is not served');
  const [v1, v1beta1] = types;
  assert.deepEqual(
    { group: v1.group, kind: v1.kind, listKind: v1.listKind, plural: v1.plural, singular: v1.singular, shortNames: v1.shortNames, categories: v1.categories, namespaced: v1.namespaced, builtin: v1.builtin, storageVersion: v1.storageVersion },
    { group: 'test.slipway.dev', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', shortNames: ['wd'], categories: ['all'], namespaced: true, builtin: false, storageVersion: 'v1' },
  );
  assert.equal(v1beta1.storageVersion, 'v1');
  assert.deepEqual(v1.subresources, { status: true, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } });
  assert.deepEqual(v1beta1.subresources, {});
  assert.deepEqual(v1.printerColumns, [{ name: 'Size', type: 'integer', jsonPath: '.spec.size', description: 'How big' }]);
  assert.deepEqual(v1beta1.printerColumns, [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }], 'Kubernetes shows only an age column by default');
});

test('the schema gains the standard envelope and is a private copy', () => {
  const crd: any = widgetCRD();
  const [v1] = resourceTypesFromCRD(crd);
  assert.equal(v1.schema.properties!.metadata, objectMetaSchema);
  assert.equal(v1.schema.properties!.apiVersion.type, 'string');
  assert.equal(v1.schema.description, 'A Widget is a test kind.');
  crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.size.maximum = 99;
  assert.equal(v1.schema.properties!.spec.properties!.size.maximum, 10);
});

test('defaults for missing singular, listKind and scope', () => {
  const crd: any = widgetCRD();
  crd.spec.names = { plural: 'widgets', kind: 'Widget' };
  crd.spec.scope = 'Cluster';
  const [v1] = resourceTypesFromCRD(crd);
  assert.deepEqual([v1.singular, v1.listKind, v1.shortNames, v1.categories, v1.namespaced], ['widget', 'WidgetList', [], [], false]);
});

test('a valid CRD has no causes', () => {
  assert.deepEqual(validateCRD(widgetCRD()), []);
});

test('the name must be <plural>.<group>, and the group a domain', () => {
  assert.deepEqual(lines(validateCRD(widgetCRD({ name: 'widgets.other.dev' }))), ['metadata.name: Invalid value: "widgets.other.dev": must be spec.names.plural+"."+spec.group']);
  assert.deepEqual(fields(validateCRD(widgetCRD({ name: 'widgets.local', spec: { group: 'local' } }))), ['spec.group']);
  assert.deepEqual(fields(validateCRD(widgetCRD({ name: 'widgets.Bad_Group.dev', spec: { group: 'Bad_Group.dev' } }))), ['spec.group']);
});

test('scope must be Namespaced or Cluster', () => {
  assert.deepEqual(lines(validateCRD(widgetCRD({ spec: { scope: 'Global' } }))), ['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
  assert.deepEqual(lines(validateCRD(widgetCRD({ spec: { scope: undefined } }))), ['spec.scope: Required value']);
});

test('names must be valid DNS labels; kinds may have mixed case', () => {
  const names = { plural: 'widgets', singular: 'Widget_1', kind: 'Wid get', listKind: 'Wid get', shortNames: ['ok', 'Not OK'], categories: ['all', '1st'] };
  assert.deepEqual(fields(validateCRD(widgetCRD({ spec: { names } }))), [
    'spec.names.singular', 'spec.names.kind', 'spec.names.listKind', 'spec.names.listKind', 'spec.names.shortNames[1]', 'spec.names.categories[1]',
  ]);
  assert.match(lines(validateCRD(widgetCRD({ spec: { names: { ...names, singular: 'widget', listKind: 'WidgetList', shortNames: [], categories: [] } } })))[0], /^spec\.names\.kind: Invalid value: "Wid get": may have mixed case, but should otherwise match: a DNS-1035 label/);
  assert.deepEqual(lines(validateCRD(widgetCRD({ name: '.test.slipway.dev', spec: { names: { kind: '' } } }))), ['spec.names.plural: Required value', 'spec.names.kind: Required value']);
});

test('exactly one storage version, with unique DNS-1035 names and a schema each', () => {
  const version = (name: string, storage: boolean, schema: unknown = { openAPIV3Schema: { type: 'object' } }) => ({ name, served: true, storage, schema });
  assert.deepEqual(lines(validateCRD(widgetCRD({ spec: { versions: [version('v1', true), version('v2', true)] } }))), ['spec.versions: Invalid value: "2 storage versions": must have exactly one version marked as storage version']);
  assert.deepEqual(fields(validateCRD(widgetCRD({ spec: { versions: [version('v1', false)] } }))), ['spec.versions']);
  assert.deepEqual(fields(validateCRD(widgetCRD({ spec: { versions: [] } }))), ['spec.versions']);
  assert.deepEqual(lines(validateCRD(widgetCRD({ spec: { versions: [version('v1', true), version('v1', false)] } }))), ['spec.versions[1].name: Duplicate value: "v1"']);
  assert.deepEqual(fields(validateCRD(widgetCRD({ spec: { versions: [version('1.0', true)] } }))), ['spec.versions[0].name']);
  assert.deepEqual(lines(validateCRD(widgetCRD({ spec: { versions: [version('v1', true, {})] } }))), ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
});

test('schemas must be structural: every field typed unless it preserves unknown fields or is int-or-string', () => {
  const withSchema = (openAPIV3Schema: unknown) => widgetCRD({ spec: { versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema } }] } });
  const at = 'spec.versions[0].schema.openAPIV3Schema';
  assert.deepEqual(lines(validateCRD(withSchema({ properties: {} }))), [`${at}.type: Required value: must not be empty at the root`]);
  assert.deepEqual(lines(validateCRD(withSchema({ type: 'string' }))), [`${at}.type: Invalid value: "string": must be object at the root`]);
  assert.deepEqual(lines(validateCRD(withSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          untyped: { description: 'no type' },
          open: { 'x-kubernetes-preserve-unknown-fields': true },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          list: { type: 'array' },
          listOfUntyped: { type: 'array', items: {} },
          both: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
          regex: { type: 'string', pattern: '(' },
        },
      },
    },
  }))), [
    `${at}.properties[spec].properties[untyped].type: Required value: must not be empty for specified fields`,
    `${at}.properties[spec].properties[list].items: Required value: must be specified`,
    `${at}.properties[spec].properties[listOfUntyped].items.type: Required value: must not be empty for specified fields`,
    `${at}.properties[spec].properties[both].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    `${at}.properties[spec].properties[regex].pattern: Invalid value: "(": must be a valid regular expression`,
  ]);
});

test('scale paths, printer columns and conversion are checked', () => {
  const crd: any = widgetCRD();
  crd.spec.versions[0].subresources.scale = { specReplicasPath: '.status.replicas', statusReplicasPath: '.spec.x', labelSelectorPath: '.metadata.labels' };
  crd.spec.versions[0].additionalPrinterColumns = [{ name: '', type: 'float', jsonPath: '', priority: -1, format: 'weird' }];
  crd.spec.conversion = { strategy: 'Magic' };
  assert.deepEqual(lines(validateCRD(crd)), [
    'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
    'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: ".spec.x": should be a json path under .status',
    'spec.versions[0].subresources.scale.labelSelectorPath: Invalid value: ".metadata.labels": should be a json path under either .spec or .status',
    'spec.versions[0].additionalPrinterColumns[0].name: Required value',
    'spec.versions[0].additionalPrinterColumns[0].type: Unsupported value: "float": supported values: "integer", "number", "string", "boolean", "date"',
    'spec.versions[0].additionalPrinterColumns[0].format: Unsupported value: "weird": supported values: "int32", "int64", "float", "double", "byte", "date", "date-time", "password"',
    'spec.versions[0].additionalPrinterColumns[0].jsonPath: Required value',
    'spec.versions[0].additionalPrinterColumns[0].priority: Invalid value: -1: must be greater than or equal to 0',
    'spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"',
  ]);
});
