// API benchmark: create, get, list and watch delivery for Slipway on sqlite and on etcd, beside
// raw etcd puts/ranges/watches through the same gRPC client, in one run on one machine.
//   node bench/api.ts [--quick] [--profile DIR]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { request as httpsRequest, Agent } from 'node:https';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/support/etcd.ts';
import { rawRequest } from '../test/support/http.ts';
import { runLoad, percentile, summariseCpuProfiles, peakRssMiB, fmt, type LoadResult } from './lib.ts';
import { startSlipwayProcess, type SlipwayProcess } from '../test/support/slipway-process.ts';

const quick = process.argv.includes('--quick');
const profileIndex = process.argv.indexOf('--profile');
const profileDir = profileIndex > 0 ? process.argv[profileIndex + 1] : undefined;
const concurrencies = [1, 16, 64];
const opsAt = (c: number) => (quick ? [200, 800, 1600] : [1000, 4000, 8000])[concurrencies.indexOf(c)];
const listSize = quick ? 2000 : 10_000;
const watchers = quick ? 200 : 1000;
const watchEvents = quick ? 30 : 100;
// Events are paced (not flooded) so the figure is delivery latency, not queueing behind a backlog.
const watchEventIntervalMs = 100;
const value = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'bench' }, data: { payload: 'p'.repeat(200) } });

type Row = { target: string; op: string; concurrency: number | string; result: LoadResult };
const rows: Row[] = [];
const note = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function benchRawEtcd(endpoint: string): Promise<void> {
  const client = new Etcd3({ hosts: endpoint });
  try {
    for (const c of concurrencies) {
      rows.push({ target: 'raw etcd', op: 'create (put)', concurrency: c, result: await runLoad(c, opsAt(c), (i) => client.put(`/raw/c${c}/${i}`).value(value).exec().then(() => {})) });
    }
    for (const c of concurrencies) {
      rows.push({ target: 'raw etcd', op: 'get (range)', concurrency: c, result: await runLoad(c, opsAt(c), (i) => client.get(`/raw/c64/${i % opsAt(64)}`).string().then(() => {})) });
    }
    await runLoad(64, listSize, (i) => client.put(`/rawlist/${String(i).padStart(6, '0')}`).value(value).exec().then(() => {}));
    rows.push({ target: 'raw etcd', op: `list ${listSize}`, concurrency: 1, result: await runLoad(1, 5, () => client.getAll().prefix('/rawlist/').strings().then(() => {})) });
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    const ws = await Promise.all(Array.from({ length: watchers }, () => client.watch().prefix('/rawwatch/').create()));
    for (const w of ws) w.on('put', (kv) => latencies.push(performance.now() - sentAt.get(kv.key.toString())!));
    const t0 = performance.now();
    await paced(watchEvents, async (i) => {
      const key = `/rawwatch/${i}`;
      sentAt.set(key, performance.now());
      await client.put(key).value(value);
    });
    await waitFor(() => latencies.length >= watchers * watchEvents, 60_000);
    latencies.sort((a, b) => a - b);
    rows.push({ target: 'raw etcd', op: `watch → ${watchers} watchers`, concurrency: `${1000 / watchEventIntervalMs} events/s`, result: { ops: latencies.length, seconds: (performance.now() - t0) / 1000, perSecond: latencies.length / ((performance.now() - t0) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99) } });
    await Promise.all(ws.map((w) => w.cancel()));
  } finally {
    client.close();
  }
}

function watchStream(server: SlipwayProcess, agent: Agent, pathAndQuery: string, onObject: (event: any) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(pathAndQuery, server.url), { agent, headers: { authorization: `Bearer ${server.token}`, accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line.trim()) onObject(JSON.parse(line));
        }
      });
      res.on('error', () => {});
      resolve(() => req.destroy());
    });
    req.on('error', () => {});
    req.end();
  });
}

