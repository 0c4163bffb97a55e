// A real OCI registry (Debian's docker-registry, the CNCF distribution server) on loopback for tests
// and benchmarks: a free port, storage in a temp directory, optionally HTTPS and htpasswd basic
// auth; stopped and removed afterwards.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { stringify } from 'yaml';
import { freePort } from './free-port.ts';

export interface RunningRegistry {
  /** host:port, as it appears in image references. */
  host: string;
  /** Base URL, http:// or https://. */
  url: string;
  dataDir: string;
  pid: number;
  /** Where the registry keeps a blob's bytes (to tamper with them). */
  blobFile(digest: string): string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Requires basic auth with these credentials (htpasswd, bcrypt). */
  htpasswd?: { username: string; password: string };
  /** Serves HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string; ca: string };
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'slipway-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const http: Record<string, unknown> = { addr: host, secret: 'slipway-test' };
  if (options.tls) {
    await writeFile(path.join(dataDir, 'cert.pem'), options.tls.cert);
    await writeFile(path.join(dataDir, 'key.pem'), options.tls.key, { mode: 0o600 });
    http.tls = { certificate: path.join(dataDir, 'cert.pem'), key: path.join(dataDir, 'key.pem') };
  }
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: path.join(dataDir, 'storage') }, delete: { enabled: true } },
    http,
  };
  if (options.htpasswd) {
    const { stdout } = await run('htpasswd', ['-Bbn', options.htpasswd.username, options.htpasswd.password]);
    await writeFile(path.join(dataDir, 'htpasswd'), stdout);
    config.auth = { htpasswd: { realm: 'slipway-test', path: path.join(dataDir, 'htpasswd') } };
  }
  await writeFile(path.join(dataDir, 'config.yml'), stringify(config));
  // setpriv: should the test process die without cleaning up, the kernel kills the registry too.
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'docker-registry', 'serve', path.join(dataDir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `${options.tls ? 'https' : 'http'}://${host}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const agent = new Agent(options.tls ? { connect: { ca: options.tls.ca } } : {});
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited early: ${stderr}`);
      const status = await fetch(`${url}/v2/`, { dispatcher: agent }).then((r) => r.status, () => 0);
      if (status === 200 || status === 401) break;
      if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${url} in 15 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await agent.close();
  }
  return {
    host,
    url,
    dataDir,
    pid: child.pid!,
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(dataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    stop,
  };
}

/** Runs a command to completion; rejects with its stderr on failure. */
export function run(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr.trim()}`))));
  });
}
