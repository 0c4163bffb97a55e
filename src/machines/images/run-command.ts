// Runs the Debian tools the image layer drives (tar, debootstrap, mknod, setfattr, find) with
// argument arrays, never a shell, and turns a failure into one message with the tool's own words.
import { spawn } from 'node:child_process';
import { ImageError } from './image-error.ts';

/** Which Debian package provides each tool, for the hint when one is missing. */
const packages: Record<string, string> = { tar: 'tar', debootstrap: 'debootstrap', setfattr: 'attr', mknod: 'coreutils', rm: 'coreutils', find: 'findutils', umount: 'mount' };

export interface CommandOptions {
  /** Receives stdin; when omitted stdin is closed. */
  feed?: (stdin: NodeJS.WritableStream) => Promise<void>;
  /** Reads stdout as a stream; when omitted stdout is collected and returned. */
  consume?: (stdout: NodeJS.ReadableStream) => Promise<void>;
  env?: NodeJS.ProcessEnv;
  /** Each line of stderr (and stdout when not captured) as it arrives. */
  onLine?: (line: string) => void;
}

/** Runs `command args…` and returns its stdout (unless consumed); throws ImageError('Command') on a non-zero exit. */
export async function runCommand(command: string, args: string[], options: CommandOptions = {}): Promise<Buffer> {
  const child = spawn(command, args, { stdio: [options.feed ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  const out: Buffer[] = [];
  let errTail = '';
  const consumed = options.consume ? options.consume(child.stdout!) : (child.stdout!.on('data', (chunk: Buffer) => out.push(chunk)), Promise.resolve());
  child.stderr!.on('data', (chunk: Buffer) => {
    errTail = (errTail + chunk.toString('utf8')).slice(-4000);
    if (options.onLine) for (const line of chunk.toString('utf8').split('\n')) if (line) options.onLine(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let fed: Promise<void> = Promise.resolve();
  if (options.feed) {
    // A tool may stop reading early (tar at its end-of-archive marker): that is not the feeder's error.
    child.stdin!.on('error', () => {});
    fed = options.feed(child.stdin!);
  }
  let result: { code: number | null; signal: NodeJS.Signals | null };
  try {
    [result] = await Promise.all([exited, fed, consumed]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && (error as NodeJS.ErrnoException).syscall?.startsWith('spawn')) {
      throw new ImageError('Command', `${command} is not installed: install the Debian package ${packages[command] ?? command}`);
    }
    child.kill('SIGKILL');
    throw error;
  }
  if (result.code !== 0) {
    const why = errTail.trim().split('\n').slice(-3).join('; ') || 'no error output';
    throw new ImageError('Command', `${command} ${args[0] ?? ''} failed (${result.signal ?? `exit ${result.code}`}): ${why}`);
  }
  return Buffer.concat(out);
}