/** Starts one operation every watchEventIntervalMs, without waiting for the previous one. */
async function paced(count: number, op: (i: number) => Promise<void>): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    inFlight.push(op(i));
    await new Promise((r) => setTimeout(r, watchEventIntervalMs));
  }
  await Promise.all(inFlight);
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function benchSlipway(label: string, server: SlipwayProcess): Promise<void> {
  const target = { url: server.url, caCert: server.caCert, token: server.token };
  const ok = async (method: string, p: string, body?: string, expect = 200) => {
    const res = await rawRequest(target, method, p, { body });
    if (res.status !== expect) throw new Error(`${method} ${p} → ${res.status}: ${res.text.slice(0, 200)}`);
  };
  for (const ns of ['bench', 'list', 'watch']) await ok('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }), 201);
  const cm = (ns: string, name: string, extra: Record<string, string> = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { payload: 'p'.repeat(200), ...extra } });
  for (const c of concurrencies) {
    rows.push({ target: label, op: 'create', concurrency: c, result: await runLoad(c, opsAt(c), (i) => ok('POST', '/api/v1/namespaces/bench/configmaps', cm('bench', `c${c}-${i}`), 201)) });
  }
  for (const c of concurrencies) {
    rows.push({ target: label, op: 'get', concurrency: c, result: await runLoad(c, opsAt(c), (i) => ok('GET', `/api/v1/namespaces/bench/configmaps/c64-${i % opsAt(64)}`)) });
  }
  await runLoad(64, listSize, (i) => ok('POST', '/api/v1/namespaces/list/configmaps', cm('list', `l-${String(i).padStart(6, '0')}`), 201));
  rows.push({ target: label, op: `list ${listSize}`, concurrency: 1, result: await runLoad(1, 5, () => ok('GET', '/api/v1/namespaces/list/configmaps')) });
  rows.push({ target: label, op: `list ${listSize} (pages of 500)`, concurrency: 1, result: await runLoad(1, 5, async () => {
    let token = '';
    do {
      const res = await rawRequest(target, 'GET', `/api/v1/namespaces/list/configmaps?limit=500${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
      token = res.json().metadata.continue ?? '';
    } while (token);
  }) });

  const agent = new Agent({ ca: server.caCert, keepAlive: true, maxSockets: Infinity });
  const latencies: number[] = [];
  const stops = await Promise.all(Array.from({ length: watchers }, () => watchStream(server, agent, '/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=', (event) => {
    if (event.type === 'ADDED') latencies.push(performance.now() - Number(event.object.data.sent));
  })));
  await new Promise((r) => setTimeout(r, 500));
  const t0 = performance.now();
  await paced(watchEvents, (i) => ok('POST', '/api/v1/namespaces/watch/configmaps', cm('watch', `w-${i}`, { sent: String(performance.now()) }), 201));
  await waitFor(() => latencies.length >= watchers * watchEvents, 60_000);
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  rows.push({ target: label, op: `watch → ${watchers} watchers`, concurrency: `${1000 / watchEventIntervalMs} events/s`, result: { ops: latencies.length, seconds, perSecond: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) } });
  if (latencies.length < watchers * watchEvents) note(`${label}: only ${latencies.length} of ${watchers * watchEvents} watch deliveries arrived`);
  for (const stop of stops) stop();
  agent.destroy();
  note(`${label}: server peak RSS ${fmt(await peakRssMiB(server.pid))} MiB`);
}

function report(): void {
  const reference = (op: string, c: number | string) => rows.find((r) => r.target === 'raw etcd' && r.op.split(' ')[0] === op.split(' ')[0] && r.concurrency === c);
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}${quick ? ' (quick run)' : ''}\n`);
  console.log('| target | operation | concurrency | ops/s | p50 ms | p99 ms | ops/s vs raw etcd |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    const ref = r.target === 'raw etcd' ? undefined : reference(r.op, r.concurrency);
    console.log(`| ${r.target} | ${r.op} | ${r.concurrency} | ${fmt(r.result.perSecond, 0)} | ${fmt(r.result.p50, 2)} | ${fmt(r.result.p99, 2)} | ${ref ? fmt(r.result.perSecond / ref.result.perSecond, 2) + '×' : ''} |`);
  }
}

const etcd = await startEtcd({ name: 'bench' });
const dirs: string[] = [];
try {
  note('raw etcd');
  await benchRawEtcd(etcd.endpoint);
  for (const backend of ['sqlite', 'etcd'] as const) {
    const dataDir = await mkdtemp(path.join(tmpdir(), `slipway-bench-${backend}-`));
    dirs.push(dataDir);
    const cpuProfileDir = profileDir && backend === 'sqlite' ? path.resolve(profileDir) : undefined;
    note(`slipway on ${backend}`);
    const server = await startSlipwayProcess(dataDir, { etcdEndpoint: backend === 'etcd' ? etcd.endpoint : undefined, cpuProfileDir });
    try {
      await benchSlipway(`slipway/${backend}`, server);
    } finally {
      await server.stop();
    }
    if (cpuProfileDir) {
      console.log(`\nCPU profile of the sqlite server (self time, top functions):`);
      for (const { where, share } of await summariseCpuProfiles(cpuProfileDir)) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${where}`);
    }
  }
  report();
} finally {
  await etcd.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
}
