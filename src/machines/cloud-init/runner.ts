// Runs parsed cloud-config inside a running machine, step by step in document order, through the
// machine's exec (everything happens as the machine sees itself: its users, its links, its shell),
// and tells whether the bootstrap succeeded the way Cluster API does: the bootstrap data itself
// writes the sentinel file /run/cluster-api/bootstrap-success.complete once it is done.
import { randomBytes } from 'node:crypto';
import type { ExecOptions, ExecResult } from '../runtime/index.ts';
import type { CloudCommand, CloudConfig, CloudConfigStep, CloudFile, CloudUser } from './cloud-config.ts';

/** Written by Cluster API bootstrap data as its last command; its presence is the success signal. */
export const BOOTSTRAP_SENTINEL = '/run/cluster-api/bootstrap-success.complete';

/** How the runner reaches the machine: a command run as root inside it. */
export interface MachineExec {
  exec(command: string[], options?: ExecOptions): Promise<ExecResult>;
}

export class BootstrapError extends Error {
  readonly step: string;
  readonly exitCode: number;
  readonly output: string;

  constructor(step: string, exitCode: number, output: string) {
    super(`${step} failed with exit code ${exitCode}${output ? `: ${output}` : ''}`);
    this.name = 'BootstrapError';
    this.step = step;
    this.exitCode = exitCode;
    this.output = output;
  }
}

export interface RunOptions {
  /** Called for each action as it is sent to the machine, e.g. "runcmd[2] kubeadm init …" (for logs and progress). */
  onAction?: (description: string) => void;
}

/** One thing the bootstrap does inside the machine: a command, with what it reads on stdin. */
interface Action {
  name: string;
  command: string[];
  stdin?: Buffer;
}

// File writes go through a small script with the path as an argument, never interpolated into it.
const WRITE_FILE = 'set -e; mkdir -p -- "$(dirname -- "$1")"; if [ "$2" = append ]; then cat >> "$1"; else cat > "$1"; fi; chown -- "$3" "$1"; chmod -- "$4" "$1"';

function writeFile(name: string, file: CloudFile): Action {
  const mode = file.permissions.toString(8).padStart(4, '0');
  return { name, command: ['/bin/sh', '-c', WRITE_FILE, 'write_files', file.path, file.append ? 'append' : 'replace', file.owner, mode], stdin: file.content };
}

const commandArgv = (command: CloudCommand) => ('shell' in command ? ['/bin/sh', '-c', command.shell] : command.argv);
const describeCommand = (command: CloudCommand) => ('shell' in command ? command.shell : command.argv.join(' '));

// Creates the user when missing, then adds its keys (once each) to ~/.ssh/authorized_keys with the
// modes sshd insists on. Arguments: name, shell, comma-separated groups, sudo rule; keys on stdin.
const ENSURE_USER = [
  'set -e',
  'name=$1 shell=$2 groups=$3 sudo=$4',
  'if ! id -u "$name" >/dev/null 2>&1; then useradd --create-home ${shell:+--shell "$shell"} ${groups:+--groups "$groups"} -- "$name"; fi',
  'home=$(getent passwd "$name" | cut -d: -f6); group=$(id -gn "$name")',
  'mkdir -p -- "$home/.ssh"; touch -- "$home/.ssh/authorized_keys"',
  'while IFS= read -r key; do [ -n "$key" ] && ! grep -qxF -- "$key" "$home/.ssh/authorized_keys" && printf "%s\\n" "$key" >> "$home/.ssh/authorized_keys"; done',
  'chown -R -- "$name:$group" "$home/.ssh"; chmod 700 -- "$home/.ssh"; chmod 600 -- "$home/.ssh/authorized_keys"',
  'if [ -n "$sudo" ]; then mkdir -p /etc/sudoers.d; printf "%s %s\\n" "$name" "$sudo" > "/etc/sudoers.d/90-cloud-init-$name"; chmod 440 "/etc/sudoers.d/90-cloud-init-$name"; fi',
].join('\n');

function ensureUser(name: string, user: CloudUser): Action {
  const keys = user.sshAuthorizedKeys.map((key) => `${key}\n`).join('');
  return { name, command: ['/bin/sh', '-c', ENSURE_USER, 'users', user.name, user.shell ?? '', user.groups.join(','), user.sudo ?? ''], stdin: Buffer.from(keys) };
}

function stepActions(step: CloudConfigStep): Action[] {
  switch (step.module) {
    case 'write_files':
      return step.files.map((file, i) => writeFile(`write_files[${i}] ${file.path}`, file));
    case 'bootcmd':
    case 'runcmd':
      return step.commands.map((command, i) => ({ name: `${step.module}[${i}] ${describeCommand(command)}`, command: commandArgv(command) }));
    case 'users':
      return step.users.map((user, i) => ensureUser(`users[${i}] ${user.name}`, user));
  }
}

