// ContainerMachine: a machine that is a runc container made to look like a VM (Ignite's and
// Footloose's UX): an OCI image on a writable overlay, its own hostname, network namespace with an
// address on a Slipway Network, init, SSH server and cgroup limits. Standalone (what `slipway run`
// creates) or owned by a Cluster API Machine, following the InfraMachine contract of Cluster API
// v1beta2: spec.providerID, status.initialization.provisioned, status.addresses,
// status.failureDomain, and the BootstrapExecSucceeded condition once the bootstrap data ran.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum } from '../../crd.ts';
import { conditions, conditionStatusPath, machineAddresses } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { apiVersion, clusterLabelColumn, containerCRDLabels, group, quantity, version } from './common.ts';

/** The API server checks that it is a plain absolute path. */
const absolutePath = (description: string) => Type.String({ maxLength: 4096, description });

export const ContainerMachinePort = Type.Object({
  hostPort: Type.Integer({ minimum: 1, maximum: 65535, description: 'hostPort is the port listened on on the host.' }),
  machinePort: Type.Integer({ minimum: 1, maximum: 65535, description: 'machinePort is the port connections (or datagrams) are forwarded to in the machine.' }),
  protocol: Type.Optional(stringEnum(['TCP', 'UDP'], { default: 'TCP', description: 'protocol of the mapping: TCP or UDP.' })),
  hostIP: Type.Optional(Type.String({ format: 'ipv4', maxLength: 15, default: '127.0.0.1', description: 'hostIP is the host address listened on: 127.0.0.1 by default (unlike Docker), 0.0.0.0 for every address.' })),
});
export type ContainerMachinePort = Static<typeof ContainerMachinePort>;

/** Every field of ContainerMachine's spec but providerID: what a ContainerMachineTemplate holds. */
export const containerMachineSpecFields = {
  image: Type.String({ minLength: 1, maxLength: 512, description: 'image is the OCI image reference the machine runs, e.g. debian:bookworm; an Image object for it is created (pulled from its registry) when missing.' }),
  resources: Type.Optional(Type.Object({
    cpus: Type.Optional(quantity('cpus is the CPU time the machine may use, e.g. "2" or "500m" (default "1").')),
    memory: Type.Optional(quantity('memory is the memory limit, swap included, e.g. "512Mi" (the default) or "2Gi"; at least 64Mi.')),
    pids: Type.Optional(Type.Integer({ minimum: 16, maximum: 4194304, description: 'pids is the most processes and threads the machine may have (default 4096).' })),
  }, { description: 'resources are the machine’s cgroup limits.' })),
  rootfsSize: Type.Optional(quantity('rootfsSize limits the machine’s writable layer, e.g. "4Gi" (a sparse ext4 file under the overlay’s upper directory). Unset: no limit beyond the host’s disk.')),
  ssh: Type.Optional(Type.Object({
    generateKey: Type.Optional(Type.Boolean({ description: 'generateKey makes an ed25519 key pair for the machine: the public key is installed for root, the private key kept in the Secret <name>-ssh-key.' })),
    authorizedKeys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16384 }), { maxItems: 64, description: 'authorizedKeys are OpenSSH public key lines installed for root.', 'x-kubernetes-list-type': 'atomic' })),
  }, { description: 'ssh sets up SSH access as root.' })),
  ports: Type.Optional(Type.Array(ContainerMachinePort, { maxItems: 64, description: 'ports forwards host ports to the machine (TCP or UDP, userspace, no NAT).', 'x-kubernetes-list-type': 'atomic' })),
  network: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'network is the Network the machine attaches to (default: its ContainerCluster’s network for Machines of a Cluster, else "default").' })),
  hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'hostname of the machine (default: the object name).' })),
  init: Type.Optional(stringEnum(['slipway', 'image'], { description: 'init is "slipway" (default: Slipway’s minimal init that starts the SSH server) or "image" (the image’s /sbin/init when it has one, as Footloose does).' })),
  env: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of the variable.' }),
    value: Type.String({ maxLength: 32768, description: 'value of the variable.' }),
  }), { maxItems: 256, description: 'env is the init’s environment, over the image’s.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
  copyFiles: Type.Optional(Type.Array(Type.Object({
    hostPath: absolutePath('hostPath is the absolute path of a file or directory on the daemon’s host.'),
    machinePath: absolutePath('machinePath is the absolute path it is copied to in the machine.'),
  }), { maxItems: 64, description: 'copyFiles are copied into the machine before its first start.', 'x-kubernetes-list-type': 'atomic' })),
  powerState: Type.Optional(stringEnum(['Running', 'Stopped'], { default: 'Running', description: 'powerState is whether the machine should run (`slipway start`/`stop` set it).' })),
  restartPolicy: Type.Optional(stringEnum(['Never', 'Always'], { default: 'Never', description: 'restartPolicy Always starts a machine again whose init died; Never reports it Stopped.' })),
};

