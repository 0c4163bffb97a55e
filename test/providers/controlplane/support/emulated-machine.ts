// Machines without a root filesystem, for running bootstrap data for real before container machines
// exist: a process holding a private mount namespace in which /etc, /var and /usr/local are overlays
// on the host's (every write lands in the machine's temp directory) and /run is empty, optionally
// inside a network namespace on a test bridge (an address of its own, as a container machine has).
// The host's Debian binaries (etcd 3.4, bash, setpriv) run in it, so a cloud-config's files and
// commands do what they would on a Debian machine. Commands enter with nsenter.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BootstrapError, parseCloudConfig, runCloudConfig, type MachineExec } from '../../../../src/machines/cloud-init/index.ts';
import { ip } from '../../../../src/machines/network/ip-command.ts';


const setupScript = `set -e
for d in etc var usr/local; do
  mkdir -p "$1/upper/$d" "$1/work/$d"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$1/upper/$d,workdir=$1/work/$d" "/$d"
done
mount -t tmpfs tmpfs /run
echo ready
exec sleep infinity
`;

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface EmulatedMachine {
  name: string;
  /** The network namespace it lives in; absent: the host's network. */
  netns?: string;
  /** Runs a program inside the machine to completion. */
  exec(argv: string[], input?: string | Buffer): Promise<CommandResult>;
  writeFile(file: string, content: string): Promise<void>;
  readFile(file: string): Promise<string>;
  /** Runs the cloud-config inside the machine with Slipway's cloud-init runner (what container machines use); the code and message of the first failing step. */
  applyCloudConfig(cloudConfig: string): Promise<CommandResult>;
  /** Ends every process in the machine (by PID: those in its network namespace, or its holder), then removes its files. */
  stop(): Promise<void>;
}

function collect(child: ChildProcess, input?: string | Buffer): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // A program that exits without reading its input must not fail the caller with EPIPE.
  child.stdin!.on('error', () => {});
  child.stdin!.end(input ?? '');
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function terminate(pids: number[]): Promise<void> {
  const alive = (pid: number) => existsSync(`/proc/${pid}`);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
}

export async function startEmulatedMachine(name: string, netns?: string): Promise<EmulatedMachine> {
  const root = await mkdtemp(path.join(tmpdir(), `slipway-machine-${name}-`));
  // setpriv's parent-death signal ends the holder (and with it the mounts) should the test process die.
  const holderArgs = ['setpriv', '--pdeathsig', 'KILL', '--', 'sh', '-c', setupScript, 'sh', root];
  const holder = netns
    ? spawn('ip', ['netns', 'exec', netns, ...holderArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('unshare', ['--mount', '--propagation', 'private', '--', ...holderArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  holder.stderr!.on('data', (d) => (stderr += d));
  const [line] = await Promise.race([once(holder.stdout!, 'data'), once(holder, 'exit').then(() => [''])]);
  if (String(line).trim() !== 'ready') {
    holder.kill('SIGKILL');
    await rm(root, { recursive: true, force: true });
    throw new Error(`emulated machine ${name} did not start: ${stderr}`);
  }
  const pid = holder.pid!;
  const exec = (argv: string[], input?: string | Buffer) =>
    collect(spawn('nsenter', ['-t', String(pid), '-m', ...(netns ? ['-n'] : []), '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] }), input);
  const machine: EmulatedMachine = {
    name,
    netns,
    exec,
    async writeFile(file, content) {
      const result = await exec(['sh', '-c', 'mkdir -p "$(dirname "$1")" && cat > "$1"', 'sh', file], content);
      if (result.code !== 0) throw new Error(`writing ${file} in ${name}: ${result.stderr}`);
    },
    async readFile(file) {
      const result = await exec(['cat', file]);
      if (result.code !== 0) throw new Error(`reading ${file} in ${name}: ${result.stderr}`);
      return result.stdout;
    },
    async applyCloudConfig(cloudConfig) {
      // Slipway's own cloud-init runner, as container machines run bootstrap data.
      const machineExec: MachineExec = {
        exec: async (argv, options) => {
          const stdin = options?.stdin;
          const result = await exec(argv, typeof stdin === 'string' || stdin === undefined ? stdin : Buffer.from(stdin as Uint8Array));
          return { exitCode: result.code ?? 1, stdout: Buffer.from(result.stdout), stderr: Buffer.from(result.stderr) };
        },
      };
      try {
        await runCloudConfig(machineExec, parseCloudConfig(cloudConfig, { hostname: name }));
        return { code: 0, stdout: '', stderr: '' };
      } catch (error) {
        if (error instanceof BootstrapError) return { code: error.exitCode, stdout: '', stderr: error.message };
        throw error;
      }
    },
    async stop() {
      const pids = netns
        ? (await ip(['netns', 'pids', netns])).split('\n').filter(Boolean).map(Number)
        : [pid];
      await terminate(pids.includes(pid) ? pids : [...pids, pid]);
      await rm(root, { recursive: true, force: true });
    },
  };
  return machine;
}
