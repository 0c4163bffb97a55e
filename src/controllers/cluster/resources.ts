// ResourceRefs of the Cluster API core kinds the Cluster and Machine controllers read and write,
// and the cache index that finds a cluster's objects without scanning every object.
import type { KubeObject } from '../../api/meta.ts';
import { group, version } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { clusterNameLabel, pausedAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { Informer } from '../../client/informer.ts';
import type { ResourceRef } from '../../client/rest-client.ts';
import { ensureIndexer } from '../provider-contract/reference-index.ts';

export const clustersResource: ResourceRef = { group, version, plural: 'clusters', namespaced: true, kind: 'Cluster' };
export const machinesResource: ResourceRef = { group, version, plural: 'machines', namespaced: true, kind: 'Machine' };
export const machineSetsResource: ResourceRef = { group, version, plural: 'machinesets', namespaced: true, kind: 'MachineSet' };
export const machineDeploymentsResource: ResourceRef = { group, version, plural: 'machinedeployments', namespaced: true, kind: 'MachineDeployment' };

/** "namespace/cluster name" of an object of a cluster: spec.clusterName, else the cluster-name label. */
export function clusterKeyOf(obj: KubeObject): string | undefined {
  const name = (obj.spec as { clusterName?: unknown } | undefined)?.clusterName;
  const cluster = typeof name === 'string' && name !== '' ? name : obj.metadata.labels?.[clusterNameLabel];
  return cluster && obj.metadata.namespace ? `${obj.metadata.namespace}/${cluster}` : undefined;
}

const CLUSTER_INDEX = 'cluster.x-k8s.io/cluster';

/** The cached objects of one cluster ("namespace/name"); indexes the shared informer on first use. */
export function objectsOfCluster<T extends KubeObject>(informer: Informer<T>, clusterKey: string): T[] {
  ensureIndexer(informer, CLUSTER_INDEX, (obj) => { const key = clusterKeyOf(obj); return key ? [key] : []; });
  return informer.byIndex(CLUSTER_INDEX, clusterKey);
}

/**
 * Whether a Cluster update concerns the objects under it (Machines, MachineSets, MachineDeployments,
 * infrastructure): its spec (pause, control plane reference…), its deletion or its paused annotation.
 * Status updates, the frequent ones, do not: reconciling every Machine on each would be quadratic.
 */
export function clusterSpecOrLifecycleChanged(old: KubeObject, obj: KubeObject): boolean {
  return old.metadata.generation !== obj.metadata.generation
    || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp
    || old.metadata.uid !== obj.metadata.uid
    || old.metadata.annotations?.[pausedAnnotation] !== obj.metadata.annotations?.[pausedAnnotation];
}
