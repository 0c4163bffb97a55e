// `slipway start`, `stop` and `kill`, as Ignite's: each sets the machine's spec.powerState (kill
// also asks for SIGKILL without a grace period) and waits until the controller got it there. A
// start waits for the SSH server too, when the machine has SSH. Machines are named by name or ID
// prefix; several are handled at once, each failure reported on its own line.
import { connect, type Cluster } from '../connection.ts';
import { CliError } from '../errors.ts';
import { reportFailure } from '../failure.ts';
import type { GlobalOptions } from '../global-options.ts';
import { waitForSshServer } from '../host-machines.ts';
import { containerMachines, START_REQUESTED_ANNOTATION, STOP_IMMEDIATELY_ANNOTATION } from '../machine-resources.ts';
import { waitForMachine } from '../machine-wait.ts';
import { findMachines, type MachineObject } from '../object-lookup.ts';
import { parseDuration } from '../parse-duration.ts';
import { Progress } from '../progress.ts';

interface PowerOptions extends GlobalOptions {
  machines: string[];
  'force-kill'?: boolean;
  timeout: string;
}

/** Runs `work` on every machine at once; each failure is reported on its own line (exit 1), each success prints the name. */
export async function eachMachine(argv: PowerOptions | (GlobalOptions & { machines: string[] }), work: (cluster: Cluster, machine: MachineObject) => Promise<void>): Promise<void> {
  const cluster = await connect(argv);
  const machines = await findMachines(cluster, argv.machines);
  await Promise.all(machines.map(async (machine) => {
    try {
      await work(cluster, machine);
      process.stdout.write(`${machine.metadata.name}\n`);
    } catch (error) {
      reportFailure(error);
    }
  }));
}

async function startMachine(cluster: Cluster, machine: MachineObject, argv: PowerOptions): Promise<void> {
  const name = machine.metadata.name!;
  if (machine.status?.state === 'Running' && machine.spec.powerState !== 'Stopped') throw new CliError(`machine ${name} is already running`, `\`slipway stop ${name}\` stops it`);
  // A machine whose init died while it should run is started again on request; otherwise the power state does it.
  const died = machine.spec.powerState !== 'Stopped' && machine.status?.state === 'Stopped';
  await cluster.client.patch(containerMachines, name, {
    spec: { powerState: 'Running' },
    ...(died ? { metadata: { annotations: { [START_REQUESTED_ANNOTATION]: 'true' } } } : {}),
  }, { type: 'merge', namespace: cluster.namespace });
  const signal = AbortSignal.timeout(parseDuration(argv.timeout, '--timeout'));
  const running = await waitForMachine(cluster, name, 'running', new Progress(), { signal, timeout: argv.timeout });
  const address = running.status?.network?.ip;
  if (running.spec.ssh && address && !(await waitForSshServer(address, signal))) {
    throw new CliError(`timed out after ${argv.timeout} waiting for the SSH server of machine ${name} at ${address}`, `\`slipway logs ${name}\` shows what its init printed`);
  }
}

async function stopMachine(cluster: Cluster, machine: MachineObject, argv: PowerOptions, kill: boolean): Promise<void> {
  const name = machine.metadata.name!;
  if (machine.spec.powerState === 'Stopped' && machine.status?.state === 'Stopped') return;
  await cluster.client.patch(containerMachines, name, {
    spec: { powerState: 'Stopped' },
    ...(kill ? { metadata: { annotations: { [STOP_IMMEDIATELY_ANNOTATION]: 'true' } } } : {}),
  }, { type: 'merge', namespace: cluster.namespace });
  const signal = AbortSignal.timeout(parseDuration(argv.timeout, '--timeout'));
  await waitForMachine(cluster, name, 'stopped', new Progress(), { signal, timeout: argv.timeout });
}

export const start = (argv: PowerOptions) => eachMachine(argv, (cluster, machine) => startMachine(cluster, machine, argv));
export const stop = (argv: PowerOptions) => eachMachine(argv, (cluster, machine) => stopMachine(cluster, machine, argv, argv['force-kill'] === true));
export const kill = (argv: PowerOptions) => eachMachine(argv, (cluster, machine) => stopMachine(cluster, machine, argv, true));
