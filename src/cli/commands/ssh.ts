// `slipway ssh NAME [CMD…]`, as Ignite's: OpenSSH to the machine's address as root with the key
// generated for it (kept in its Secret, written to a 0600 file under the data directory), or with
// the key given by --identity; a login shell without a command. Exits with ssh's exit code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { sshCommand } from '../../machines/ssh/ssh-command.ts';
import { connect } from '../connection.ts';
import { CliError, UsageError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { assertRunning, sshKeyFile } from '../host-machines.ts';
import { findMachines } from '../object-lookup.ts';

interface SshOptions extends GlobalOptions {
  machine: string;
  command: string[];
  identity?: string;
  timeout: number;
  tty?: boolean;
}

export async function ssh(argv: SshOptions): Promise<void> {
  if (!Number.isInteger(argv.timeout) || argv.timeout < 1) throw new UsageError(`invalid --timeout ${argv.timeout}`, 'give whole seconds, at least 1');
  const cluster = await connect(argv);
  const [machine] = await findMachines(cluster, [argv.machine]);
  const name = machine.metadata.name!;
  assertRunning(machine);
  const address = machine.status?.network?.ip;
  if (!address) throw new CliError(`machine ${name} has no address`, `\`slipway describe containermachine ${name}\` shows why`);
  const privateKeyPath = argv.identity ? path.resolve(argv.identity) : await sshKeyFile(cluster, argv, machine);
  const [program, ...args] = sshCommand({ privateKeyPath, address, command: argv.command, connectTimeoutSeconds: argv.timeout, ...(argv.tty === undefined ? {} : { tty: argv.tty }) });
  const child = spawn(program, args, { stdio: 'inherit' });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new CliError('ssh is not installed', 'install the Debian package openssh-client') : error));
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  process.exitCode = code;
}
