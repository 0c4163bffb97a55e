// `slipway exec NAME -- CMD…`: runs a command in a running machine as root through the runtime on
// the daemon's host (runc exec, so it needs no SSH), prints its output and exits with its exit code.
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

export async function exec(argv: ExecOptions): Promise<void> {
  const { command } = argv;
  if (command.length === 0) throw new UsageError('no command given', 'e.g. `slipway exec my-vm -- ls -l /`');
  const cluster = await connect(argv);
  const [machine] = await findMachines(cluster, [argv.machine]);
  assertRunning(machine);
  const { runtime, id } = await hostRuntime(argv, machine);
  const result = await runtime.exec(id, command, argv.interactive ? { stdin: process.stdin } : {});
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  process.exitCode = result.exitCode;
}
