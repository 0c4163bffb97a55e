// `slipway logs NAME [-f]`: what the machine's init wrote to its console, read from the runtime on
// the daemon's host (Ignite's logs); -f follows it until interrupted or the machine is removed.
import { connect } from '../connection.ts';
import type { GlobalOptions } from '../global-options.ts';
import { hostRuntime } from '../host-machines.ts';
import { findMachines } from '../object-lookup.ts';

interface LogsOptions extends GlobalOptions {
  machine: string;
  follow: boolean;
}

export async function logs(argv: LogsOptions): Promise<void> {
  const cluster = await connect(argv);
  const [machine] = await findMachines(cluster, [argv.machine]);
  const { runtime, id } = await hostRuntime(argv, machine);
  if (!argv.follow) {
    process.stdout.write(await runtime.logs(id));
    return;
  }
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  for await (const text of runtime.followLogs(id, { signal: controller.signal })) process.stdout.write(text);
}