export const ContainerMachineSpec = Type.Object({
  providerID: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'providerID is container://<machineID>, set by the controller once the machine exists; Cluster API copies it to the Machine.' })),
  ...containerMachineSpecFields,
}, { description: 'spec is the desired state of ContainerMachine.' });
export type ContainerMachineSpec = Static<typeof ContainerMachineSpec>;

export const ContainerMachineState = stringEnum(['Creating', 'Running', 'Stopped', 'Failed', 'Deleting'], { description: 'state of the machine as the controller last saw it.' });
export type ContainerMachineState = Static<typeof ContainerMachineState>;

export const ContainerMachineStatus = Type.Object({
  initialization: Type.Optional(Type.Object({
    provisioned: Type.Optional(Type.Boolean({ description: 'provisioned is true once the machine runs (and, for a Machine of a Cluster, its bootstrap data ran to completion); Cluster API reads it into Machine status.initialization.infrastructureProvisioned.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the ContainerMachine initialization process.' })),
  addresses: Type.Optional(machineAddresses('addresses of the machine: its InternalIP on the Network, and its Hostname.')),
  failureDomain: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'failureDomain the machine was placed in (the owning Machine’s spec.failureDomain).' })),
  machineID: Type.Optional(Type.String({ pattern: '^[0-9a-f]{16}$', description: 'machineID is the runtime’s id of the machine (16 hex digits): its runc container, state directory and `slipway ps` ID.' })),
  state: Type.Optional(ContainerMachineState),
  image: Type.Optional(Type.Object({
    reference: Type.String({ maxLength: 512, description: 'reference is the normalized image reference.' }),
    digest: Type.Optional(Type.String({ maxLength: 80, description: 'digest is the image manifest’s digest.' })),
  }, { description: 'image the machine was created from.' })),
  network: Type.Optional(Type.Object({
    name: Type.String({ maxLength: 63, description: 'name of the Network.' }),
    bridge: Type.String({ maxLength: 15, description: 'bridge of the Network.' }),
    ip: Type.String({ maxLength: 15, description: 'ip is the machine’s address.' }),
    prefixLength: Type.Integer({ minimum: 8, maximum: 30, description: 'prefixLength of the subnet.' }),
    gateway: Type.String({ maxLength: 15, description: 'gateway is the machine’s default route.' }),
  }, { description: 'network is where the machine is attached.' })),
  ports: Type.Optional(Type.Array(Type.Object({
    hostIP: Type.String({ maxLength: 15 }),
    hostPort: Type.Integer({ minimum: 1, maximum: 65535 }),
    machinePort: Type.Integer({ minimum: 1, maximum: 65535 }),
    protocol: Type.String({ maxLength: 8 }),
  }), { maxItems: 64, description: 'ports are the forwards active now.', 'x-kubernetes-list-type': 'atomic' })),
  startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'startedAt is when the machine last started.' })),
  rootfsSize: Type.Optional(quantity('rootfsSize is the writable layer’s size limit in force.')),
  sshKeySecretRef: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 253, description: 'name of the Secret (type kubernetes.io/ssh-auth: ssh-privatekey, ssh-publickey).' }),
  }, { description: 'sshKeySecretRef names the Secret holding the generated SSH key pair.' })),
  conditions: Type.Optional(conditions('conditions represents the observations of a ContainerMachine’s current state (Ready, Provisioned, BootstrapExecSucceeded, Paused).')),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' })),
}, { description: 'status is the observed state of ContainerMachine.' });
export type ContainerMachineStatus = Static<typeof ContainerMachineStatus>;

