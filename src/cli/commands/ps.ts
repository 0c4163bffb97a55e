// `slipway ps`, as Ignite's: the running machines of the namespace (all of them with -a) in Ignite's
// columns, or only their IDs (-q) to feed other commands.
import { connect } from '../connection.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerMachines } from '../machine-resources.ts';
import type { MachineObject } from '../object-lookup.ts';
import { machineTable } from '../printers/machine-table.ts';

interface PsOptions extends GlobalOptions {
  all: boolean;
  quiet: boolean;
}

export async function ps(argv: PsOptions): Promise<void> {
  const cluster = await connect(argv);
  const machines = (await cluster.client.listAll<MachineObject>(containerMachines, { namespace: cluster.namespace })).items
    .filter((m) => argv.all || m.status?.state === 'Running')
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
  if (argv.quiet) {
    for (const machine of machines) process.stdout.write(`${machine.status?.machineID ?? machine.metadata.name}\n`);
    return;
  }
  process.stdout.write(`${machineTable(machines)}\n`);
}
