// The parsers behind list and watch parameters and Table cells: label selectors, field selectors,
// continue tokens, printer-column JSONPath and kubectl-style ages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabelSelector } from '../../src/apiserver/label-selector.ts';
import { parseFieldSelector } from '../../src/apiserver/field-selector.ts';
import { decodeContinue, encodeContinue } from '../../src/apiserver/continue-token.ts';
import { evaluateJsonPath } from '../../src/apiserver/jsonpath.ts';
import { humanDuration } from '../../src/apiserver/human-duration.ts';
import { ApiError } from '../../src/apiserver/status-errors.ts';
import { builtinResourceTypes } from '../../src/api/builtin/index.ts';

const isBadRequest = (error: unknown) => error instanceof ApiError && error.code === 400;

test('label selectors match as Kubernetes does', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  const cases: [string, boolean][] = [
    ['app=web', true], ['app==web', true], ['app!=web', false], ['app!=db', true], ['missing!=x', true],
    ['app in (db,web)', true], ['app notin (db,web)', false], ['missing notin (x)', true],
    ['app', true], ['!app', false], ['!missing', true], ['version>2', true], ['version<3', false],
    ['app=web,tier=front', true], ['app=web,tier=back', false], ['', true], ['app=', false],
    ['example.com/role', false], [' app = web ', true],
  ];
  for (const [selector, expected] of cases) assert.equal(parseLabelSelector(selector).matches(labels), expected, selector);
});

test('malformed label selectors are 400s', () => {
  for (const selector of ['a in (', '=b', 'a==b==c', 'a in (x,', '!', 'a notin', 'a b', 'x=(y)', 'a,', 'bad key=x', 'a=bad value!', 'a>x']) {
    assert.throws(() => parseLabelSelector(selector), isBadRequest, selector);
  }
});

test('field selectors: known fields per kind only', () => {
  const event = builtinResourceTypes.find((t) => t.kind === 'Event')!;
  const configMap = builtinResourceTypes.find((t) => t.kind === 'ConfigMap')!;
  const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'n' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Started' };
  assert.equal(parseFieldSelector('involvedObject.kind=Pod,reason=Started,metadata.namespace=n', event).matches(ev), true);
  assert.equal(parseFieldSelector('involvedObject.name!=p', event).matches(ev), false);
  assert.equal(parseFieldSelector('metadata.name==e', configMap).exactName, 'e');
  assert.throws(() => parseFieldSelector('involvedObject.kind=Pod', configMap), (e) => isBadRequest(e) && /"involvedObject.kind" is not a known field selector/.test((e as Error).message));
  assert.throws(() => parseFieldSelector('metadata.name', configMap), isBadRequest);
});

test('continue tokens round-trip and reject foreign tokens', () => {
  const token = encodeContinue({ revision: 42, after: '/registry/core/configmaps/ns/b' });
  assert.deepEqual(decodeContinue(token, '/registry/core/configmaps/ns/'), { revision: 42, after: '/registry/core/configmaps/ns/b' });
  assert.throws(() => decodeContinue(token, '/registry/core/secrets/'), isBadRequest);
  assert.throws(() => decodeContinue('garbage', '/registry/core/configmaps/'), isBadRequest);
});

test('printer-column JSONPath', () => {
  const obj = { spec: { replicas: 3, items: [{ name: 'a' }, { name: 'b' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] }, metadata: { labels: { 'app.kubernetes.io/name': 'x' } } };
  assert.deepEqual(evaluateJsonPath(obj, '.spec.replicas'), [3]);
  assert.deepEqual(evaluateJsonPath(obj, '{.spec.items[*].name}'), ['a', 'b']);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.items[1].name'), ['b']);
  assert.deepEqual(evaluateJsonPath(obj, '.status.conditions[?(@.type=="Ready")].status'), ['True']);
  assert.deepEqual(evaluateJsonPath(obj, ".metadata.labels['app.kubernetes.io/name']"), ['x']);
  assert.deepEqual(evaluateJsonPath(obj, '.spec.missing.deeper'), []);
});

test('ages print like kubectl', () => {
  const s = 1000;
  const cases: [number, string][] = [[5 * s, '5s'], [119 * s, '119s'], [150 * s, '2m30s'], [600 * s, '10m'], [3 * 3600 * s + 5 * 60 * s, '3h5m'], [30 * 3600 * s, '30h'], [3 * 86400 * s, '3d'], [400 * 86400 * s, '400d'], [3 * 365 * 86400 * s, '3y']];
  for (const [ms, text] of cases) assert.equal(humanDuration(ms), text);
});
