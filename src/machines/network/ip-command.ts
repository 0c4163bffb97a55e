// Runs Debian's `ip` (iproute2) with an argument array, never a shell, and turns its failures into
// errors that quote the command and its own message.
import { execFile } from 'node:child_process';

const IP_TIMEOUT_MS = 30_000;

export class IpCommandError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string, cause?: unknown) {
    super(`ip ${args.join(' ')} failed: ${stderr.trim() || String(cause)}`, { cause });
    this.name = 'IpCommandError';
    this.args = args;
    this.stderr = stderr;
  }

  /** Whether `ip` failed because the device or network namespace does not exist. */
  get notFound(): boolean {
    return /Cannot find device|does not exist|No such file or directory|No such device/.test(this.stderr);
  }

  /** Whether `ip` failed because the device or network namespace already exists. */
  get alreadyExists(): boolean {
    return /File exists/.test(this.stderr);
  }
}

/** Runs `ip ARGS…` (with `input` on its stdin) and returns its standard output. */
export function ip(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('ip', args, { timeout: IP_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new Error('the ip command is missing: install iproute2 (apt-get install iproute2)', { cause: error }));
      }
      reject(new IpCommandError(args, stderr, error));
    });
    // A missing ip closes stdin at once; its error is the callback's to report.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
  });
}

// What `ip -batch` cannot read as one argument: it splits lines on blanks, and treats quotes, a
// backslash and "#" specially.
const BATCH_UNSAFE = /[\s"'\\#]/;

/**
 * Runs several `ip` commands (each an argument array, without "ip") in one `ip -batch` process, inside
 * network namespace `netns` if given: one process instead of one each, which is most of their cost.
 * It stops at the first failing command; the error names that command, as `ip` would for it alone.
 */
export async function ipBatch(commands: readonly (readonly string[])[], netns?: string): Promise<void> {
  const scope = netns === undefined ? [] : ['-netns', netns];
  for (const args of commands) {
    if (args.length === 0 || args.some((arg) => arg === '' || BATCH_UNSAFE.test(arg))) {
      throw new Error(`cannot run ip ${args.join(' ')} in a batch: arguments must be non-empty, without blanks, quotes, "\\" or "#"`);
    }
  }
  try {
    await ip([...scope, '-batch', '-'], commands.map((args) => args.join(' ')).join('\n') + '\n');
  } catch (error) {
    if (!(error instanceof IpCommandError)) throw error;
    // ip reports "Command failed -:LINE" after the failing command's own message.
    const line = Number(/Command failed -:(\d+)/.exec(error.stderr)?.[1]);
    const failed = commands[line - 1];
    const stderr = error.stderr.replace(/^Command failed -:\d+\n?/m, '');
    throw failed ? new IpCommandError([...scope, ...failed], stderr, error.cause) : error;
  }
}

/** Runs `ip -json ARGS…` and parses its output; `ip` prints nothing at all for some empty lists. */
export async function ipJson<T>(args: readonly string[]): Promise<T[]> {
  const output = (await ip(['-json', ...args])).trim();
  return output === '' ? [] : (JSON.parse(output) as T[]);
}

/** Like `ip`, but a missing device or namespace is not an error (for idempotent removal). */
export async function ipIgnoringNotFound(args: readonly string[]): Promise<void> {
  try {
    await ip(args);
  } catch (error) {
    if (!(error instanceof IpCommandError && error.notFound)) throw error;
  }
}

/** The fields Slipway reads from `ip -json -details link show`. */
export interface Link {
  ifindex: number;
  ifname: string;
  flags: string[];
  master?: string;
  ifalias?: string;
  /** For a veth: the peer's index, in the namespace `link_netnsid` names. */
  link_index?: number;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string };
}

/** The fields Slipway reads from `ip -json addr show`. */
export interface LinkAddresses {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}

/** The link named `name` (inside network namespace `netns` if given), or undefined if there is none. */
export async function findLink(name: string, netns?: string): Promise<Link | undefined> {
  const scope = netns === undefined ? [] : ['-netns', netns];
  try {
    const [link] = await ipJson<Link>([...scope, '-details', 'link', 'show', 'dev', name]);
    return link;
  } catch (error) {
    if (error instanceof IpCommandError && error.notFound) return undefined;
    throw error;
  }
}

/** The IPv4 addresses (address and prefix length) on link `name`, inside `netns` if given. */
export async function ipv4Addresses(name: string, netns?: string): Promise<{ address: string; prefixLength: number }[]> {
  const scope = netns === undefined ? [] : ['-netns', netns];
  const links = await ipJson<LinkAddresses>([...scope, '-4', 'addr', 'show', 'dev', name]);
  return links.flatMap((link) => link.addr_info.map((a) => ({ address: a.local, prefixLength: a.prefixlen })));
}
