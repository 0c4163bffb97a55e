// `slipway exec NAME -- CMD…`: runs a command in a running machine as root through the runtime on
// the daemon's host (runc exec, so it needs no SSH), prints its output and exits with its exit code.
import type { CommandModule } from 'yargs';
import { connect } from '../connection.ts';
import { UsageError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { assertRunning, hostRuntime } from '../host-machines.ts';
import { findMachines } from '../object-lookup.ts';

interface ExecOptions extends GlobalOptions {
  machine: string;
  command: string[];
  interactive: boolean;
}

/** The command's words: those before "--" (yargs' positionals) and those after it (left in argv._ behind the command's name). */
export function commandWords(argv: { command: string[]; _: (string | number)[] }): string[] {
  return [...argv.command, ...argv._.slice(1)].map(String);
}

export const execCommand: CommandModule<GlobalOptions, ExecOptions> = {
  command: 'exec <machine> [command..]',
  describe: 'Run a command in a running machine (put -- before a command with options)',
  builder: (yargs) => yargs
    .positional('machine', { type: 'string', demandOption: true, describe: 'Machine name or ID (a unique prefix of either is enough)' })
    .positional('command', { type: 'string', array: true, default: [] as string[], describe: 'The command and its arguments' })
    .option('interactive', { alias: 'i', type: 'boolean', default: false, describe: 'Pass this command\'s standard input to the machine\'s command' })
    .example('$0 exec my-vm -- cat /etc/os-release', 'Print the machine\'s OS')
    .example('tar c dir | $0 exec -i my-vm -- tar x -C /root', 'Feed a command from a pipe'),
  handler: async (argv) => {
    const command = commandWords(argv);
    if (command.length === 0) throw new UsageError('no command given', 'e.g. `slipway exec my-vm -- ls -l /`');
    const cluster = await connect(argv);
    const [machine] = await findMachines(cluster, [String(argv.machine)]);
    assertRunning(machine);
    const { runtime, id } = await hostRuntime(argv, machine);
    const result = await runtime.exec(id, command, argv.interactive ? { stdin: process.stdin } : {});
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
  },
};
