// Bad input, case by case: each request gets the right status code and reason with a useful
// message, the server stays up, and nothing already stored changes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.ts';
import { rawRequest, type RawTarget } from '../support/http.ts';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  token?: string | null;
  code: number;
  reason?: string;
  message?: RegExp;
  /** Field paths the causes must name. */
  fields?: string[];
}

const ns = 'bad-input';
const cmPath = `/api/v1/namespaces/${ns}/configmaps`;
const widgets = `/apis/bad.slipway.dev/v1/namespaces/${ns}/widgets`;
const json = (value: unknown) => JSON.stringify(value);
const configMap = (name: string, extra: Record<string, unknown> = {}) => json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: 'b' }, ...extra });
const widget = (name: string, spec: unknown) => json({ apiVersion: 'bad.slipway.dev/v1', kind: 'Widget', metadata: { name }, spec });

const widgetCRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bad.slipway.dev' },
  spec: {
    group: 'bad.slipway.dev',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {} },
      schema: {
        openAPIV3Schema: {
          type: 'object',
          properties: {
            spec: {
              type: 'object',
              required: ['size'],
              properties: {
                size: { type: 'integer', minimum: 1, maximum: 10 },
                color: { type: 'string', enum: ['red', 'blue'] },
                name: { type: 'string', pattern: '^[a-z]+$', maxLength: 8 },
                tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
                ports: { type: 'array', items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } } },
              },
            },
            status: { type: 'object', properties: { ready: { type: 'boolean' } } },
          },
        },
      },
    }],
  },
};

let target: RawTarget;
let stop: () => Promise<void>;
let seededCM: any;
let seededWidget: any;

