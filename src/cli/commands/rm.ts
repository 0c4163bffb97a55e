// `slipway rm`, as Ignite's: removes machines (by name or ID prefix) and waits until each is gone
// from the host — container, mounts, network namespace, veth, address. A running machine is refused
// unless forced (-f), which removes it without stopping it first.
import { CliError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerMachines } from '../machine-resources.ts';
import { parseDuration } from '../parse-duration.ts';
import { eachMachine } from './power.ts';

interface RmOptions extends GlobalOptions {
  machines: string[];
  force: boolean;
  timeout: string;
}

export const rm = (argv: RmOptions) => eachMachine(argv, async (cluster, machine) => {
  const name = machine.metadata.name!;
  if (!argv.force && machine.status?.state === 'Running') throw new CliError(`machine ${name} is running`, `stop it first (\`slipway stop ${name}\`), or remove it anyway with \`slipway rm -f ${name}\``);
  const holding = await cluster.deleteAndWait(containerMachines, cluster.namespace, name, AbortSignal.timeout(parseDuration(argv.timeout, '--timeout')), { uid: machine.metadata.uid });
  if (holding) throw new CliError(`timed out after ${argv.timeout} waiting for machine ${name} to be removed`, `\`slipway describe containermachine ${name}\` shows its events`);
});