export const ContainerMachineSchema = kubeObject('ContainerMachine is a machine run as a runc container with its own network, init and SSH.', ContainerMachineSpec, ContainerMachineStatus);
export type ContainerMachine = Static<typeof ContainerMachineSchema>;

export const containerMachineTypeMeta = { apiVersion, kind: 'ContainerMachine' } as const;

/** Conditions the container provider reports on its machines, besides the shared Ready/Paused. */
export const ContainerMachineConditionType = { Provisioned: 'Provisioned', BootstrapExecSucceeded: 'BootstrapExecSucceeded' } as const;
export const ContainerMachineReason = {
  InvalidSpec: 'InvalidSpec',
  WaitingForImage: 'WaitingForImage',
  ImageNotFound: 'ImageNotFound',
  WaitingForNetwork: 'WaitingForNetwork',
  AddressesExhausted: 'AddressesExhausted',
  Creating: 'Creating',
  CreateFailed: 'CreateFailed',
  PortConflict: 'PortConflict',
  Running: 'Running',
  Stopped: 'Stopped',
  Died: 'Died',
  Bootstrapping: 'Bootstrapping',
  BootstrapSucceeded: 'BootstrapSucceeded',
  BootstrapFailed: 'BootstrapFailed',
  Deleting: 'Deleting',
} as const;

/** Set by the CLI on machines it creates (not owned by a Cluster API Machine). */
export const STANDALONE_LABEL = 'slipway.dev/standalone';
/** "true" with powerState Stopped: kill the machine (SIGKILL, no grace); the controller removes it when done. */
export const STOP_IMMEDIATELY_ANNOTATION = 'slipway.dev/stop-immediately';
/**
 * Any value starts a machine whose init died while restartPolicy Never kept it down (state Stopped,
 * reason Died) although powerState is Running; the controller removes it once the machine runs.
 */
export const START_REQUESTED_ANNOTATION = 'slipway.dev/start-requested';
/** spec.providerID is this prefix followed by the machine id. */
export const CONTAINER_PROVIDER_ID_PREFIX = 'container://';

export const containerMachineCRD = defineCRD({
  group,
  kind: 'ContainerMachine',
  plural: 'containermachines',
  shortNames: ['cm'],
  categories: ['cluster-api', 'slipway'],
  scope: 'Namespaced',
  labels: containerCRDLabels,
  versions: [{
    name: version,
    schema: ContainerMachineSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'ID', type: 'string', jsonPath: '.status.machineID', description: 'The machine id' },
      { name: 'Image', type: 'string', jsonPath: '.spec.image', description: 'The image' },
      { name: 'Size', type: 'string', jsonPath: '.spec.rootfsSize', description: 'The writable layer’s size limit' },
      { name: 'CPUs', type: 'string', jsonPath: '.spec.resources.cpus', description: 'CPU limit' },
      { name: 'Memory', type: 'string', jsonPath: '.spec.resources.memory', description: 'Memory limit' },
      { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since the ContainerMachine was created' },
      { name: 'Status', type: 'string', jsonPath: '.status.state', description: 'Creating, Running, Stopped, Failed or Deleting' },
      { name: 'IPs', type: 'string', jsonPath: '.status.network.ip', description: 'The machine’s address' },
      { name: 'Ports', type: 'string', jsonPath: '.status.ports[*].hostPort', description: 'Forwarded host ports' },
      { ...clusterLabelColumn, priority: 10 },
      { name: 'Machine', type: 'string', jsonPath: '.metadata.ownerReferences[?(@.kind=="Machine")].name', description: 'Machine object which owns this ContainerMachine', priority: 10 },
      { name: 'Provider ID', type: 'string', jsonPath: '.spec.providerID', description: 'Provider ID', priority: 10 },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'ContainerMachine is ready', priority: 10 },
    ],
  }],
});
