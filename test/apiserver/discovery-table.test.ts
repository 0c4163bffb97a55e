// Authentication, discovery (legacy and aggregated), OpenAPI, Table output, metrics, and a CRD's
// kind being served the moment the CRD is created (and gone when it is deleted).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.ts';
import { rawRequest } from '../support/http.ts';
import { api, type Api } from './support/api.ts';

let server: TestServer;
let c: Api;
const tableAccept = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' };

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'boats.disc.slipway.dev' },
  spec: {
    group: 'disc.slipway.dev', scope: 'Cluster',
    names: { plural: 'boats', singular: 'boat', kind: 'Boat', shortNames: ['bt'], categories: ['fleet'] },
    versions: [{
      name: 'v1', served: true, storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: 'Length', type: 'integer', jsonPath: '.spec.length' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      schema: { openAPIV3Schema: { type: 'object', description: 'A boat.', properties: {
        spec: { type: 'object', properties: { length: { type: 'integer', description: 'Length in metres.' } } },
        status: { type: 'object', properties: { conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } } } },
      } } },
    }],
  },
};

before(async () => {
  server = await startTestServer();
  c = api({ url: server.url, caCert: server.caCert, token: server.token });
});

after(async () => server?.stop());

test('only health probes are anonymous; a wrong token is a 401 Status', async () => {
  for (const path of ['/healthz', '/readyz', '/livez']) {
    const res = await rawRequest(c.target, 'GET', path, { token: null });
    assert.equal(res.status, 200, path);
  }
  for (const token of [null, 'wrong']) {
    const res = await rawRequest(c.target, 'GET', '/api/v1/namespaces', { token });
    assert.equal(res.status, 401);
    assert.equal(res.json().reason, 'Unauthorized');
  }
});

test('/version, /api and /apis', async () => {
  const version = await c.call('GET', '/version', 200);
  assert.equal(version.major, '1');
  assert.equal((await c.call('GET', '/api', 200)).versions[0], 'v1');
  const groups = await c.call('GET', '/apis', 200);
  const names = groups.groups.map((g: any) => g.name);
  for (const g of ['apiextensions.k8s.io', 'coordination.k8s.io']) assert.ok(names.includes(g), g);
  const core = await c.call('GET', '/api/v1', 200);
  const cm = core.resources.find((r: any) => r.name === 'configmaps');
  assert.deepEqual({ kind: cm.kind, namespaced: cm.namespaced, shortNames: cm.shortNames }, { kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] });
  assert.ok(cm.verbs.includes('watch') && cm.verbs.includes('deletecollection'));
  assert.ok(core.resources.some((r: any) => r.name === 'namespaces/finalize'));
  const res = await c.raw('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  assert.match(String(res.headers['content-type']), /as=APIGroupDiscoveryList/);
  assert.equal(res.json().kind, 'APIGroupDiscoveryList');
});

test('a CRD is served as soon as it is created, Established, in discovery and OpenAPI; deleting it removes the kind and its objects', async () => {
  const created = await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 201, crd);
  assert.ok(created.status.conditions.some((x: any) => x.type === 'Established' && x.status === 'True'));
  const boat = await c.call('POST', '/apis/disc.slipway.dev/v1/boats', 201, { apiVersion: 'disc.slipway.dev/v1', kind: 'Boat', metadata: { name: 'b1' }, spec: { length: 12 } });
  await c.call('PUT', '/apis/disc.slipway.dev/v1/boats/b1/status', 200, { ...boat, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  const resources = await c.call('GET', '/apis/disc.slipway.dev/v1', 200);
  const boats = resources.resources.find((r: any) => r.name === 'boats');
  assert.deepEqual({ namespaced: boats.namespaced, shortNames: boats.shortNames, categories: boats.categories }, { namespaced: false, shortNames: ['bt'], categories: ['fleet'] });
  assert.ok(resources.resources.some((r: any) => r.name === 'boats/status'));
  const index = await c.call('GET', '/openapi/v3', 200);
  const url = index.paths['apis/disc.slipway.dev/v1'].serverRelativeURL;
  const doc = await c.raw('GET', url);
  assert.equal(doc.status, 200);
  assert.ok(doc.headers.etag);
  assert.match(doc.text, /Length in metres/);
  const cached = await c.raw('GET', url, undefined, { 'if-none-match': String(doc.headers.etag) });
  assert.equal(cached.status, 304);

  const table = await c.call('GET', '/apis/disc.slipway.dev/v1/boats', 200, undefined, tableAccept);
  assert.equal(table.kind, 'Table');
  assert.deepEqual(table.columnDefinitions.map((d: any) => d.name), ['Name', 'Length', 'Ready', 'Age']);
  assert.deepEqual(table.rows[0].cells.slice(0, 3), ['b1', 12, 'True']);
  assert.match(table.rows[0].cells[3], /^\d+s$/);
  assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
  const withObject = await c.call('GET', '/apis/disc.slipway.dev/v1/boats?includeObject=Object', 200, undefined, tableAccept);
  assert.equal(withObject.rows[0].object.spec.length, 12);

  await c.call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/boats.disc.slipway.dev', 200);
  await c.call('GET', '/apis/disc.slipway.dev/v1/boats', 404);
  await c.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', 201, crd);
  const empty = await c.call('GET', '/apis/disc.slipway.dev/v1/boats', 200);
  assert.deepEqual(empty.items, [], 'objects of a deleted CRD do not come back with it');
});

test('built-in Table columns', async () => {
  await c.call('POST', '/api/v1/namespaces/default/configmaps', 201, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 't' }, data: { a: '1', b: '2' } });
  const table = await c.call('GET', '/api/v1/namespaces/default/configmaps/t', 200, undefined, tableAccept);
  assert.deepEqual(table.columnDefinitions.map((d: any) => d.name), ['Name', 'Data', 'Age']);
  assert.deepEqual(table.rows[0].cells.slice(0, 2), ['t', 2]);
  const ns = await c.call('GET', '/api/v1/namespaces?includeObject=None', 200, undefined, tableAccept);
  assert.ok(ns.rows.some((r: any) => r.cells[0] === 'default' && r.cells[1] === 'Active'));
  assert.equal(ns.rows[0].object, undefined);
});

test('/metrics counts requests by verb, resource and code', async () => {
  await c.call('GET', '/api/v1/namespaces/default/configmaps/missing', 404);
  const res = await c.raw('GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.text, /apiserver_request_total\{verb="GET",resource="configmaps",code="404"\} \d+/);
  assert.match(res.text, /apiserver_request_duration_seconds_bucket/);
  assert.match(res.text, /slipway_store_revision \d+/);
  const anonymous = await rawRequest(c.target, 'GET', '/metrics', { token: null });
  assert.equal(anonymous.status, 401);
});
