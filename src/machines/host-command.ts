// Runs the host tools the machines layer drives (runc, mount, tar, debootstrap, find…) with
// argument arrays, never a shell. Each layer binds a runner to its own error type, so a missing
// tool or a failed command reaches its callers as an ImageError, a MachineRuntimeError…, with the
// tool's own words in the message.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

/** Which Debian package provides each tool, for the hint when one is missing. */
const packages: Record<string, string> = {
  runc: 'runc', mount: 'mount', umount: 'mount', tar: 'tar', debootstrap: 'debootstrap', setfattr: 'attr',
  mknod: 'coreutils', rm: 'coreutils', find: 'findutils', ip: 'iproute2', ssh: 'openssh-client', 'ssh-keygen': 'openssh-client',
  'mkfs.ext4': 'e2fsprogs', losetup: 'mount',
};
const outputDrainMs = 250;

export interface HostCommandOptions {
  /** Fed to stdin (a function writes to it itself); without it stdin is /dev/null. */
  stdin?: string | Uint8Array | Readable | ((stdin: Writable) => Promise<void>);
  /** Reads stdout as a stream; without it stdout is collected into the result. */
  consume?: (stdout: Readable) => Promise<void>;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each line of stderr as it arrives. */
  onLine?: (line: string) => void;
}

export interface HostCommandResult {
  exitCode: number;
  /** Set when the command was ended by a signal (exitCode is then 128 + its number). */
  signal?: NodeJS.Signals;
  stdout: Buffer;
  stderr: Buffer;
}

/**
 * Waits for the output of a command that has exited. A background process the command started may
 * hold its output open for ever, so the wait ends once no output came for outputDrainMs — but only
 * after the event loop has read what the pipes hold: on a busy loop the timer can fire before the
 * output written just before the exit is read, and that output (often the one error message) would
 * be lost. Streams a caller consumes itself are not watched (a listener would change their flow).
 */
async function drain(streams: Readable[], closed: Promise<unknown>): Promise<void> {
  for (;;) {
    let more = false;
    const onData = () => { more = true; };
    for (const stream of streams) stream.on('data', onData);
    const done = await Promise.race([closed.then(() => true), delay(outputDrainMs, false, { ref: false })]);
    // setImmediate runs after the loop's poll phase, which reads whatever the pipes hold.
    if (!done) await new Promise((resolve) => setImmediate(resolve));
    for (const stream of streams) stream.off('data', onData);
    if (done || !more) return;
  }
}

export type CommandErrorFactory = (message: string, cause?: unknown) => Error;

export class HostCommandError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HostCommandError';
  }
}

export class HostCommands {
  readonly #error: CommandErrorFactory;

  constructor(error: CommandErrorFactory = (message, cause) => new HostCommandError(message, { cause })) {
    this.#error = error;
  }

  /** Runs `command args…` to completion and returns its exit code and output; throws only when it cannot be started. */
  async run(command: string, args: readonly string[], options: HostCommandOptions = {}): Promise<HostCommandResult> {
    const child = spawn(command, args, { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], cwd: options.cwd, env: options.env ?? process.env });
    const closed = new Promise((resolve) => child.once('close', resolve));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT'
        ? this.#error(`${command} is not installed: install the Debian package ${packages[command] ?? command}`, error)
        : error));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const consumed = options.consume ? options.consume(child.stdout!) : (child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk)), Promise.resolve());
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      if (options.onLine) for (const line of chunk.toString('utf8').split('\n')) if (line) options.onLine(line);
    });
    let fed: Promise<void> = Promise.resolve();
    if (options.stdin !== undefined) {
      // The command may stop reading early (tar at its end-of-archive marker): that is its answer, not our error.
      child.stdin!.on('error', () => {});
      if (typeof options.stdin === 'function') {
        fed = options.stdin(child.stdin!);
      } else {
        const input = options.stdin instanceof Readable ? options.stdin : Readable.from([options.stdin]);
        input.on('error', (error) => child.stdin!.destroy(error));
        input.pipe(child.stdin!);
      }
    }
    let code: number | null;
    let signal: NodeJS.Signals | null;
    try {
      [{ code, signal }] = await Promise.all([exited, fed, consumed]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    await drain(options.consume ? [child.stderr!] : [child.stdout!, child.stderr!], closed);
    child.stdout!.destroy();
    child.stderr!.destroy();
    const result: HostCommandResult = { exitCode: code ?? 128, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
    if (signal) {
      result.signal = signal;
      result.exitCode = 128 + (constants.signals[signal] ?? 0);
    }
    return result;
  }

  /** Runs `command args…` and returns its stdout (unless consumed); a non-zero exit throws with the last lines of its stderr. */
  async output(command: string, args: readonly string[], options: HostCommandOptions = {}): Promise<Buffer> {
    const result = await this.run(command, args, options);
    if (result.exitCode !== 0) {
      const why = result.stderr.toString('utf8').trim().split('\n').slice(-3).join('; ') || 'no error output';
      throw this.#error(`${command} ${args[0] ?? ''} failed (${result.signal ?? `exit ${result.exitCode}`}): ${why}`);
    }
    return result.stdout;
  }
}

/** Host commands failing with HostCommandError, for code that has no error type of its own. */
export const hostCommands = new HostCommands();