// Each `exec` into a machine costs a runc process and a setns (a good part of a second on a busy
// host), so contiguous actions run as one generated script in one exec. The script holds no user
// data as shell text: every argument is single-quoted, every stdin is a printf format of octal
// escapes and plain ASCII. It marks each action on stderr before running it (so the failing one is
// known even if the script is killed), keeps the action's own output and prints it only when the
// action fails, and then stops with the action's exit code.

/** A shell word that is exactly `value` (no NUL: an exec argument cannot hold one). */
const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * A printf format printing exactly `bytes`: printable ASCII and newlines as they are, every other
 * byte (and a leading "-", which printf could take for an option) as \ooo.
 */
function printfFormat(bytes: Buffer): string {
  let format = '';
  for (const [i, byte] of bytes.entries()) {
    const plain = byte === 0x0a || (byte >= 0x20 && byte < 0x7f && byte !== 0x27 && byte !== 0x5c && byte !== 0x25 && !(i === 0 && byte === 0x2d));
    format += plain ? String.fromCharCode(byte) : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return format;
}

/** The script lines running `action` as action number `index`. */
function actionScript(action: Action, index: number, marker: string): string {
  const command = action.command.map(shellQuote).join(' ');
  const withInput = action.stdin?.length ? `printf ${shellQuote(printfFormat(action.stdin))} | ${command}` : `${command} </dev/null`;
  return `printf '%s %s\\n' ${marker} ${index} >&2\nif out=$( { ${withInput}; } 2>&1 ); then :; else rc=$?; printf '%s\\n' "$out"; exit "$rc"; fi\n`;
}

// An exec argument may be at most 128 KiB (Linux's MAX_ARG_STRLEN): longer scripts are split, and
// an action too large for a script of its own runs as its own exec.
const MAX_SCRIPT = 120_000;

/** Contiguous actions, their script and its size in bytes (commands may hold any UTF-8). */
type Batch = { actions: Action[]; first: number; script: string; bytes: number };

function batches(actions: Action[], marker: string): Batch[] {
  const result: Batch[] = [];
  let current: Batch | undefined;
  for (const [index, action] of actions.entries()) {
    const part = actionScript(action, index, marker);
    const bytes = Buffer.byteLength(part);
    if (current && current.bytes + bytes <= MAX_SCRIPT) {
      current.actions.push(action);
      current.script += part;
      current.bytes += bytes;
      continue;
    }
    current = { actions: [action], first: index, script: part, bytes };
    result.push(current);
  }
  return result;
}

const OUTPUT_TAIL = 2000;

/** The last part of what a failed action printed, for the error message. */
function tail(output: string): string {
  const trimmed = output.trim();
  return trimmed.length > OUTPUT_TAIL ? `…${trimmed.slice(-OUTPUT_TAIL)}` : trimmed;
}

async function runAlone(machine: MachineExec, action: Action): Promise<void> {
  const result = await machine.exec(action.command, action.stdin ? { stdin: action.stdin } : {});
  if (result.exitCode !== 0) throw new BootstrapError(action.name, result.exitCode, tail(`${result.stderr.toString()}${result.stdout.toString()}`));
}

async function runBatch(machine: MachineExec, batch: Batch, marker: string): Promise<void> {
  if (batch.bytes > MAX_SCRIPT) return runAlone(machine, batch.actions[0]);
  const result = await machine.exec(['/bin/sh', '-c', batch.script]);
  if (result.exitCode === 0) return;
  // The last action marked is the one that failed; anything else on stderr is the script shell's own complaint.
  const stderr = result.stderr.toString().split('\n');
  const mark = new RegExp(`^${marker} (\\d+)$`);
  const marks = stderr.map((line) => mark.exec(line)?.[1]).filter((index) => index !== undefined);
  const failed = marks.length > 0 ? Number(marks.at(-1)) : batch.first;
  const shellErrors = stderr.filter((line) => line && !line.startsWith(`${marker} `)).join('\n');
  throw new BootstrapError(batch.actions[failed - batch.first].name, result.exitCode, tail(`${shellErrors}${result.stdout.toString()}`));
}

/** Runs every step in order; the first failing action ends the run with a BootstrapError naming it. */
export async function runCloudConfig(machine: MachineExec, config: CloudConfig, options: RunOptions = {}): Promise<void> {
  const marker = `slipway-action-${randomBytes(8).toString('hex')}`;
  for (const batch of batches(config.steps.flatMap(stepActions), marker)) {
    for (const action of batch.actions) options.onAction?.(action.name);
    await runBatch(machine, batch, marker);
  }
}

/** Whether the machine holds the bootstrap sentinel file. */
export async function hasBootstrapSentinel(machine: MachineExec): Promise<boolean> {
  const result = await machine.exec(['/bin/sh', '-c', 'test -f "$1"', 'sentinel', BOOTSTRAP_SENTINEL]);
  return result.exitCode === 0;
}
