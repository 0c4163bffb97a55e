// A real etcd (Debian's etcd-server) on loopback for tests and benchmarks: free ports, a temp data
// directory, stopped and removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort } from './free-port.ts';

export interface RunningEtcd {
  /** The client URL, http://127.0.0.1:PORT. */
  endpoint: string;
  dataDir: string;
  /** The etcd process (setpriv execs it, so this is etcd itself); changes on restart(). */
  readonly pid: number;
  /** SIGTERM (SIGKILL after 5 s), then removes the data directory. */
  stop(): Promise<void>;
  /** SIGKILL, keeping the data directory (to test crashes); call stop() afterwards to clean up. */
  kill(): void;
  /** SIGKILL (if still running), then starts again on the same ports and data directory, and waits until it answers. */
  restart(): Promise<void>;
}

/** Starts a single-member etcd on free loopback ports with a fresh data directory, and waits until it answers. */
export async function startEtcd(options: { name?: string } = {}): Promise<RunningEtcd> {
  const name = options.name ?? 'test';
  const dataDir = await mkdtemp(path.join(tmpdir(), `slipway-etcd-${name}-`));
  const clientPort = await freePort();
  let peerPort = await freePort();
  while (peerPort === clientPort) peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`,
    '--log-level', 'error',
  ];
  let member = await launch(args, endpoint);
  const stop = async () => {
    await member.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await member.healthy;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    endpoint,
    dataDir,
    stop,
    get pid() { return member.pid; },
    kill: () => member.kill(),
    async restart() {
      member.kill();
      await member.exited;
      member = await launch(args, endpoint);
      try {
        await member.healthy;
      } catch (error) {
        await stop();
        throw error;
      }
    },
  };
}

interface EtcdProcess {
  pid: number;
  healthy: Promise<void>;
  exited: Promise<void>;
  stop(): Promise<void>;
  kill(): void;
}

async function launch(args: string[], endpoint: string): Promise<EtcdProcess> {
  // setpriv execs etcd with a parent-death signal: should this process die without cleaning up
  // (a failed test's SIGKILL, the runner's timeout), the kernel kills etcd too.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'etcd', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => { spawnError = error; resolve(); });
  });
  const running = () => child.exitCode === null && child.signalCode === null && spawnError === undefined;
  const healthy = (async () => {
    const client = new Etcd3({ hosts: endpoint });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (!running()) throw new Error(`etcd exited before it was healthy: ${spawnError?.message ?? stderr.slice(-500)}`);
        try {
          await client.maintenance.status();
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`etcd did not become healthy in 20 s: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  })();
  return {
    pid: child.pid ?? 0,
    healthy,
    exited,
    kill: () => { if (running()) child.kill('SIGKILL'); },
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
