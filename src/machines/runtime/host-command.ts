// Runs the host tools the runtime drives (runc, mount, umount) with argument arrays, never a shell.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { MachineRuntimeError } from './machine-runtime-error.ts';

/** Which Debian package provides each tool, for the hint when one is missing. */
const PACKAGES: Record<string, string> = { runc: 'runc', mount: 'mount', umount: 'mount', 'mkfs.ext4': 'e2fsprogs' };
const OUTPUT_DRAIN_MS = 250;

export interface HostCommandOptions {
  /** Fed to the command's stdin; without it stdin is /dev/null. */
  stdin?: string | Uint8Array | Readable;
  cwd?: string;
}

export interface HostCommandResult {
  exitCode: number;
  /** Set when the command was ended by a signal (exitCode is then 128 + its number). */
  signal?: NodeJS.Signals;
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs `command args…` to completion and returns its exit code and output; throws only when it cannot be started. */
export async function runHostCommand(command: string, args: string[], options: HostCommandOptions = {}): Promise<HostCommandResult> {
  const child = spawn(command, args, { stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], cwd: options.cwd });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
  if (options.stdin !== undefined) {
    // The command may exit without reading all of its input: that is its answer, not our error.
    child.stdin!.on('error', () => {});
    const input = options.stdin instanceof Readable ? options.stdin : Readable.from([options.stdin]);
    input.on('error', (error) => child.stdin!.destroy(error));
    input.pipe(child.stdin!);
  }
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new MachineRuntimeError('Command', `${command} is not installed: install the Debian package ${PACKAGES[command] ?? command}`));
      } else reject(error);
    });
    child.once('exit', (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
  });
  // A background process the command started may hold its output open for ever: once the
  // command itself has exited, take what has arrived and stop waiting shortly after.
  await Promise.race([closed, delay(OUTPUT_DRAIN_MS, undefined, { ref: false })]);
  child.stdout!.destroy();
  child.stderr!.destroy();
  const result: HostCommandResult = { exitCode: code ?? 128, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) };
  if (signal) {
    result.signal = signal;
    result.exitCode = 128 + (constants.signals[signal] ?? 0);
  }
  return result;
}
