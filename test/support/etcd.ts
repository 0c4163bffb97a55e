// A real etcd (Debian's etcd-server) on loopback for tests and benchmarks: free ports, a temp data
// directory, stopped and removed afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Etcd3 } from 'etcd3';

export interface RunningEtcd {
  endpoint: string;
  dataDir: string;
  stop(): Promise<void>;
  kill(): void;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const running = new Set<ChildProcess>();
process.once('exit', () => { for (const child of running) child.kill('SIGKILL'); });

export async function startEtcd(options: { name?: string } = {}): Promise<RunningEtcd> {
  const name = options.name ?? 'test';
  const dataDir = await mkdtemp(path.join(tmpdir(), `slipway-etcd-${name}-`));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const child = spawn('etcd', [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `${name}=http://127.0.0.1:${peerPort}`,
    '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const client = new Etcd3({ hosts: endpoint });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited: ${stderr.slice(-500)}`);
      try {
        await client.maintenance.status();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`etcd did not become healthy: ${(error as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.close();
  }
  return { endpoint, dataDir, stop, kill: () => child.kill('SIGKILL') };
}
