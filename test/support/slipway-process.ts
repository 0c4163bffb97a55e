// Slipway in a process of its own (test/e2e/fixtures/slipway-process.ts), for tests that SIGKILL it and
// benchmarks that measure its CPU and memory alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { MachineOptions } from '../../src/daemon/daemon.ts';

export interface SlipwayProcess {
  child: ChildProcess;
  url: string;
  caCert: string;
  token: string;
  pid: number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

export interface SlipwayProcessOptions {
  etcdEndpoint?: string;
  cpuProfileDir?: string;
  /** Run the controller manager too (default: the API server alone). */
  controllers?: boolean;
  /** Default 0: a free port. */
  port?: number;
  /** Container machines with these options (default: none). */
  machines?: MachineOptions;
  /** Run with --expose-gc, so that SIGUSR2 makes the process collect garbage (for memory measurements). */
  exposeGc?: boolean;
}

const fixture = path.join(import.meta.dirname, '..', 'e2e', 'fixtures', 'slipway-process.ts');

export async function startSlipwayProcess(dataDir: string, options: SlipwayProcessOptions = {}): Promise<SlipwayProcess> {
  const nodeArgs = [...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []), ...(options.exposeGc ? ['--expose-gc'] : [])];
  const args = [fixture, dataDir, String(options.port ?? 0), ...(options.etcdEndpoint ? [options.etcdEndpoint] : []), ...(options.controllers ? ['--controllers'] : []), ...(options.machines ? [`--machines=${JSON.stringify(options.machines)}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`slipway exited early with ${code}`)));
  });
  const signal = (name: NodeJS.Signals) => async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { child, ...JSON.parse(line), stop: signal('SIGTERM'), kill: signal('SIGKILL') };
}
