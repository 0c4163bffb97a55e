// What the runtime is asked to make for a ContainerMachine: the spec's limits, init and environment
// with their defaults, the image's layers and run config, the machine's place on its Network, its
// SSH keys, and labels naming the object, so a restarted daemon knows whose machine it finds.
import type { KubeObject } from '../../../api/meta.ts';
import type { ContainerMachine } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { parseByteQuantity, parseQuantity } from '../../../api/quantity.ts';
import type { ImageLayers } from '../../../machines/images/index.ts';
import type { MachineAttachment } from '../../../machines/network/attachment.ts';
import type { HostEntry, MachineSpec } from '../../../machines/runtime/index.ts';

export const DEFAULT_CPUS = '1';
export const DEFAULT_MEMORY = '512Mi';

/** Runtime labels naming the ContainerMachine a machine belongs to. */
export const MachineLabel = { namespace: 'slipway.dev/namespace', name: 'slipway.dev/name', uid: 'slipway.dev/uid' } as const;

export interface RuntimeSpecInput {
  machine: ContainerMachine & KubeObject;
  id: string;
  layers: ImageLayers;
  attachment: MachineAttachment;
  sshAuthorizedKeys: string[];
  /** Other machines for its /etc/hosts (a Cluster's). */
  hosts: HostEntry[];
}

export function runtimeSpecFor({ machine, id, layers, attachment, sshAuthorizedKeys, hosts }: RuntimeSpecInput): MachineSpec {
  const { spec, metadata } = machine;
  return {
    id,
    hostname: spec.hostname ?? metadata.name!,
    lowerDirs: layers.lowerDirs,
    imageConfig: { Env: layers.config.env, ...(layers.config.stopSignal ? { StopSignal: layers.config.stopSignal } : {}) },
    resources: {
      cpus: parseQuantity(spec.resources?.cpus ?? DEFAULT_CPUS),
      memoryBytes: parseByteQuantity(spec.resources?.memory ?? DEFAULT_MEMORY),
      ...(spec.resources?.pids ? { pids: spec.resources.pids } : {}),
    },
    ...(spec.rootfsSize !== undefined ? { rootfsSizeBytes: parseByteQuantity(spec.rootfsSize) } : {}),
    networkNamespace: attachment.netnsPath,
    ip: attachment.address,
    ...(sshAuthorizedKeys.length > 0 ? { sshAuthorizedKeys } : {}),
    ...(hosts.length > 0 ? { hosts } : {}),
    init: spec.init ?? 'slipway',
    ...(spec.env?.length ? { env: Object.fromEntries(spec.env.map((e) => [e.name, e.value])) } : {}),
    labels: { [MachineLabel.namespace]: metadata.namespace!, [MachineLabel.name]: metadata.name!, [MachineLabel.uid]: metadata.uid! },
  };
}
