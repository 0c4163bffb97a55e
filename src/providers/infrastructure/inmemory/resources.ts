// ResourceRefs of the in-memory provider's kinds, and the finalizers its controllers own.
import type { ResourceRef } from '../../../client/rest-client.ts';
import { group, version } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';

export const inMemoryClustersResource: ResourceRef = { group, version, plural: 'inmemoryclusters', namespaced: true, kind: 'InMemoryCluster' };
export const inMemoryMachinesResource: ResourceRef = { group, version, plural: 'inmemorymachines', namespaced: true, kind: 'InMemoryMachine' };

/** Held until the controller has seen the deletion, as Cluster API's providers do. */
export const inMemoryClusterFinalizer = 'inmemorycluster.infrastructure.cluster.x-k8s.io';
export const inMemoryMachineFinalizer = 'inmemorymachine.infrastructure.cluster.x-k8s.io';
