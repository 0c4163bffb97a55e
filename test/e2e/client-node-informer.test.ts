// The official JavaScript client's informer against Slipway: it sees adds, updates and deletes,
// and after the server restarts (same port, same data) it resumes and keeps seeing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { KubeConfig, CoreV1Api, makeInformer, setHeaderOptions, PatchStrategy, ADD, UPDATE, DELETE, ERROR, type V1ConfigMap } from '@kubernetes/client-node';

const fixture = path.join(import.meta.dirname, 'fixtures', 'slipway-process.ts');

async function launch(dataDir: string, port: number): Promise<{ child: ChildProcess; url: string; caCert: string; token: string }> {
  const child = spawn(process.execPath, [fixture, dataDir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`slipway exited early with ${code}`)));
  });
  return { child, ...JSON.parse(line) };
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('@kubernetes/client-node informer sees add/update/delete and resumes after a restart', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-informer-'));
  let server = await launch(dataDir, 0);
  const port = Number(new URL(server.url).port);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 's', server: server.url, caData: Buffer.from(server.caCert).toString('base64') }],
    users: [{ name: 'u', token: server.token }],
    contexts: [{ name: 'c', cluster: 's', user: 'u' }],
    currentContext: 'c',
  });
  const api = kc.makeApiClient(CoreV1Api);
  const namespace = 'default';
  const informer = makeInformer<V1ConfigMap>(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => api.listNamespacedConfigMap({ namespace }));
  const seen: string[] = [];
  informer.on(ADD, (o) => seen.push(`add ${o.metadata!.name}`));
  informer.on(UPDATE, (o) => seen.push(`update ${o.metadata!.name} ${o.data?.v}`));
  informer.on(DELETE, (o) => seen.push(`delete ${o.metadata!.name}`));
  // client-node stops on error; restarting it is how its users resume (it re-lists from the cache's resourceVersion).
  let stopped = false;
  informer.on(ERROR, () => setTimeout(() => { if (!stopped) informer.start().catch(() => {}); }, 500));
  try {
    await informer.start();
    await api.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'one' }, data: { v: '1' } } });
    await until('add one', () => seen.includes('add one'));
    await api.patchNamespacedConfigMap({ namespace, name: 'one', body: { data: { v: '2' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await until('update one 2', () => seen.includes('update one 2'));
    await api.deleteNamespacedConfigMap({ namespace, name: 'one' });
    await until('delete one', () => seen.includes('delete one'));

    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    server = await launch(dataDir, port);

    await api.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'two' }, data: { v: '1' } } });
    await until('add two after restart', () => seen.includes('add two'));
    await api.deleteNamespacedConfigMap({ namespace, name: 'two' });
    await until('delete two after restart', () => seen.includes('delete two'));
    assert.equal(informer.list(namespace).length, 0);
    assert.equal(seen.filter((s) => s === 'add one').length, 1, 'no duplicate add after resume');
  } finally {
    stopped = true;
    await informer.stop();
    server.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
