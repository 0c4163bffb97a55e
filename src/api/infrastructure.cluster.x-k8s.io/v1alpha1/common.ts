// Shared by Slipway's infrastructure.cluster.x-k8s.io/v1alpha1 kinds.

import Type from 'typebox';
import { contractVersionLabel, providerNameLabel } from '../../cluster.x-k8s.io/v1beta2/labels-annotations.ts';

export const group = 'infrastructure.cluster.x-k8s.io';
export const version = 'v1alpha1';
export const apiVersion = `${group}/${version}`;

/** The contract label tells Cluster API's core controllers which of our versions implements contract v1beta2. */
export const inMemoryCRDLabels = {
  [providerNameLabel]: 'infrastructure-in-memory',
  [contractVersionLabel('v1beta2')]: version,
};

/** A Go time.Duration string ("2s", "1m30s", "250ms"), the form Kubernetes APIs use for durations. */
export const duration = (description: string) =>
  Type.String({ pattern: '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$', maxLength: 64, description });

/** A fraction between 0 and 1, as a string because Kubernetes APIs avoid floats. */
export const fraction = (description: string) => Type.String({ pattern: '^(0(\\.[0-9]+)?|1(\\.0+)?)$', maxLength: 32, description });

/** Who a template or infrastructure object belongs to, for printer columns. */
export const clusterLabelColumn = { name: 'Cluster', type: 'string' as const, jsonPath: ".metadata.labels['cluster\\.x-k8s\\.io/cluster-name']", description: 'Cluster' };

/** The contract label of the container provider's kinds (see inMemoryCRDLabels). */
export const containerCRDLabels = {
  [providerNameLabel]: 'infrastructure-container',
  [contractVersionLabel('v1beta2')]: version,
};

/**
 * A Kubernetes resource quantity ("2", "500m", "512Mi", "1Gi"), as an int-or-string like Kubernetes'
 * own resource fields; the API server checks the value's bounds on top of this form.
 */
export const quantity = (description: string) => Type.Unsafe<number | string>({
  'x-kubernetes-int-or-string': true,
  pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  description,
});
