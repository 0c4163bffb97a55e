// The ContainerMachine that the flags `slipway run` and `slipway create` share make, the flags as
// Ignite names them (--cpus, --memory, --size, --ssh[=KEY], --ports, --copy-files, --label, --env,
// --name; declared with the commands in command-tree.ts). Values are checked here where the CLI
// knows better (a key file to read, a host path to resolve); everything else the API server
// checks, answering with every problem at once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ContainerMachineSpec } from '../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { parsePortMappings } from '../machines/network/port-mapping.ts';
import { parseSshPublicKey } from '../machines/ssh/public-key.ts';
import { pathExists } from '../machines/path-exists.ts';
import { byteQuantity, parseByteSize } from './byte-size.ts';
import { UsageError } from './errors.ts';
import type { GlobalOptions } from './global-options.ts';
import { STANDALONE_LABEL } from './machine-resources.ts';
import type { MachineObject } from './object-lookup.ts';

export interface MachineFlags extends GlobalOptions {
  image: string;
  name?: string;
  cpus?: string;
  memory?: string;
  size?: string;
  /** '' for a bare --ssh (generate a key pair), else a public key or the path of one. */
  ssh?: string;
  ports: string[];
  'copy-files': string[];
  label: string[];
  env: string[];
  network?: string;
  init?: 'slipway' | 'image';
}

/** "KEY=VALUE" → [KEY, VALUE]. */
function keyValue(text: string, flag: string, example: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) throw new UsageError(`invalid ${flag} "${text}"`, `write it as ${example}`);
  return [text.slice(0, at), text.slice(at + 1)];
}

/** --ssh's value: a bare flag generates a key pair; a key line or a key file (".pub" added as Ignite does) is installed. */
async function sshSpec(value: string): Promise<NonNullable<ContainerMachineSpec['ssh']>> {
  if (value === '' || value === 'true') return { generateKey: true };
  let key = value;
  if (!/^(ssh-|ecdsa-)/.test(value)) {
    const file = value.endsWith('.pub') ? value : `${value}.pub`;
    key = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read the SSH public key ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, 'give --ssh=PATH of a .pub file, --ssh="ssh-ed25519 AAAA…", or a bare --ssh to generate a key pair');
    });
  }
  try {
    return { authorizedKeys: [parseSshPublicKey(key.trim()).line] };
  } catch (error) {
    throw new UsageError(`--ssh: ${(error as Error).message}`, 'give an OpenSSH public key line (ssh-ed25519 AAAA… comment) or the path of a .pub file');
  }
}

/** HOST_PATH:MACHINE_PATH, the host path resolved from the working directory and required to exist. */
async function copyFile(spec: string): Promise<{ hostPath: string; machinePath: string }> {
  const at = spec.lastIndexOf(':/');
  if (at <= 0) throw new UsageError(`invalid --copy-files "${spec}"`, 'write it as HOST_PATH:MACHINE_PATH with an absolute machine path, e.g. ./motd:/etc/motd');
  const hostPath = path.resolve(spec.slice(0, at));
  if (!(await pathExists(hostPath))) throw new UsageError(`--copy-files: ${hostPath} does not exist`, 'give an existing file or directory on this host');
  return { hostPath, machinePath: spec.slice(at + 1) };
}

/** The ContainerMachine the flags describe (name left to the caller when --name is absent, namespace always). */
export async function machineFromFlags(flags: MachineFlags, powerState: 'Running' | 'Stopped'): Promise<MachineObject> {
  const spec: ContainerMachineSpec = { image: flags.image, powerState };
  const resources: NonNullable<ContainerMachineSpec['resources']> = {};
  if (flags.cpus !== undefined) resources.cpus = flags.cpus;
  if (flags.memory !== undefined) resources.memory = byteQuantity(parseByteSize(flags.memory, '--memory'));
  if (Object.keys(resources).length > 0) spec.resources = resources;
  if (flags.size !== undefined) spec.rootfsSize = byteQuantity(parseByteSize(flags.size, '--size'));
  if (flags.ssh !== undefined) spec.ssh = await sshSpec(flags.ssh);
  if (flags.ports.length > 0) {
    let mappings;
    try {
      mappings = parsePortMappings(flags.ports);
    } catch (error) {
      throw new UsageError((error as Error).message, 'e.g. --ports 8080:80 or --ports 0.0.0.0:2222:22');
    }
    spec.ports = mappings.map((m) => ({ hostIP: m.bindAddress, hostPort: m.hostPort, machinePort: m.machinePort, protocol: m.protocol === 'udp' ? 'UDP' as const : 'TCP' as const }));
  }
  if (flags['copy-files'].length > 0) spec.copyFiles = await Promise.all(flags['copy-files'].map((f) => copyFile(f)));
  if (flags.env.length > 0) spec.env = flags.env.map((e) => keyValue(e, '--env', 'NAME=VALUE')).map(([name, value]) => ({ name, value }));
  if (flags.network !== undefined) spec.network = flags.network;
  if (flags.init !== undefined) spec.init = flags.init;
  const labels = Object.fromEntries([...flags.label.map((l) => keyValue(l, '--label', 'KEY=VALUE')), [STANDALONE_LABEL, 'true']]);
  return {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1',
    kind: 'ContainerMachine',
    metadata: { ...(flags.name !== undefined ? { name: flags.name } : {}), labels },
    spec,
  } as MachineObject;
}
