// `slipway run IMAGE` (create and start) and `slipway create IMAGE` (create without starting), as
// Ignite's: a ContainerMachine from the flags (a random readable name if none is given), then a
// wait that shows what its controller reports — the image's pull percentage while it brings a
// missing image in, then the machine's conditions — until the machine runs (and its SSH server
// answers) or is made. When it cannot get there, the condition's message is the error, and what
// the command caused to exist (the machine, and an image that was not there before) is removed.
import { isAlreadyExists, isNotFound } from '../../client/rest-client.ts';
import { connect, type Cluster } from '../connection.ts';
import { CliError } from '../errors.ts';
import { waitForSshServer } from '../host-machines.ts';
import { machineFromFlags, type MachineFlags } from '../machine-flags.ts';
import { containerMachines, DEFAULT_NETWORK, images, networks } from '../machine-resources.ts';
import { waitForMachine, type MachineGoal } from '../machine-wait.ts';
import { findImageByReference, normalizedImageReference, type MachineObject } from '../object-lookup.ts';
import { parseDuration } from '../parse-duration.ts';
import { Progress } from '../progress.ts';
import { randomMachineName } from '../random-name.ts';

interface RunOptions extends MachineFlags {
  timeout: string;
}

const NAME_ATTEMPTS = 10;
const CLEANUP_TIMEOUT_MS = 120_000;

/** Creates the machine, under a fresh random name when none was given (another on a clash). */
async function createMachine(cluster: Cluster, machine: MachineObject): Promise<MachineObject> {
  if (machine.metadata.name !== undefined) return cluster.client.create<MachineObject>(containerMachines, machine);
  for (let attempt = 1; ; attempt++) {
    try {
      return await cluster.client.create<MachineObject>(containerMachines, { ...machine, metadata: { ...machine.metadata, name: randomMachineName() } });
    } catch (error) {
      if (!isAlreadyExists(error) || attempt === NAME_ATTEMPTS) throw error;
    }
  }
}

/** Deletes what a failed run caused to exist and waits until it is gone, so nothing is left half-made. */
async function removeMade(cluster: Cluster, machine: string, reference: string, imageExisted: boolean, progress: Progress): Promise<void> {
  progress.line(`removing machine ${machine}`);
  const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
  await cluster.deleteAndWait(containerMachines, cluster.namespace, machine, signal);
  const image = imageExisted ? undefined : await findImageByReference(cluster, reference);
  if (image) {
    progress.line(`removing image ${reference}`);
    await cluster.deleteAndWait(images, undefined, image.metadata.name!, signal, { uid: image.metadata.uid });
  }
}

async function runOrCreate(argv: RunOptions, goal: MachineGoal): Promise<void> {
  const timeoutMs = parseDuration(argv.timeout, '--timeout');
  const reference = normalizedImageReference(argv.image);
  const wanted = await machineFromFlags(argv, goal === 'running' ? 'Running' : 'Stopped');
  const cluster = await connect(argv);
  wanted.metadata.namespace = cluster.namespace;
  const network = wanted.spec.network ?? DEFAULT_NETWORK;
  const [imageExisted] = await Promise.all([
    findImageByReference(cluster, reference).then((image) => image !== undefined),
    cluster.client.get(networks, network).catch((error: unknown) => {
      if (isNotFound(error)) throw new CliError(`network "${network}" does not exist`, 'name an existing Network with --network (`slipway get networks`), or start Slipway with its default network');
      throw error;
    }),
  ]);
  const progress = new Progress();
  const machine = await createMachine(cluster, wanted);
  const name = machine.metadata.name!;
  progress.line(`created machine ${name}`);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const done = await waitForMachine(cluster, name, goal, progress, { signal, timeout: argv.timeout });
    const address = done.status?.network?.ip;
    if (goal === 'running' && done.spec.ssh && address && !(await waitForSshServer(address, signal))) {
      throw new CliError(`timed out after ${argv.timeout} waiting for the SSH server of machine ${name} at ${address}`, `\`slipway logs ${name}\` shows what its init printed`);
    }
  } catch (error) {
    progress.done();
    await removeMade(cluster, name, reference, imageExisted, progress);
    throw error;
  }
  progress.done();
  process.stdout.write(`${name}\n`);
}

export const run = (argv: RunOptions) => runOrCreate(argv, 'running');
export const create = (argv: RunOptions) => runOrCreate(argv, 'created');
