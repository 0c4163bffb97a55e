// ResourceRefs of the kinds the container provider works with, and the finalizers its controllers own.
import type { ResourceRef } from '../../../client/rest-client.ts';
import { group, version } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import { group as slipwayGroup, version as slipwayVersion } from '../../../api/slipway.dev/v1alpha1/common.ts';

export const containerMachinesResource: ResourceRef = { group, version, plural: 'containermachines', namespaced: true, kind: 'ContainerMachine' };
export const containerClustersResource: ResourceRef = { group, version, plural: 'containerclusters', namespaced: true, kind: 'ContainerCluster' };
export const networksResource: ResourceRef = { group: slipwayGroup, version: slipwayVersion, plural: 'networks', namespaced: false, kind: 'Network' };
export const ipAddressesResource: ResourceRef = { group: slipwayGroup, version: slipwayVersion, plural: 'ipaddresses', namespaced: false, kind: 'IPAddress' };
export const imagesResource: ResourceRef = { group: slipwayGroup, version: slipwayVersion, plural: 'images', namespaced: false, kind: 'Image' };

/** Held until the machine's container, mounts, network namespace, forwards and address are gone. */
export const containerMachineFinalizer = 'containermachine.infrastructure.cluster.x-k8s.io';
export const containerClusterFinalizer = 'containercluster.infrastructure.cluster.x-k8s.io';
/** Held until the bridge is removed; a Network with addresses allocated is not removed. */
export const networkFinalizer = 'slipway.dev/network';
