// Scale benchmark: 100,000 stored objects; the API server's resident memory while it serves them
// (a full paged list included), beside the reference of the same objects put straight into etcd
// (etcd's own memory and put rate).
//   node bench/api-scale.ts [--objects N]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { rawRequest } from '../test/support/http.ts';
import { startEtcd } from '../test/support/etcd.ts';
import { runLoad, rssMiB, peakRssMiB, fmt } from './lib.ts';
import { startSlipwayProcess } from '../test/support/slipway-process.ts';

const objectsIndex = process.argv.indexOf('--objects');
const objects = objectsIndex > 0 ? Number(process.argv[objectsIndex + 1]) : 100_000;
const payload = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'o', namespace: 'scale-0', labels: { app: 'a0' } }, data: { payload: 'p'.repeat(200) } });
const etcd = await startEtcd({ name: 'scale' });
try {
  const client = new Etcd3({ hosts: etcd.endpoint });
  const puts = await runLoad(64, objects, (i) => client.put(`/registry/configmaps/scale-${i % 10}/o-${i}`).value(payload).exec().then(() => {}));
  const t0 = performance.now();
  let listed = 0;
  for (let i = 0; i < 10; i++) listed += (await client.getAll().prefix(`/registry/configmaps/scale-${i}/`).keys()).length;
  console.log(`reference, raw etcd: ${listed} objects put at ${fmt(puts.perSecond, 0)}/s (c=64, p99 ${fmt(puts.p99, 1)} ms); keys of all listed in ${fmt((performance.now() - t0) / 1000, 2)} s; etcd RSS ${fmt(await rssMiB(etcd.pid))} MiB, peak ${fmt(await peakRssMiB(etcd.pid))} MiB`);
  client.close();
} finally {
  await etcd.stop();
}
const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-bench-scale-'));
const server = await startSlipwayProcess(dataDir);
try {
  const target = { url: server.url, caCert: server.caCert, token: server.token };
  const idle = await rssMiB(server.pid);
  const ns = (i: number) => `scale-${i % 10}`;
  for (let i = 0; i < 10; i++) {
    await rawRequest(target, 'POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns(i) } }) });
  }
  const created = await runLoad(64, objects, async (i) => {
    const res = await rawRequest(target, 'POST', `/api/v1/namespaces/${ns(i)}/configmaps`, {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o-${i}`, labels: { app: `a${i % 100}` } }, data: { payload: 'p'.repeat(200) } }),
    });
    if (res.status !== 201) throw new Error(`create ${i} → ${res.status} ${res.text.slice(0, 200)}`);
  });
  const afterCreate = await rssMiB(server.pid);
  let listed = 0;
  const t0 = performance.now();
  let token = '';
  do {
    const res = await rawRequest(target, 'GET', `/api/v1/configmaps?limit=1000${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    const body = res.json();
    listed += body.items.length;
    token = body.metadata.continue ?? '';
  } while (token);
  const listSeconds = (performance.now() - t0) / 1000;
  const selected = await rawRequest(target, 'GET', '/api/v1/configmaps?labelSelector=app%3Da7');
  console.log(`slipway on sqlite: ${objects} objects created at ${fmt(created.perSecond, 0)}/s (c=64, p99 ${fmt(created.p99, 1)} ms)`);
  console.log(`paged list of all ${listed} objects: ${fmt(listSeconds, 2)} s; label-selected list: ${selected.json().items.length} items`);
  console.log(`server RSS: idle ${fmt(idle)} MiB, after creating ${fmt(afterCreate)} MiB, now ${fmt(await rssMiB(server.pid))} MiB, peak ${fmt(await peakRssMiB(server.pid))} MiB (target < 1024 MiB)`);
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
