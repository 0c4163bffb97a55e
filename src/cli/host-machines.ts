// What the machine commands do on the daemon's own host, as Ignite's CLI does (it runs as root beside
// its machines): logs, exec and cp through the runtime under <data-dir>/machines, SSH keys written
// to files for ssh, and the wait until a new machine's SSH server answers.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../api/meta.ts';
import { secretsResource } from '../client/resources.ts';
import { isNotFound } from '../client/rest-client.ts';
import type { MachineRuntime } from '../machines/runtime/index.ts';
import type { Cluster } from './connection.ts';
import { CliError } from './errors.ts';
import type { GlobalOptions } from './global-options.ts';
import { DEFAULT_DATA_DIR } from './kubeconfig-path.ts';
import type { MachineObject } from './object-lookup.ts';

const SSH_PROBE_INTERVAL_MS = 25;

/** The daemon's data directory, resolved as `slipway up` resolves it. */
export function dataDirOf(argv: GlobalOptions): string {
  return path.resolve(argv['data-dir'] ?? DEFAULT_DATA_DIR);
}

/** Throws the one line a command that needs a running machine gives for one that is not. */
export function assertRunning(machine: MachineObject): void {
  const name = machine.metadata.name!;
  const state = machine.status?.state ?? 'Creating';
  if (state !== 'Running') throw new CliError(`machine ${name} is not running (${state})`, `\`slipway start ${name}\` starts it`);
}

/** The runtime the daemon runs `machine` with, when the machine lives in this host's data directory. */
export async function hostRuntime(argv: GlobalOptions, machine: MachineObject): Promise<{ runtime: MachineRuntime; id: string }> {
  const name = machine.metadata.name!;
  const id = machine.status?.machineID;
  if (!id) throw new CliError(`machine ${name} has no ID yet: it is still being created`, 'wait until `slipway ps -a` shows its ID');
  const root = path.join(dataDirOf(argv), 'machines');
  if (!existsSync(path.join(root, id))) {
    throw new CliError(`machine ${name} (${id}) is not in the data directory ${dataDirOf(argv)} on this host`, 'run the command on the host of the Slipway that runs it, with the --data-dir it was started with');
  }
  // Loaded here: the runtime is only needed by the commands that work on the host.
  const { MachineRuntime } = await import('../machines/runtime/index.ts');
  return { runtime: new MachineRuntime({ root }), id };
}

/** The machine's generated private key, written from its Secret to <data-dir>/ssh/<namespace>/<name> (0600). */
export async function sshKeyFile(cluster: Cluster, argv: GlobalOptions, machine: MachineObject): Promise<string> {
  const name = machine.metadata.name!;
  const secretName = machine.status?.sshKeySecretRef?.name;
  const noKey = () => new CliError(`machine ${name} has no generated SSH key`, 'it was created without a bare --ssh: pass your own key with --identity');
  if (!secretName) throw noKey();
  let secret: KubeObject & { data?: Record<string, string> };
  try {
    secret = await cluster.client.get(secretsResource, secretName, machine.metadata.namespace);
  } catch (error) {
    if (isNotFound(error)) throw noKey();
    throw error;
  }
  const key = secret.data?.['ssh-privatekey'];
  if (!key) throw new CliError(`Secret ${secretName} holds no ssh-privatekey`, 'pass your own key with --identity');
  const dir = path.join(dataDirOf(argv), 'ssh', machine.metadata.namespace!);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  await writeFile(file, Buffer.from(key, 'base64'), { mode: 0o600 });
  return file;
}

function acceptsTcp(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 1000 }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false)).once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Waits until the machine's SSH server accepts connections (as Ignite's start does); false if the signal fires first. */
export async function waitForSshServer(address: string, signal: AbortSignal): Promise<boolean> {
  while (!signal.aborted) {
    if (await acceptsTcp(address, 22)) return true;
    await sleep(SSH_PROBE_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
  }
  return false;
}
