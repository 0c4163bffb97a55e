// `slipway cp SRC DST`: copies a file or directory between this host and a machine, one side written
// NAME:PATH (Ignite's form), through the runtime on the daemon's host — running or stopped machines
// alike, confined to the machine's root filesystem.
import path from 'node:path';
import { connect } from '../connection.ts';
import { UsageError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { hostRuntime } from '../host-machines.ts';
import { findMachines } from '../object-lookup.ts';

interface CpOptions extends GlobalOptions {
  source: string;
  destination: string;
}

interface CopyEnd {
  machine?: string;
  path: string;
}

const FORM_HINT = 'write the machine\'s side as NAME:/absolute/path, e.g. `slipway cp ./motd my-vm:/etc/motd` or `slipway cp my-vm:/etc/hostname .`';

/** "NAME:/path" names a machine's file; anything else (a path, which has no ":" before its first "/") the host's. */
export function parseCopyEnd(text: string): CopyEnd {
  const match = /^([^/:]+):(.*)$/.exec(text);
  if (!match) return { path: path.resolve(text) };
  const [, machine, machinePath] = match;
  if (!machinePath.startsWith('/')) throw new UsageError(`the machine path in "${text}" is not absolute`, FORM_HINT);
  return { machine, path: machinePath };
}

export async function cp(argv: CpOptions): Promise<void> {
  const source = parseCopyEnd(argv.source);
  const destination = parseCopyEnd(argv.destination);
  if ((source.machine === undefined) === (destination.machine === undefined)) {
    throw new UsageError('exactly one of the two paths must be in a machine', FORM_HINT);
  }
  const cluster = await connect(argv);
  const [machine] = await findMachines(cluster, [(source.machine ?? destination.machine)!]);
  const { runtime, id } = await hostRuntime(argv, machine);
  if (destination.machine) await runtime.copyIn(id, source.path, destination.path);
  else await runtime.copyOut(id, source.path, destination.path);
}
