import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameRuleFor, validateObjectMeta } from '../../src/apiserver/schema/object-meta.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';
import { fields, lines } from './fixtures.ts';

const create = { isCreate: true };
const subdomainRegex = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';

test('a complete, valid metadata has no causes', () => {
  const meta = {
    name: 'web.example', namespace: 'prod', generation: 1,
    labels: { app: 'web', 'app.kubernetes.io/name': 'web', empty: '' },
    annotations: { 'Example.com/Note': 'anything at all: {}' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', controller: true }, { apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u2' }],
    finalizers: ['example.com/cleanup', 'foregroundDeletion'],
    managedFields: [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} }],
  };
  assert.deepEqual(validateObjectMeta(meta, true, { isCreate: false }), []);
});

test('names are DNS-1123 subdomains, worded as Kubernetes does', () => {
  assert.deepEqual(lines(validateObjectMeta({ name: 'Foo_Bar', namespace: 'n' }, true, create)), [
    `metadata.name: Invalid value: "Foo_Bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${subdomainRegex}')`,
  ]);
  for (const name of ['Bad', 'bad_name', '-bad', 'bad.', 'bad name', 'bäd', 'a'.repeat(254)]) {
    assert.deepEqual(fields(validateObjectMeta({ name, namespace: 'n' }, true, create)), ['metadata.name'], name);
  }
  assert.match(validateObjectMeta({ name: 'a'.repeat(254), namespace: 'n' }, true, create)[0].message, /must be no more than 253 characters/);
  assert.deepEqual(validateObjectMeta({ name: 'a'.repeat(253), namespace: 'n' }, true, create), []);
});

test('Namespace names are DNS-1123 labels', () => {
  const namespace = builtinResourceTypes.find((t) => t.kind === 'Namespace')!;
  const rule = { isCreate: true, nameRule: nameRuleFor(namespace) };
  assert.equal(nameRuleFor(builtinResourceTypes.find((t) => t.kind === 'ConfigMap')!), 'subdomain');
  assert.match(validateObjectMeta({ name: 'a.b' }, false, rule)[0].message, /a lowercase RFC 1123 label must consist of/);
  assert.match(validateObjectMeta({ name: 'a'.repeat(64) }, false, rule)[0].message, /must be no more than 63 characters/);
  assert.deepEqual(validateObjectMeta({ name: 'kube-system' }, false, rule), []);
});

test('name or generateName is required; generateName may end in a dash', () => {
  assert.deepEqual(lines(validateObjectMeta({ namespace: 'n' }, true, create)), ['metadata.name: Required value: name or generateName is required']);
  assert.deepEqual(validateObjectMeta({ generateName: 'web-', namespace: 'n' }, true, create), []);
  assert.deepEqual(fields(validateObjectMeta({ generateName: 'BAD-', namespace: 'n' }, true, create)), ['metadata.generateName']);
  // On update the name must already be there.
  assert.deepEqual(fields(validateObjectMeta({ generateName: 'web-', namespace: 'n' }, true, { isCreate: false })), ['metadata.name']);
});

test('namespace is required for namespaced kinds and forbidden for cluster-scoped ones', () => {
  assert.deepEqual(lines(validateObjectMeta({ name: 'a' }, true, create)), ['metadata.namespace: Required value']);
  assert.deepEqual(fields(validateObjectMeta({ name: 'a', namespace: 'Bad.NS' }, true, create)), ['metadata.namespace']);
  assert.deepEqual(lines(validateObjectMeta({ name: 'a', namespace: 'n' }, false, create)), ['metadata.namespace: Forbidden: not allowed on this type']);
  assert.deepEqual(validateObjectMeta({ name: 'a', namespace: '' }, false, create), []);
});

test('labels: qualified-name keys, label-value values', () => {
  const check = (labels: Record<string, string>) => lines(validateObjectMeta({ name: 'a', labels }, false, create));
  assert.deepEqual(check({ 'bad key': 'x' }), [
    `metadata.labels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
  ]);
  assert.deepEqual(check({ ok: 'not ok!' }), [
    `metadata.labels: Invalid value: "not ok!": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
  ]);
  assert.deepEqual(check({ ok: 'v'.repeat(64) }), [`metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`]);
  assert.deepEqual(check({ ['k'.repeat(64)]: 'v' }), [`metadata.labels: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters`]);
  assert.deepEqual(check({ '/x': 'v' }), ['metadata.labels: Invalid value: "/x": prefix part must be non-empty']);
  assert.deepEqual(check({ 'Example.com/x': 'v' }).length, 1, 'a prefix must be a lower-case subdomain');
  assert.match(check({ 'a/b/c': 'v' })[0], /a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)/);
  assert.deepEqual(check({ 'x/': 'v' }), ['metadata.labels: Invalid value: "x/": name part must be non-empty', `metadata.labels: Invalid value: "x/": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`]);
});