function cases(): Case[] {
  const rv = seededCM.metadata.resourceVersion;
  const stale = String(Number(rv) - 1);
  const big = 'x'.repeat(4 * 1024 * 1024);
  const list: Case[] = [];
  const add = (c: Case) => list.push(c);

  // Authentication: only the health endpoints are anonymous.
  for (const path of ['/api', '/apis', '/version', cmPath, '/metrics', '/openapi/v3', `/apis/bad.slipway.dev/v1`]) {
    add({ name: `no token ${path}`, method: 'GET', path, token: null, code: 401, reason: 'Unauthorized' });
  }
  add({ name: 'wrong token', method: 'GET', path: cmPath, token: 'not-a-token', code: 401, reason: 'Unauthorized' });
  add({ name: 'empty bearer', method: 'GET', path: cmPath, token: null, headers: { authorization: 'Bearer ' }, code: 401, reason: 'Unauthorized' });
  add({ name: 'basic auth', method: 'GET', path: cmPath, token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, code: 401, reason: 'Unauthorized' });
  add({ name: 'write without token', method: 'POST', path: cmPath, token: null, body: configMap('anon'), code: 401, reason: 'Unauthorized' });
  add({ name: 'delete without token', method: 'DELETE', path: `${cmPath}/seed`, token: null, code: 401, reason: 'Unauthorized' });

  // Malformed bodies.
  for (const [label, body] of [['truncated', '{"apiVersion":"v1",'], ['not json', 'hello'], ['array', '[]'], ['null', 'null'], ['string', '"configmap"'], ['number', '42'], ['trailing garbage', configMap('tg') + 'xyz'], ['empty', ''], ['nested garbage', '{"metadata": {"name": }}']] as const) {
    add({ name: `malformed JSON: ${label}`, method: 'POST', path: cmPath, body, code: 400, reason: 'BadRequest' });
  }
  add({ name: 'malformed YAML', method: 'POST', path: cmPath, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: [name: x\n', contentType: 'application/yaml', code: 400, reason: 'BadRequest' });
  add({ name: 'malformed apply YAML', method: 'PATCH', path: `${cmPath}/seed?fieldManager=t`, body: 'data: {a: b\n', contentType: 'application/apply-patch+yaml', code: 400, reason: 'BadRequest' });
  add({ name: 'malformed merge patch', method: 'PATCH', path: `${cmPath}/seed`, body: '{"data":', contentType: 'application/merge-patch+json', code: 400, reason: 'BadRequest' });
  add({ name: 'malformed json patch', method: 'PATCH', path: `${cmPath}/seed`, body: '[{"op":', contentType: 'application/json-patch+json', code: 400, reason: 'BadRequest' });
  add({ name: 'malformed PUT', method: 'PUT', path: `${cmPath}/seed`, body: '{{', code: 400, reason: 'BadRequest' });

  // Wrong types and schema violations: 422 Invalid, every violation named.
  add({ name: 'configmap data is a string', method: 'POST', path: cmPath, body: configMap('t1', { data: 'oops' }), code: 422, reason: 'Invalid', fields: ['data'] });
  add({ name: 'configmap data value is a number', method: 'POST', path: cmPath, body: configMap('t2', { data: { a: 1 } }), code: 422, reason: 'Invalid', fields: ['data.a'] });
  add({ name: 'labels is a string', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't3', labels: 'x' } }), code: 422, reason: 'Invalid', fields: ['metadata.labels'] });
  add({ name: 'secret data not base64', method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, body: json({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1' }, data: { k: '***' } }), code: 422, reason: 'Invalid', fields: ['data.k'] });
  add({ name: 'widget size is a string', method: 'POST', path: widgets, body: widget('w1', { size: 'big' }), code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'widget size missing', method: 'POST', path: widgets, body: widget('w2', { color: 'red' }), code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'widget size above maximum', method: 'POST', path: widgets, body: widget('w3', { size: 11 }), code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'widget size below minimum', method: 'POST', path: widgets, body: widget('w4', { size: 0 }), code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'widget color not in enum', method: 'POST', path: widgets, body: widget('w5', { size: 1, color: 'green' }), code: 422, reason: 'Invalid', fields: ['spec.color'], message: /supported values/ });
  add({ name: 'widget name pattern', method: 'POST', path: widgets, body: widget('w6', { size: 1, name: 'ABC' }), code: 422, reason: 'Invalid', fields: ['spec.name'] });
  add({ name: 'widget name too long', method: 'POST', path: widgets, body: widget('w7', { size: 1, name: 'abcdefghij' }), code: 422, reason: 'Invalid', fields: ['spec.name'] });
  add({ name: 'widget too many tags', method: 'POST', path: widgets, body: widget('w8', { size: 1, tags: ['a', 'b', 'c'] }), code: 422, reason: 'Invalid', fields: ['spec.tags'] });
  add({ name: 'widget tag of wrong type', method: 'POST', path: widgets, body: widget('w9', { size: 1, tags: [1] }), code: 422, reason: 'Invalid', fields: ['spec.tags[0]'] });
  add({ name: 'widget port missing in list item', method: 'POST', path: widgets, body: widget('w10', { size: 1, ports: [{ port: 1 }, {}] }), code: 422, reason: 'Invalid', fields: ['spec.ports[1].port'] });
  add({ name: 'widget spec is an array', method: 'POST', path: widgets, body: widget('w11', []), code: 422, reason: 'Invalid', fields: ['spec'] });
  add({ name: 'several violations listed together', method: 'POST', path: widgets, body: widget('w12', { size: 'x', color: 'green', name: 'A' }), code: 422, reason: 'Invalid', fields: ['spec.size', 'spec.color', 'spec.name'] });
  add({ name: 'status via /status with wrong type', method: 'PUT', path: `${widgets}/seed/status`, body: json({ ...seededWidget, status: { ready: 'yes' } }), code: 422, reason: 'Invalid', fields: ['status.ready'] });
  add({ name: 'merge patch that makes the object invalid', method: 'PATCH', path: `${widgets}/seed`, body: json({ spec: { size: 100 } }), contentType: 'application/merge-patch+json', code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'json patch that makes the object invalid', method: 'PATCH', path: `${widgets}/seed`, body: json([{ op: 'replace', path: '/spec/size', value: 'big' }]), contentType: 'application/json-patch+json', code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'apply that makes the object invalid', method: 'PATCH', path: `${widgets}/seed?fieldManager=bad`, body: 'apiVersion: bad.slipway.dev/v1\nkind: Widget\nmetadata:\n  name: seed\nspec:\n  size: -3\n', contentType: 'application/apply-patch+yaml', code: 422, reason: 'Invalid', fields: ['spec.size'] });
  add({ name: 'generation is not writable as a string', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't4', generation: 'one' } }), code: 422, reason: 'Invalid', fields: ['metadata.generation'] });

  // Unknown kinds, versions and fields.
  add({ name: 'unknown core resource', method: 'GET', path: `/api/v1/namespaces/${ns}/foos`, code: 404, reason: 'NotFound' });
  add({ name: 'unknown group', method: 'GET', path: '/apis/nope.example.com/v1/things', code: 404, reason: 'NotFound' });
  add({ name: 'unknown version of a known group', method: 'GET', path: `/apis/bad.slipway.dev/v9/namespaces/${ns}/widgets`, code: 404, reason: 'NotFound' });
  add({ name: 'unknown core version', method: 'GET', path: '/api/v2/namespaces', code: 404, reason: 'NotFound' });
  add({ name: 'unknown subresource', method: 'GET', path: `${cmPath}/seed/frobnicate`, code: 404, reason: 'NotFound' });
  add({ name: 'scale of a kind without scale', method: 'GET', path: `${cmPath}/seed/scale`, code: 404, reason: 'NotFound' });
  add({ name: 'kind mismatch in body', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'km' } }), code: 400, reason: 'BadRequest', message: /Secret|kind/ });
  add({ name: 'apiVersion mismatch in body', method: 'POST', path: cmPath, body: json({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'av' } }), code: 400, reason: 'BadRequest' });
  add({ name: 'missing kind', method: 'POST', path: widgets, body: json({ apiVersion: 'bad.slipway.dev/v1', metadata: { name: 'mk' }, spec: { size: 1 } }), code: 400, reason: 'BadRequest' });
  add({ name: 'unknown field, strict', method: 'POST', path: `${widgets}?fieldValidation=Strict`, body: widget('uf1', { size: 1, shape: 'round' }), code: 400, reason: 'BadRequest', message: /spec\.shape/ });
  add({ name: 'unknown top-level field, strict', method: 'POST', path: `${cmPath}?fieldValidation=Strict`, body: configMap('uf2', { extra: true }), code: 400, reason: 'BadRequest', message: /extra/ });
  add({ name: 'unknown metadata field, strict', method: 'POST', path: `${cmPath}?fieldValidation=Strict`, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'uf3', colour: 'red' } }), code: 400, reason: 'BadRequest', message: /colour/ });
  add({ name: 'bad fieldValidation value', method: 'POST', path: `${cmPath}?fieldValidation=Sometimes`, body: configMap('fv'), code: 400, reason: 'BadRequest' });

  // Names.
  for (const [label, name] of [['upper case', 'Bad'], ['underscore', 'bad_name'], ['leading dash', '-bad'], ['trailing dot', 'bad.'], ['too long', 'a'.repeat(254)], ['space', 'bad name'], ['unicode', 'bäd']] as const) {
    add({ name: `bad name: ${label}`, method: 'POST', path: cmPath, body: configMap(name), code: 422, reason: 'Invalid', fields: ['metadata.name'] });
  }
  add({ name: 'no name and no generateName', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }), code: 422, reason: 'Invalid', fields: ['metadata.name'] });
  add({ name: 'bad generateName', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'BAD-' } }), code: 422, reason: 'Invalid', fields: ['metadata.generateName'] });
  add({ name: 'namespace name with dots', method: 'POST', path: '/api/v1/namespaces', body: json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } }), code: 422, reason: 'Invalid', fields: ['metadata.name'] });
  add({ name: 'namespace in body differs from URL', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nsd', namespace: 'other' } }), code: 400, reason: 'BadRequest', message: /namespace/ });
  add({ name: 'name in body differs from URL', method: 'PUT', path: `${cmPath}/seed`, body: json({ ...seededCM, metadata: { ...seededCM.metadata, name: 'other' } }), code: 400, reason: 'BadRequest', message: /name/ });
  add({ name: 'invalid label key', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l1', labels: { 'bad key': 'x' } } }), code: 422, reason: 'Invalid', fields: ['metadata.labels'] });
  add({ name: 'invalid label value', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l2', labels: { ok: 'not ok!' } } }), code: 422, reason: 'Invalid', fields: ['metadata.labels'] });
  add({ name: 'label value too long', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'l3', labels: { ok: 'v'.repeat(64) } } }), code: 422, reason: 'Invalid', fields: ['metadata.labels'] });
  add({ name: 'invalid annotation key', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a1', annotations: { '/x': 'y' } } }), code: 422, reason: 'Invalid', fields: ['metadata.annotations'] });
  add({ name: 'owner reference without uid', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o1', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'seed' }] } }), code: 422, reason: 'Invalid', message: /uid/ });
  add({ name: 'invalid finalizer', method: 'POST', path: cmPath, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'f1', finalizers: ['not a finalizer!'] } }), code: 422, reason: 'Invalid', fields: ['metadata.finalizers[0]'] });
  add({ name: 'namespace does not exist', method: 'POST', path: '/api/v1/namespaces/nowhere/configmaps', body: configMap('x'), code: 404, reason: 'NotFound', message: /namespaces "nowhere" not found/ });

  // Oversize bodies.
  add({ name: 'oversize create', method: 'POST', path: cmPath, body: configMap('big', { data: { big } }), code: 413, reason: 'RequestEntityTooLarge' });
  add({ name: 'oversize update', method: 'PUT', path: `${cmPath}/seed`, body: json({ ...seededCM, data: { big } }), code: 413, reason: 'RequestEntityTooLarge' });
  add({ name: 'oversize patch', method: 'PATCH', path: `${cmPath}/seed`, body: json({ data: { big } }), contentType: 'application/merge-patch+json', code: 413, reason: 'RequestEntityTooLarge' });

  // Stale resource versions and failed preconditions.
  add({ name: 'update with stale resourceVersion', method: 'PUT', path: `${cmPath}/seed`, body: json({ ...seededCM, metadata: { ...seededCM.metadata, resourceVersion: stale }, data: { a: 'changed' } }), code: 409, reason: 'Conflict', message: /modified/ });
  add({ name: 'merge patch with stale resourceVersion', method: 'PATCH', path: `${cmPath}/seed`, body: json({ metadata: { resourceVersion: stale }, data: { a: 'changed' } }), contentType: 'application/merge-patch+json', code: 409, reason: 'Conflict' });
  add({ name: 'delete with stale resourceVersion precondition', method: 'DELETE', path: `${cmPath}/seed`, body: json({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { resourceVersion: stale } }), code: 409, reason: 'Conflict' });
  add({ name: 'delete with wrong uid precondition', method: 'DELETE', path: `${cmPath}/seed`, body: json({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: '00000000-0000-0000-0000-000000000000' } }), code: 409, reason: 'Conflict' });
  add({ name: 'update with non-numeric resourceVersion', method: 'PUT', path: `${cmPath}/seed`, body: json({ ...seededCM, metadata: { ...seededCM.metadata, resourceVersion: 'abc' } }), code: 400, reason: 'BadRequest' });
  add({ name: 'create that already exists', method: 'POST', path: cmPath, body: configMap('seed'), code: 409, reason: 'AlreadyExists', message: /already exists/ });
  add({ name: 'update of a missing object', method: 'PUT', path: `${cmPath}/missing`, body: json({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'missing', resourceVersion: rv } }), code: 404, reason: 'NotFound' });
  add({ name: 'get of a missing object', method: 'GET', path: `${cmPath}/missing`, code: 404, reason: 'NotFound', message: /configmaps "missing" not found/ });
  add({ name: 'delete of a missing object', method: 'DELETE', path: `${cmPath}/missing`, code: 404, reason: 'NotFound' });
  add({ name: 'patch of a missing object', method: 'PATCH', path: `${cmPath}/missing`, body: json({ data: {} }), contentType: 'application/merge-patch+json', code: 404, reason: 'NotFound' });

  // Selectors and list parameters.
  for (const selector of ['a in (', '=b', 'a==b==c', 'a in (x,', '!', 'a notin', 'a b', 'x=(y)']) {
    add({ name: `bad labelSelector ${selector}`, method: 'GET', path: `${cmPath}?labelSelector=${encodeURIComponent(selector)}`, code: 400, reason: 'BadRequest' });
  }
  add({ name: 'unsupported fieldSelector field', method: 'GET', path: `${cmPath}?fieldSelector=spec.foo%3Dbar`, code: 400, reason: 'BadRequest', message: /spec\.foo/ });
  add({ name: 'fieldSelector without operator', method: 'GET', path: `${cmPath}?fieldSelector=metadata.name`, code: 400, reason: 'BadRequest' });
  add({ name: 'non-numeric limit', method: 'GET', path: `${cmPath}?limit=abc`, code: 400, reason: 'BadRequest' });
  add({ name: 'garbage continue token', method: 'GET', path: `${cmPath}?limit=1&continue=garbage`, code: 400, reason: 'BadRequest' });
  add({ name: 'non-numeric resourceVersion on list', method: 'GET', path: `${cmPath}?resourceVersion=abc`, code: 400, reason: 'BadRequest' });
  add({ name: 'watch with non-numeric resourceVersion', method: 'GET', path: `${cmPath}?watch=true&resourceVersion=abc`, code: 400, reason: 'BadRequest' });
  add({ name: 'watch with negative timeout', method: 'GET', path: `${cmPath}?watch=true&timeoutSeconds=-5`, code: 400, reason: 'BadRequest' });
  add({ name: 'bad propagationPolicy', method: 'DELETE', path: `${cmPath}/seed?propagationPolicy=Sideways`, code: 400, reason: 'BadRequest' });
  add({ name: 'bad dryRun value', method: 'POST', path: `${cmPath}?dryRun=Some`, body: configMap('dr'), code: 400, reason: 'BadRequest' });

  // Patches.
  add({ name: 'apply without fieldManager', method: 'PATCH', path: `${cmPath}/seed`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seed\n', contentType: 'application/apply-patch+yaml', code: 422, reason: 'Invalid', message: /fieldManager/ });
  add({ name: 'apply conflict with another manager', method: 'PATCH', path: `${cmPath}/seed?fieldManager=intruder`, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seed\ndata:\n  a: mine\n', contentType: 'application/apply-patch+yaml', code: 409, reason: 'Conflict', message: /conflict/ });
  add({ name: 'json patch test fails', method: 'PATCH', path: `${cmPath}/seed`, body: json([{ op: 'test', path: '/data/a', value: 'nope' }, { op: 'replace', path: '/data/a', value: 'x' }]), contentType: 'application/json-patch+json', code: 422, reason: 'Invalid' });
  add({ name: 'json patch unknown op', method: 'PATCH', path: `${cmPath}/seed`, body: json([{ op: 'frob', path: '/data/a' }]), contentType: 'application/json-patch+json', code: 422, reason: 'Invalid', message: /op must be one of/ });
  add({ name: 'json patch not a list', method: 'PATCH', path: `${cmPath}/seed`, body: json({ op: 'add' }), contentType: 'application/json-patch+json', code: 400, reason: 'BadRequest' });
  add({ name: 'json patch remove missing path', method: 'PATCH', path: `${cmPath}/seed`, body: json([{ op: 'remove', path: '/data/nothere' }]), contentType: 'application/json-patch+json', code: 422, reason: 'Invalid' });
  add({ name: 'strategic merge patch on a custom resource', method: 'PATCH', path: `${widgets}/seed`, body: json({ spec: { size: 2 } }), contentType: 'application/strategic-merge-patch+json', code: 415, reason: 'UnsupportedMediaType' });
  add({ name: 'unknown patch type', method: 'PATCH', path: `${cmPath}/seed`, body: json({}), contentType: 'application/frob+json', code: 415, reason: 'UnsupportedMediaType' });
  add({ name: 'patch that changes the name', method: 'PATCH', path: `${cmPath}/seed`, body: json({ metadata: { name: 'renamed' } }), contentType: 'application/merge-patch+json', code: 400, reason: 'BadRequest' });
  add({ name: 'patch that changes the uid', method: 'PATCH', path: `${cmPath}/seed`, body: json({ metadata: { uid: 'not-the-uid' } }), contentType: 'application/merge-patch+json', code: 422, reason: 'Invalid', fields: ['metadata.uid'] });

  // Methods and media types.
  add({ name: 'DELETE on discovery', method: 'DELETE', path: '/api', code: 405, reason: 'MethodNotAllowed' });
  add({ name: 'POST to a named object', method: 'POST', path: `${cmPath}/seed`, body: configMap('seed'), code: 405, reason: 'MethodNotAllowed' });
  add({ name: 'PUT on a collection', method: 'PUT', path: cmPath, body: configMap('x'), code: 405, reason: 'MethodNotAllowed' });
  add({ name: 'unsupported body type', method: 'POST', path: cmPath, body: configMap('ct'), contentType: 'text/plain', code: 415, reason: 'UnsupportedMediaType' });
  add({ name: 'unacceptable response type', method: 'GET', path: `${cmPath}/seed`, headers: { accept: 'application/xml' }, code: 406, reason: 'NotAcceptable' });

  // CustomResourceDefinitions.
  const badCRD = (mutate: (crd: any) => void) => { const crd = structuredClone(widgetCRD); crd.metadata.name = 'gadgets.bad.slipway.dev'; crd.spec.names = { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' }; mutate(crd); return json(crd); };
  add({ name: 'CRD name not plural.group', method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: badCRD((c) => { c.metadata.name = 'wrong.bad.slipway.dev'; }), code: 422, reason: 'Invalid', fields: ['metadata.name'] });
  add({ name: 'CRD without a storage version', method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: badCRD((c) => { c.spec.versions[0].storage = false; }), code: 422, reason: 'Invalid' });
  add({ name: 'CRD with a bad scope', method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: badCRD((c) => { c.spec.scope = 'Galaxy'; }), code: 422, reason: 'Invalid', fields: ['spec.scope'] });
  add({ name: 'CRD with an invalid kind', method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: badCRD((c) => { c.spec.names.kind = 'gadget kind'; }), code: 422, reason: 'Invalid' });
  add({ name: 'CRD whose plural clashes with an existing CRD', method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: json(widgetCRD), code: 409, reason: 'AlreadyExists' });
  return list;
}

before(async () => {
  const server = await startTestServer();
  target = { url: server.url, caCert: server.caCert, token: server.token };
  stop = server.stop;
  const mk = await rawRequest(target, 'POST', '/api/v1/namespaces', { body: json({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
  assert.equal(mk.status, 201, mk.text);
  const crd = await rawRequest(target, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: json(widgetCRD) });
  assert.equal(crd.status, 201, crd.text);
  for (let i = 0; i < 50; i++) {
    const probe = await rawRequest(target, 'GET', widgets);
    if (probe.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cm = await rawRequest(target, 'PATCH', `${cmPath}/seed?fieldManager=owner`, { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seed\n  labels: {app: seed}\ndata:\n  a: b\n', headers: { 'content-type': 'application/apply-patch+yaml' } });
  assert.equal(cm.status, 201, cm.text);
  seededCM = cm.json();
  const w = await rawRequest(target, 'POST', widgets, { body: widget('seed', { size: 3, color: 'red' }) });
  assert.equal(w.status, 201, w.text);
  seededWidget = w.json();
});

after(async () => stop?.());

test('each bad request gets the right Status, and stored data is unchanged', async (t) => {
  const all = cases();
  assert.ok(all.length >= 100, `expected at least 100 cases, have ${all.length}`);
  const snapshot = async () => {
    const cms = await rawRequest(target, 'GET', cmPath);
    const ws = await rawRequest(target, 'GET', widgets);
    const nss = await rawRequest(target, 'GET', '/api/v1/namespaces');
    return { cms: cms.json().items, ws: ws.json().items, nss: nss.json().items.map((n: any) => n.metadata.name).sort() };
  };
  const before = await snapshot();
  for (const c of all) {
    await t.test(c.name, async () => {
      const headers = { ...c.headers };
      if (c.contentType) headers['content-type'] = c.contentType;
      const res = await rawRequest(target, c.method, c.path, { body: c.body, headers, token: c.token });
      assert.equal(res.status, c.code, `${c.method} ${c.path}: ${res.text.slice(0, 500)}`);
      const status = res.json();
      assert.equal(status.kind, 'Status', res.text.slice(0, 300));
      assert.equal(status.apiVersion, 'v1');
      assert.equal(status.status, 'Failure');
      assert.equal(status.code, c.code);
      if (c.reason) assert.equal(status.reason, c.reason, res.text.slice(0, 500));
      assert.ok(typeof status.message === 'string' && status.message.length > 5, `useful message: ${res.text.slice(0, 300)}`);
      assert.doesNotMatch(status.message, /\n\s+at /, 'no stack traces');
      if (c.message) assert.match(status.message, c.message);
      for (const field of c.fields ?? []) {
        const causes: any[] = status.details?.causes ?? [];
        assert.ok(causes.some((cause) => cause.field === field), `cause for ${field} in ${JSON.stringify(causes)}`);
      }
    });
  }
  const health = await rawRequest(target, 'GET', '/healthz', { token: null });
  assert.equal(health.status, 200);
  const afterAll = await snapshot();
  assert.deepEqual(afterAll, before, 'stored data unchanged by bad input');
});
