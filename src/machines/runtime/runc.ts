// A thin driver for the runc command line (Debian's runc package). Every call names Slipway's
// own runc state root (--root), so `list` sees exactly Slipway's containers, and they are found
// again after the daemon restarts.
import { open, readFile, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { HostCommandResult } from '../host-command.ts';
import { MachineRuntimeError, runtimeTools } from './machine-runtime-error.ts';
import { pathExists } from '../path-exists.ts';

export type RuncStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface RuncState {
  id: string;
  /** The init's PID on the host (0 once stopped). */
  pid: number;
  status: RuncStatus;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
}

export interface ExecOptions {
  stdin?: string | Uint8Array | Readable;
  /** Added to the init's environment. */
  env?: Record<string, string>;
  cwd?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** The container ids runc accepts (its own rule), none of which leaves ROOT as a path. */
const RUNC_ID = /^(?!\.{1,2}$)[\w+.-]+$/;

export class Runc {
  /** runc's state directory for Slipway's containers. */
  readonly root: string;
  readonly binary: string;

  constructor(root: string, binary = 'runc') {
    this.root = path.resolve(root);
    this.binary = binary;
  }

  private run(args: string[], options: { stdin?: ExecOptions['stdin'] } = {}): Promise<HostCommandResult> {
    return runtimeTools.run(this.binary, ['--root', this.root, ...args], options);
  }

  private async check(action: string, id: string, args: string[]): Promise<HostCommandResult> {
    const result = await this.run(args);
    if (result.exitCode !== 0) throw runcError(action, id, result.stderr.toString(), result);
    return result;
  }

  /**
   * `runc run --detach` (create and start in one process): the init's stdout and stderr go straight
   * to `consoleLog` (appended), so the machine's output is kept without any Slipway process in
   * between; runc's own errors go to `runcLog` (overwritten) as JSON, to be told apart from the
   * machine's output (runc prints them on its stderr too, so they also show on the console, which
   * helps whoever reads the logs). Returns the init's host PID, which runc writes to `pidFile`.
   */
  async runDetached(id: string, bundle: string, files: { consoleLog: string; runcLog: string; pidFile: string }): Promise<number> {
    const { consoleLog, runcLog, pidFile } = files;
    await Promise.all([rm(runcLog, { force: true }), rm(pidFile, { force: true })]);
    const console = await open(consoleLog, 'a', 0o640);
    try {
      const child = spawn(this.binary, ['--root', this.root, '--log', runcLog, '--log-format', 'json', 'run', '--detach', '--pid-file', pidFile, '--bundle', bundle, id], {
        stdio: ['ignore', console.fd, console.fd],
      });
      const code = await new Promise<number | null>((resolve, reject) => {
        child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
          ? new MachineRuntimeError('Command', `${this.binary} is not installed: install the Debian package runc`)
          : error));
        child.once('close', resolve);
      });
      if (code !== 0) throw runcError('run', id, await runcLogErrors(runcLog));
    } finally {
      await console.close();
    }
    return Number(await readFile(pidFile, 'utf8'));
  }

  async start(id: string): Promise<void> {
    await this.check('start', id, ['start', id]);
  }

  /** The container's state, or undefined when runc has no such container. */
  async state(id: string): Promise<RuncState | undefined> {
    // runc keeps each container's state in ROOT/ID (what its own `list` reads): without that
    // directory there is no container, and no runc process need say so.
    if (RUNC_ID.test(id) && !(await pathExists(path.join(this.root, id)))) return undefined;
    const result = await this.run(['state', id]);
    if (result.exitCode !== 0) {
      if (/does not exist|not exist/i.test(result.stderr.toString())) return undefined;
      throw runcError('state', id, result.stderr.toString(), result);
    }
    return toState(JSON.parse(result.stdout.toString()));
  }

  /** Every container under this root. */
  async list(): Promise<RuncState[]> {
    const result = await this.run(['list', '--format', 'json']);
    if (result.exitCode !== 0) throw runcError('list', '', result.stderr.toString(), result);
    const text = result.stdout.toString().trim();
    const states = text === '' || text === 'null' ? [] : (JSON.parse(text) as unknown[]);
    return states.map(toState);
  }

  /** Sends `signal` (a name or number) to the init; false when the container or its init is already gone. */
  async kill(id: string, signal: string | number): Promise<boolean> {
    const result = await this.run(['kill', id, String(signal)]);
    if (result.exitCode === 0) return true;
    if (/does not exist|not running|process already finished|no such process/i.test(result.stderr.toString())) return false;
    throw runcError('kill', id, result.stderr.toString(), result);
  }

  /** Removes the container (forcibly: a running one is killed first); nothing to do when it does not exist. */
  async delete(id: string): Promise<void> {
    const result = await this.run(['delete', '--force', id]);
    if (result.exitCode !== 0 && !/does not exist/i.test(result.stderr.toString())) throw runcError('delete', id, result.stderr.toString(), result);
  }

  /**
   * Runs a command inside the running container and returns its exit code and output. runc's own
   * failures (as opposed to the command's) are told apart through a per-call runc log.
   */
  async exec(id: string, command: string[], options: ExecOptions, logFile: string): Promise<ExecResult> {
    const args = ['--log', logFile, '--log-format', 'json', 'exec', '--cwd', options.cwd ?? '/'];
    for (const [name, value] of Object.entries(options.env ?? {})) args.push('--env', `${name}=${value}`);
    try {
      const result = await this.run([...args, id, ...command], { stdin: options.stdin });
      const errors = await runcLogErrors(logFile);
      if (errors) throw runcError('exec', id, errors);
      return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
    } finally {
      await rm(logFile, { force: true });
    }
  }
}

function toState(raw: unknown): RuncState {
  const state = raw as Partial<RuncState> & { annotations?: Record<string, string> | null };
  return {
    id: String(state.id),
    pid: Number(state.pid ?? 0),
    status: state.status as RuncStatus,
    bundle: String(state.bundle ?? ''),
    rootfs: String(state.rootfs ?? ''),
    created: String(state.created ?? ''),
    annotations: state.annotations ?? {},
  };
}

/** The error messages in a runc JSON log (empty when it logged none). */
async function runcLogErrors(logFile: string): Promise<string> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  const messages: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.level === 'error' || entry.level === 'fatal') messages.push(entry.msg ?? line);
    } catch {
      messages.push(line);
    }
  }
  return messages.join('; ');
}

/** What runc said on failure; without output, how it ended (a signal or an exit code) is all there is to tell. */
function runcError(action: string, id: string, stderr: string, ended?: Pick<HostCommandResult, 'exitCode' | 'signal'>): MachineRuntimeError {
  const silent = ended ? `no error output (${ended.signal ? `killed by ${ended.signal}` : `exit code ${ended.exitCode}`})` : 'no error output';
  const why = stderr.trim().split('\n').filter(Boolean).slice(-3).join('; ') || silent;
  const what = id ? `runc ${action} of machine ${id}` : `runc ${action}`;
  return new MachineRuntimeError('Command', `${what} failed: ${why}`);
}
