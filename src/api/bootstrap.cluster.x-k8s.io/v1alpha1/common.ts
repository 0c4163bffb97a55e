// Shared by Slipway's bootstrap.cluster.x-k8s.io/v1alpha1 kinds.

import { contractVersionLabel, providerNameLabel } from '../../cluster.x-k8s.io/v1beta2/labels-annotations.ts';

export const group = 'bootstrap.cluster.x-k8s.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

/** The contract label tells Cluster API's core controllers which of our versions implements contract v1beta2. */
export const etcdBootstrapCRDLabels = {
  [providerNameLabel]: 'bootstrap-etcd',
  [contractVersionLabel('v1beta2')]: version,
};
