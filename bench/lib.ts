// Shared benchmark plumbing: load generation, percentiles, process memory, CPU profiles.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface LoadResult {
  ops: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `total` operations with `concurrency` in flight; latencies in milliseconds. */
export async function runLoad(concurrency: number, total: number, op: (i: number) => Promise<void>): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { ops: total, seconds, perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }

/** Sums of Prometheus counters by metric name, from a /metrics text. */
export function counterTotals(text: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (m && m[1].endsWith('_total')) totals.set(m[1], (totals.get(m[1]) ?? 0) + Number(m[3]));
  }
  return totals;
}

/** Self time per function from the V8 CPU profiles in `dir`, largest first, as shares of the total. */
export async function summariseCpuProfiles(dir: string, top = 15): Promise<{ where: string; share: number }[]> {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)!;
      const url = node.callFrame.url.replace(/^.*\/(node_modules\/|src\/)/, '$1');
      const where = `${node.callFrame.functionName || '(anonymous)'} ${url ? `${url}:${node.callFrame.lineNumber + 1}` : ''}`.trim();
      const dt = profile.timeDeltas[i] ?? 0;
      self.set(where, (self.get(where) ?? 0) + dt);
      total += dt;
    });
  }
  return [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([where, t]) => ({ where, share: t / total }));
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}
