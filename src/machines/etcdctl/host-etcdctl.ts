// The host's etcdctl pointed at an etcd cluster whose members are known by their Machine names
// (their certificates name nothing else): the client certificate and CA go to a private temporary
// directory, and etcdctl runs in a mount namespace of its own whose /etc/hosts maps the members'
// names to their addresses, so the host's /etc/hosts is never touched. Needs root (unshare).
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hostnameProblem } from '../network/hostname.ts';

export interface EtcdctlMember {
  /** The Machine name: the host in the member's URLs and its certificate. */
  name: string;
  address: string;
}

export interface HostEtcdctlInput {
  members: EtcdctlMember[];
  /** PEM: the cluster's CA, the client certificate and its key. */
  ca: string;
  cert: string;
  key: string;
  args: string[];
  /** Where output goes: captured (default) or the caller's terminal. */
  stdio?: 'pipe' | 'inherit';
}

export interface EtcdctlResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Runs "$@" with the file in $1 bound over /etc/hosts, inside the namespace unshare made.
const WITH_HOSTS = 'mount --bind -- "$1" /etc/hosts && shift && exec "$@"';

export async function runHostEtcdctl(input: HostEtcdctlInput): Promise<EtcdctlResult> {
  if (input.members.length === 0) throw new Error('the cluster has no member with an address to reach');
  for (const member of input.members) {
    const problem = hostnameProblem(member.name, 'member name');
    if (problem) throw new Error(problem);
    if (isIP(member.address) === 0) throw new Error(`member ${member.name}'s address ${JSON.stringify(member.address)} is not an IP address`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-etcdctl-'));
  try {
    const file = (name: string) => path.join(dir, name);
    await writeFile(file('ca.crt'), input.ca, { mode: 0o600 });
    await writeFile(file('client.crt'), input.cert, { mode: 0o600 });
    await writeFile(file('client.key'), input.key, { mode: 0o600 });
    await writeFile(file('hosts'), `127.0.0.1\tlocalhost\n${input.members.map((m) => `${m.address}\t${m.name}`).join('\n')}\n`, { mode: 0o644 });
    const endpoints = input.members.map((m) => `https://${m.name}:2379`).join(',');
    const argv = ['--mount', '--propagation', 'private', '/bin/sh', '-c', WITH_HOSTS, 'etcdctl', file('hosts'),
      'etcdctl', `--endpoints=${endpoints}`, `--cacert=${file('ca.crt')}`, `--cert=${file('client.crt')}`, `--key=${file('client.key')}`, ...input.args];
    return await new Promise<EtcdctlResult>((resolve, reject) => {
      const child = spawn('unshare', argv, { stdio: input.stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe'], env: { ...process.env, ETCDCTL_API: '3' } });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
      child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
