// Runs parsed cloud-config inside a running machine, step by step in document order, through the
// machine's exec (everything happens as the machine sees itself: its users, its links, its shell),
// and tells whether the bootstrap succeeded the way Cluster API does: the bootstrap data itself
// writes the sentinel file /run/cluster-api/bootstrap-success.complete once it is done.
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
  /** Called before each action, e.g. "runcmd[2]: kubeadm init …" (for logs and progress). */
  onAction?: (description: string) => void;
}

const OUTPUT_TAIL = 2000;

/** The last part of what a failed command printed, for the error message. */
function tail(result: ExecResult): string {
  const output = `${result.stderr.toString()}${result.stdout.toString()}`.trim();
  return output.length > OUTPUT_TAIL ? `…${output.slice(-OUTPUT_TAIL)}` : output;
}

async function run(machine: MachineExec, step: string, command: string[], options: ExecOptions = {}): Promise<void> {
  const result = await machine.exec(command, options);
  if (result.exitCode !== 0) throw new BootstrapError(step, result.exitCode, tail(result));
}

// File writes go through a small script with the path as an argument, never interpolated into it.
const WRITE_FILE = 'set -e; mkdir -p -- "$(dirname -- "$1")"; if [ "$2" = append ]; then cat >> "$1"; else cat > "$1"; fi; chown -- "$3" "$1"; chmod -- "$4" "$1"';

async function writeFile(machine: MachineExec, step: string, file: CloudFile): Promise<void> {
  const mode = file.permissions.toString(8).padStart(4, '0');
  await run(machine, step, ['/bin/sh', '-c', WRITE_FILE, 'write_files', file.path, file.append ? 'append' : 'replace', file.owner, mode], { stdin: file.content });
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

async function ensureUser(machine: MachineExec, step: string, user: CloudUser): Promise<void> {
  const keys = user.sshAuthorizedKeys.map((key) => `${key}\n`).join('');
  await run(machine, step, ['/bin/sh', '-c', ENSURE_USER, 'users', user.name, user.shell ?? '', user.groups.join(','), user.sudo ?? ''], { stdin: keys });
}

async function runStep(machine: MachineExec, step: CloudConfigStep, options: RunOptions): Promise<void> {
  switch (step.module) {
    case 'write_files':
      for (const [i, file] of step.files.entries()) {
        const name = `write_files[${i}] ${file.path}`;
        options.onAction?.(name);
        await writeFile(machine, name, file);
      }
      return;
    case 'bootcmd':
    case 'runcmd':
      for (const [i, command] of step.commands.entries()) {
        const name = `${step.module}[${i}] ${describeCommand(command)}`;
        options.onAction?.(name);
        await run(machine, name, commandArgv(command));
      }
      return;
    case 'users':
      for (const [i, user] of step.users.entries()) {
        const name = `users[${i}] ${user.name}`;
        options.onAction?.(name);
        await ensureUser(machine, name, user);
      }
  }
}

/** Runs every step in order; the first failing action ends the run with a BootstrapError. */
export async function runCloudConfig(machine: MachineExec, config: CloudConfig, options: RunOptions = {}): Promise<void> {
  for (const step of config.steps) await runStep(machine, step, options);
}

/** Whether the machine holds the bootstrap sentinel file. */
export async function hasBootstrapSentinel(machine: MachineExec): Promise<boolean> {
  const result = await machine.exec(['/bin/sh', '-c', 'test -f "$1"', 'sentinel', BOOTSTRAP_SENTINEL]);
  return result.exitCode === 0;
}
