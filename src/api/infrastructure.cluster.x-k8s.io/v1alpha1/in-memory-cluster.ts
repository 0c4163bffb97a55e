// InMemoryCluster: the cluster infrastructure of the in-memory provider, a declared simulation (as in
// Cluster API's in-memory backend) for scale and controller tests: nothing is created, provisioning is
// a timer. Follows the InfraCluster contract of Cluster API v1beta2 (contracts/infra-cluster.md).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { APIEndpoint } from '../../cluster.x-k8s.io/v1beta2/cluster.ts';
import { conditions, conditionStatusPath, failureDomains } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { apiVersion, clusterLabelColumn, duration, fraction, group, inMemoryCRDLabels, version } from './common.ts';

export const InMemoryClusterSpec = Type.Object({
  controlPlaneEndpoint: Type.Optional(APIEndpoint),
  failureDomains: Type.Optional(failureDomains('failureDomains are the simulated failure domains this infrastructure offers; they are reported in status.failureDomains once provisioned.')),
  simulation: Type.Optional(Type.Object({
    provisioningDelay: Type.Optional(duration('provisioningDelay is how long provisioning the cluster infrastructure takes, e.g. "2s". Unset provisions at once.')),
    jitter: Type.Optional(fraction('jitter adds a random extra delay of up to jitter × provisioningDelay, e.g. "0.2".')),
  }, { description: 'simulation shapes how the simulated infrastructure behaves.' })),
}, { description: 'spec is the desired state of InMemoryCluster.' });
export type InMemoryClusterSpec = Static<typeof InMemoryClusterSpec>;

export const InMemoryClusterStatus = Type.Object({
  initialization: Type.Optional(Type.Object({
    provisioned: Type.Optional(Type.Boolean({ description: 'provisioned is true when the infrastructure is fully provisioned; Cluster API reads it into Cluster status.initialization.infrastructureProvisioned.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the InMemoryCluster initialization process.' })),
  failureDomains: Type.Optional(failureDomains('failureDomains is the list of failure domains Cluster API copies into the Cluster status.')),
  conditions: Type.Optional(conditions('conditions represents the observations of an InMemoryCluster’s current state (Ready, Paused).')),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' })),
}, { description: 'status is the observed state of InMemoryCluster.' });
export type InMemoryClusterStatus = Static<typeof InMemoryClusterStatus>;

export const InMemoryClusterSchema = kubeObject('InMemoryCluster is simulated cluster infrastructure.', InMemoryClusterSpec, InMemoryClusterStatus);
export type InMemoryCluster = Static<typeof InMemoryClusterSchema>;

export const inMemoryClusterTypeMeta = { apiVersion, kind: 'InMemoryCluster' } as const;

export const inMemoryClusterCRD = defineCRD({
  group,
  kind: 'InMemoryCluster',
  plural: 'inmemoryclusters',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: inMemoryCRDLabels,
  versions: [{
    name: version,
    schema: InMemoryClusterSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      clusterLabelColumn,
      { name: 'Endpoint', type: 'string', jsonPath: '.spec.controlPlaneEndpoint.host', description: 'Control plane endpoint host', priority: 10 },
      { name: 'Provisioned', type: 'string', jsonPath: '.status.initialization.provisioned', description: 'InMemoryCluster is provisioned' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'InMemoryCluster is ready' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the InMemoryCluster' },
    ],
  }],
});