test('annotations: keys are case-insensitive qualified names; 256 KiB in total', () => {
  assert.deepEqual(fields(validateObjectMeta({ name: 'a', annotations: { '/x': 'y' } }, false, create)), ['metadata.annotations']);
  assert.deepEqual(validateObjectMeta({ name: 'a', annotations: { 'Example.COM/Key': 'y' } }, false, create), []);
  const big = { a: 'x'.repeat(128 * 1024), b: 'x'.repeat(128 * 1024) };
  assert.deepEqual(lines(validateObjectMeta({ name: 'a', annotations: big }, false, create)), ['metadata.annotations: Too long: may not be more than 262144 bytes']);
  assert.equal(validateObjectMeta({ name: 'a', annotations: { a: 'x'.repeat(256 * 1024 - 1) } }, false, create).length, 0);
});

test('ownerReferences need apiVersion, kind, name and uid; one controller at most', () => {
  assert.deepEqual(lines(validateObjectMeta({ name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'seed', uid: '' }, { apiVersion: 'apps/', kind: '', name: 'x', uid: 'u' }] }, false, create)), [
    'metadata.ownerReferences[0].uid: Invalid value: "": uid must not be empty',
    'metadata.ownerReferences[1].apiVersion: Invalid value: "apps/": version must not be empty',
    'metadata.ownerReferences[1].kind: Invalid value: "": kind must not be empty',
  ]);
  // Absent fields are reported once, by schema validation ("Required value").
  assert.deepEqual(validateObjectMeta({ name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'seed' }] }, false, create), []);
  const controllers = [{ apiVersion: 'v1', kind: 'A', name: 'one', uid: '1', controller: true }, { apiVersion: 'v1', kind: 'B', name: 'two', uid: '2', controller: true }];
  const causes = validateObjectMeta({ name: 'a', ownerReferences: controllers }, false, create);
  assert.deepEqual(fields(causes), ['metadata.ownerReferences']);
  assert.match(causes[0].message, /Only one reference can have Controller set to true. Found "true" in references for A\/one and B\/two/);
  assert.match(validateObjectMeta({ name: 'a', ownerReferences: [{ apiVersion: 'v1', kind: 'Event', name: 'e', uid: '1' }] }, false, create)[0].message, /disallowed from being an owner/);
});

test('finalizers are qualified names; orphan and foregroundDeletion exclude each other', () => {
  assert.deepEqual(fields(validateObjectMeta({ name: 'a', finalizers: ['ok', 'not a finalizer!'] }, false, create)), ['metadata.finalizers[1]']);
  assert.deepEqual(fields(validateObjectMeta({ name: 'a', finalizers: ['orphan', 'foregroundDeletion'] }, false, create)), ['metadata.finalizers']);
});

test('generation and managedFields entries', () => {
  assert.deepEqual(lines(validateObjectMeta({ name: 'a', generation: -1 }, false, create)), ['metadata.generation: Invalid value: -1: must be greater than or equal to 0']);
  assert.deepEqual(lines(validateObjectMeta({ name: 'a', managedFields: [{ manager: 'm', operation: 'Patch', fieldsType: 'FieldsV2' }] }, false, create)), [
    'metadata.managedFields[0].operation: Unsupported value: "Patch": supported values: "Apply", "Update"',
    'metadata.managedFields[0].fieldsType: Unsupported value: "FieldsV2": supported values: "FieldsV1"',
  ]);
});

test('values of the wrong JSON type are left to schema validation, and missing metadata is required', () => {
  assert.deepEqual(validateObjectMeta({ name: 'a', labels: 'x', annotations: 3, ownerReferences: {}, finalizers: 'f', generation: 'one' }, false, create), []);
  assert.deepEqual(lines(validateObjectMeta(undefined, false, create)), ['metadata: Required value']);
});
