// ContainerCluster: the cluster infrastructure of the container provider — which Network its
// machines attach to and the failure domains it offers. Provisioned once that Network is Ready.
// Follows the InfraCluster contract of Cluster API v1beta2 (contracts/infra-cluster.md); an unset
// spec.controlPlaneEndpoint is left for the control plane provider to fill.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { APIEndpoint } from '../../cluster.x-k8s.io/v1beta2/cluster.ts';
import { conditions, conditionStatusPath, failureDomains } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { apiVersion, clusterLabelColumn, containerCRDLabels, group, version } from './common.ts';

export const ContainerClusterSpec = Type.Object({
  controlPlaneEndpoint: Type.Optional(APIEndpoint),
  network: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'network is the Network the cluster’s machines attach to (default "default").' })),
  failureDomains: Type.Optional(failureDomains('failureDomains this infrastructure offers; reported in status.failureDomains once provisioned (on one host they are labels for spreading, not separate hardware).')),
}, { description: 'spec is the desired state of ContainerCluster.' });
export type ContainerClusterSpec = Static<typeof ContainerClusterSpec>;

export const ContainerClusterStatus = Type.Object({
  initialization: Type.Optional(Type.Object({
    provisioned: Type.Optional(Type.Boolean({ description: 'provisioned is true once the cluster’s Network is Ready; Cluster API reads it into Cluster status.initialization.infrastructureProvisioned.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the ContainerCluster initialization process.' })),
  failureDomains: Type.Optional(failureDomains('failureDomains Cluster API copies into the Cluster status.')),
  conditions: Type.Optional(conditions('conditions represents the observations of a ContainerCluster’s current state (Ready, Paused).')),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' })),
}, { description: 'status is the observed state of ContainerCluster.' });
export type ContainerClusterStatus = Static<typeof ContainerClusterStatus>;

export const ContainerClusterSchema = kubeObject('ContainerCluster is the infrastructure of a cluster of ContainerMachines.', ContainerClusterSpec, ContainerClusterStatus);
export type ContainerCluster = Static<typeof ContainerClusterSchema>;

export const containerClusterTypeMeta = { apiVersion, kind: 'ContainerCluster' } as const;

export const containerClusterCRD = defineCRD({
  group,
  kind: 'ContainerCluster',
  plural: 'containerclusters',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: containerCRDLabels,
  versions: [{
    name: version,
    schema: ContainerClusterSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      clusterLabelColumn,
      { name: 'Network', type: 'string', jsonPath: '.spec.network', description: 'The Network of the machines' },
      { name: 'Endpoint', type: 'string', jsonPath: '.spec.controlPlaneEndpoint.host', description: 'Control plane endpoint host', priority: 10 },
      { name: 'Provisioned', type: 'string', jsonPath: '.status.initialization.provisioned', description: 'ContainerCluster is provisioned' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'ContainerCluster is ready' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the ContainerCluster' },
    ],
  }],
});
