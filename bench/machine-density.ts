// Machine density: what Slipway itself costs per idle ContainerMachine, beside what the machines
// cost. Slipway runs in its own process; its resident memory is sampled before and after 50 idle
// machines (all Ready, then left alone for several liveness rounds), and the growth divided by 50.
// The machines' own processes (init and SSH server, not Slipway's) are measured apart. Reference,
// in the same run: the same 50 machines made by MachineRuntime alone (no API, no controllers) in a
// process of their own, measured the same way.
//   node bench/machine-density.ts [--machines N] [--settle SECONDS]
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { containerMachinesResource } from '../src/providers/infrastructure/container/resources.ts';
import { openContainerEnv } from '../test/support/container-env.ts';
import { debianRootfs } from '../test/support/debian-rootfs.ts';
import { fmt, percentile, rssMiB } from './lib.ts';

const exec = promisify(execFile);
const argument = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = argument('--machines', 50);
const settleSeconds = argument('--settle', 30);
const note = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

/** The median of a few samples of a process's RSS, a second apart, each after a full garbage collection. */
async function steadyRss(pid: number, collectGarbage: () => void): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    collectGarbage();
    await delay(1000);
    samples.push(await rssMiB(pid));
  }
  return percentile(samples.sort((a, b) => a - b), 50);
}

/** Resident memory of the processes below each init (the init included), in MiB. */
async function machineProcessesRss(initPids: number[]): Promise<number> {
  const { stdout } = await exec('ps', ['-e', '-o', 'pid=,ppid=,rss=']);
  const rows = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const [pid, ppid, kb] of rows) {
    rss.set(pid, kb);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const stack = [...initPids];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total / 1024;
}

interface Measure {
  before: number;
  after: number;
  machinesRss: number;
  readyMs: number;
}

async function slipwayMachines(): Promise<Measure> {
  let tearDown: (() => Promise<void>) | undefined;
  try {
    const env = await openContainerEnv({ namespace: 'bench-density', slot: 7, inProcess: false }, (fn) => { tearDown = fn; });
    await delay(5000);
    const before = await steadyRss(env.pid, () => env.collectGarbage());
    note(`Slipway (pid ${env.pid}) before: ${fmt(before)} MiB; creating ${count} machines`);
    const names = Array.from({ length: count }, (_, i) => `idle-${i}`);
    const began = performance.now();
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((name) => env.client.create(containerMachinesResource, env.machine(name, { resources: { cpus: '100m', memory: '96Mi' } }))));
    }
    const machines = await Promise.all(names.map((name) => env.waitReady(name, 600_000)));
    const readyMs = performance.now() - began;
    note(`${count} machines Ready in ${fmt(readyMs / 1000)} s; settling ${settleSeconds} s`);
    await delay(settleSeconds * 1000);
    const after = await steadyRss(env.pid, () => env.collectGarbage());
    const inits = await Promise.all(machines.map(async (m) => (await env.runtime.state(m.status!.machineID!)).pid!));
    const machinesRss = await machineProcessesRss(inits);
    note(`Slipway after: ${fmt(after)} MiB; deleting the machines`);
    await Promise.all(names.map((name) => env.client.delete(containerMachinesResource, name, { namespace: env.namespace })));
    await Promise.all(names.map((name) => env.waitGone(name, 300_000)));
    await env.assertNothingLeft();
    return { before, after, machinesRss, readyMs };
  } finally {
    await tearDown?.();
  }
}

/** The same machines from MachineRuntime alone, in a process of its own that reports its RSS before and after. */
async function runtimeMachines(): Promise<Measure> {
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-bench-density-runtime-'));
  const moduleUrl = new URL('../src/machines/runtime/index.ts', import.meta.url).href;
  const spec = { lowerDirs: [await debianRootfs()], resources: { cpus: 0.1, memoryBytes: 96 * 1024 * 1024 } };
  const script = `
    const { readFile } = await import('node:fs/promises');
    const { MachineRuntime } = await import(${JSON.stringify(moduleUrl)});
    const rss = async () => { globalThis.gc(); await new Promise((r) => setTimeout(r, 1000)); return Number(/VmRSS:\\s+(\\d+)/.exec(await readFile('/proc/self/status', 'utf8'))[1]) / 1024; };
    const settle = () => new Promise((r) => setTimeout(r, 3000));
    const runtime = new MachineRuntime({ root: ${JSON.stringify(root)}, cgroupParent: 'slipway-test' });
    await settle();
    const before = await rss();
    const began = performance.now();
    const ids = Array.from({ length: ${count} }, (_, i) => 'ref-' + i);
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(ids.slice(i, i + 10).map(async (id) => { await runtime.create({ id, hostname: id, ...${JSON.stringify(spec)} }); await runtime.start(id); }));
    }
    const readyMs = performance.now() - began;
    await settle();
    const after = await rss();
    const pids = await Promise.all(ids.map(async (id) => (await runtime.state(id)).pid));
    process.stdout.write(JSON.stringify({ before, after, readyMs, pids }) + '\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    for (const id of ids) await runtime.cleanup(id);
  `;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => { out += chunk; if (out.includes('\n')) resolve(out.split('\n')[0]); });
      child.once('exit', (code) => reject(new Error(`the runtime-only process exited with ${code}`)));
    });
    const result = JSON.parse(line) as { before: number; after: number; readyMs: number; pids: number[] };
    const machinesRss = await machineProcessesRss(result.pids);
    child.stdin.end('done\n');
    await new Promise((resolve) => child.once('exit', resolve));
    return { before: result.before, after: result.after, machinesRss, readyMs: result.readyMs };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
  }
}

const memInfo = await readFile('/proc/meminfo', 'utf8');
note(`${count} machines, settle ${settleSeconds} s; ${cpus().length} CPUs, ${fmt(totalmem() / 2 ** 30)} GiB (${/MemAvailable:\s+(\d+)/.exec(memInfo)?.[1]} kB available)`);
const slipway = await slipwayMachines();
note('reference: MachineRuntime alone');
const reference = await runtimeMachines();

const perMachine = (m: Measure) => (m.after - m.before) / count;
const rows = [
  ['', 'process RSS before (MiB)', 'after (MiB)', 'growth per machine (MiB)', 'machines\' own RSS per machine (MiB)', `${count} Ready in (s)`],
  ['Slipway (API server, store, controllers)', fmt(slipway.before), fmt(slipway.after), fmt(perMachine(slipway), 2), fmt(slipway.machinesRss / count, 2), fmt(slipway.readyMs / 1000)],
  ['MachineRuntime alone (reference)', fmt(reference.before), fmt(reference.after), fmt(perMachine(reference), 2), fmt(reference.machinesRss / count, 2), fmt(reference.readyMs / 1000)],
];
process.stdout.write(`${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
process.stdout.write(`Slipway's own memory per idle machine: ${fmt(perMachine(slipway), 2)} MiB (target < 10 MiB); reference ${fmt(perMachine(reference), 2)} MiB; the difference is the API objects, caches and controllers: ${fmt(perMachine(slipway) - perMachine(reference), 2)} MiB per machine\n`);
