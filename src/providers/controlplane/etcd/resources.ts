// The EtcdCluster's resource, finalizer, and the names it puts on its Machines.
import { group, version } from '../../../api/controlplane.cluster.x-k8s.io/v1alpha1/common.ts';
import { preTerminateDeleteHookAnnotationPrefix } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { ResourceRef } from '../../../client/rest-client.ts';

export const etcdClustersResource: ResourceRef = { group, version, plural: 'etcdclusters', namespaced: true, kind: 'EtcdCluster' };

export const etcdClusterFinalizer = 'etcdcluster.controlplane.cluster.x-k8s.io';

/** Holds a deleted member Machine (its infrastructure stays) until its member is out of etcd, as KubeadmControlPlane's kcp-cleanup hook does. */
export const memberRemovalHook = `${preTerminateDeleteHookAnnotationPrefix}/etcd-member-removal`;

/** The etcd version a member Machine was made for (Machine.spec.version is Kubernetes' version). */
export const etcdVersionAnnotation = 'controlplane.cluster.x-k8s.io/etcd-version';
