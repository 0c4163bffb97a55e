// The API names the machine and image commands use: the resources of ContainerMachines, Images and
// Networks, and the labels, annotations and condition reasons of the container provider's contract.
// They are the provider's own (src/api, src/providers/infrastructure/container), repeated here so
// that a command such as `slipway run` starts without loading the API's schemas, which costs a
// short-lived CLI process a fifth of a second; test/cli/machine-resources.test.ts keeps both equal.
import type { ResourceRef } from '../client/rest-client.ts';

type KindRef = ResourceRef & { kind: string };

export const containerMachines: KindRef = { group: 'infrastructure.cluster.x-k8s.io', version: 'v1alpha1', plural: 'containermachines', namespaced: true, kind: 'ContainerMachine' };
export const images: KindRef = { group: 'slipway.dev', version: 'v1alpha1', plural: 'images', namespaced: false, kind: 'Image' };
export const networks: KindRef = { group: 'slipway.dev', version: 'v1alpha1', plural: 'networks', namespaced: false, kind: 'Network' };

/** On machines the CLI creates (not owned by a Cluster API Machine). */
export const STANDALONE_LABEL = 'slipway.dev/standalone';
/** "true" with powerState Stopped: kill without a grace period. */
export const STOP_IMMEDIATELY_ANNOTATION = 'slipway.dev/stop-immediately';
/** Starts a machine whose init died (restartPolicy Never keeps it down otherwise). */
export const START_REQUESTED_ANNOTATION = 'slipway.dev/start-requested';
/** "true": an Image is removed from the store even while machines use it. */
export const FORCE_DELETE_ANNOTATION = 'slipway.dev/force-delete';
/** The Network machines attach to when they name none. */
export const DEFAULT_NETWORK = 'default';

/** ContainerMachine Ready reasons the CLI reacts to. */
export const MachineReason = {
  InvalidSpec: 'InvalidSpec',
  WaitingForImage: 'WaitingForImage',
  ImageNotFound: 'ImageNotFound',
  PortConflict: 'PortConflict',
  CreateFailed: 'CreateFailed',
  AddressesExhausted: 'AddressesExhausted',
  Died: 'Died',
  BootstrapFailed: 'BootstrapFailed',
} as const;
