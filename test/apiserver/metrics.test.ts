import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { startTestServer } from '../support/server.ts';
import { rawRequest } from '../support/http.ts';

test('/metrics serves request metrics, the store revision, and registries of other components', async () => {
  const controllers = new Registry();
  new Counter({ name: 'controller_runtime_reconcile_total', help: 'test', registers: [controllers] }).inc(3);
  const server = await startTestServer({ metricsRegistries: [controllers] });
  try {
    const target = { url: server.url, caCert: server.caCert, token: server.token };
    await rawRequest(target, 'GET', '/api/v1/namespaces');
    const res = await rawRequest(target, 'GET', '/metrics', { headers: { accept: 'text/plain' } });
    assert.equal(res.status, 200);
    assert.match(res.text, /apiserver_request_total\{verb="LIST",resource="namespaces",code="200"\} 1/);
    assert.match(res.text, /slipway_store_revision \d+/);
    assert.match(res.text, /controller_runtime_reconcile_total 3/);
    assert.equal((await rawRequest(target, 'GET', '/metrics', { token: null })).status, 401);
  } finally {
    await server.stop();
  }
});
