// Cluster: one Kubernetes cluster, tying together its infrastructure, control plane and workers
// (api/core/v1beta2/cluster_types.go).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum } from '../../crd.ts';
import {
  apiVersion, conditionGates, conditions, conditionStatusPath, contractVersionedObjectReference, coreCRDLabels, dnsSubdomainPattern,
  failureDomains, group, int32, observedGeneration, StatusVersion, version,
} from './common.ts';

const cidrBlocks = (description: string) => Type.Object({
  cidrBlocks: Type.Array(Type.String({ minLength: 1, maxLength: 43 }), { minItems: 1, maxItems: 100, description: 'cidrBlocks is a list of CIDR blocks.', 'x-kubernetes-list-type': 'atomic' }),
}, { description });

export const APIEndpoint = Type.Object({
  host: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'host is the hostname on which the API server is serving.' })),
  port: Type.Optional(int32({ minimum: 1, maximum: 65535, description: 'port is the port on which the API server is serving.' })),
}, { minProperties: 1, description: 'controlPlaneEndpoint represents the endpoint used to communicate with the control plane.' });
export type APIEndpoint = Static<typeof APIEndpoint>;

const preservedObject = (description: string) => Type.Unsafe<Record<string, unknown>>({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });

/**
 * Managed topology from a ClusterClass. Slipway has no ClusterClass support yet: the fields Cluster API's
 * printer columns read are typed, the rest is kept as written so such manifests round-trip unchanged.
 */
export const ClusterTopology = Type.Object({
  classRef: Type.Object({
    name: Type.String({ minLength: 1, maxLength: 253, pattern: dnsSubdomainPattern, description: 'name is the name of the ClusterClass.' }),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'namespace is the namespace of the ClusterClass; defaults to the Cluster’s namespace.' })),
  }, { description: 'classRef is the ref to the ClusterClass that should be used for the topology.' }),
  version: Type.String({ minLength: 1, maxLength: 256, description: 'version is the Kubernetes version of the cluster.' }),
  controlPlane: Type.Optional(preservedObject('controlPlane describes the cluster control plane.')),
  workers: Type.Optional(preservedObject('workers encapsulates the different constructs that form the worker nodes for the cluster.')),
  variables: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256, description: 'name of the variable.' }),
    value: Type.Unsafe<unknown>({ description: 'value of the variable.', 'x-kubernetes-preserve-unknown-fields': true }),
  }), { minItems: 1, maxItems: 1000, description: 'variables can be used to customize the Cluster through patches.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })),
}, { description: 'topology encapsulates the topology for the cluster.' });
export type ClusterTopology = Static<typeof ClusterTopology>;

export const ClusterSpec = Type.Object({
  paused: Type.Optional(Type.Boolean({ description: 'paused can be used to prevent controllers from processing the Cluster and all its associated objects.' })),
  clusterNetwork: Type.Optional(Type.Object({
    apiServerPort: Type.Optional(int32({ minimum: 1, maximum: 65535, description: 'apiServerPort specifies the port the API Server should bind to. Defaults to 6443.' })),
    services: Type.Optional(cidrBlocks('services is the network ranges from which service VIPs are allocated.')),
    pods: Type.Optional(cidrBlocks('pods is the network ranges from which Pod networks are allocated.')),
    serviceDomain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'serviceDomain is the domain name for services.' })),
  }, { minProperties: 1, description: 'clusterNetwork represents the cluster network configuration.' })),
  controlPlaneEndpoint: Type.Optional(APIEndpoint),
  controlPlaneRef: Type.Optional(contractVersionedObjectReference('controlPlaneRef is an optional reference to a provider-specific resource that holds the details for provisioning the Control Plane for a Cluster.')),
  infrastructureRef: Type.Optional(contractVersionedObjectReference('infrastructureRef is a reference to a provider-specific resource that holds the details for provisioning infrastructure for a cluster in said provider.')),
  topology: Type.Optional(ClusterTopology),
  availabilityGates: Type.Optional(conditionGates('availabilityGates specifies additional conditions to include when evaluating Cluster Available condition.')),
}, { minProperties: 1, description: 'spec is the desired state of Cluster.' });
export type ClusterSpec = Static<typeof ClusterSpec>;

/** Replica counts of one group of machines (control plane or workers). */
const machinesSummary = (description: string) => Type.Object({
  desiredReplicas: Type.Optional(int32({ description: 'desiredReplicas is the total number of desired machines.' })),
  replicas: Type.Optional(int32({ description: 'replicas is the total number of machines.' })),
  readyReplicas: Type.Optional(int32({ description: 'readyReplicas is the total number of machines with Ready condition true.' })),
  availableReplicas: Type.Optional(int32({ description: 'availableReplicas is the total number of machines with Available condition true.' })),
  upToDateReplicas: Type.Optional(int32({ description: 'upToDateReplicas is the total number of machines with UpToDate condition true.' })),
  versions: Type.Optional(Type.Array(StatusVersion, { minItems: 1, maxItems: 32, description: 'versions counts machines at each Kubernetes version.', 'x-kubernetes-list-type': 'atomic' })),
  upgradePlan: Type.Optional(Type.Array(Type.Object({ version: StatusVersion.properties.version }), { minItems: 1, maxItems: 32, description: 'upgradePlan lists the versions an ongoing upgrade goes through.', 'x-kubernetes-list-type': 'atomic' })),
}, { description });

export const ClusterPhase = stringEnum(['Pending', 'Provisioning', 'Provisioned', 'Deleting', 'Failed', 'Unknown'], { description: 'phase represents the current phase of cluster actuation.' });
export type ClusterPhase = Static<typeof ClusterPhase>;

export const ClusterStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of a Cluster’s current state (Available, InfrastructureReady, ControlPlaneInitialized, ControlPlaneAvailable, WorkersAvailable, …, Deleting, Paused).')),
  initialization: Type.Optional(Type.Object({
    infrastructureProvisioned: Type.Optional(Type.Boolean({ description: 'infrastructureProvisioned is true when the infrastructure provider reports provisioning is completed.' })),
    controlPlaneInitialized: Type.Optional(Type.Boolean({ description: 'controlPlaneInitialized is true when the control plane provider reports that the Kubernetes control plane is initialized.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the Cluster initialization process.' })),
  controlPlane: Type.Optional(machinesSummary('controlPlane groups all the observations about Cluster’s ControlPlane current state.')),
  workers: Type.Optional(machinesSummary('workers groups all the observations about Cluster’s Workers current state.')),
  failureDomains: Type.Optional(failureDomains('failureDomains is a slice of failure domain objects synced from the infrastructure provider.')),
  phase: Type.Optional(ClusterPhase),
  observedGeneration: observedGeneration(),
}, { minProperties: 1, description: 'status is the observed state of Cluster.' });
export type ClusterStatus = Static<typeof ClusterStatus>;

export const ClusterSchema = kubeObject('Cluster is the Schema for the clusters API.', ClusterSpec, ClusterStatus);
export type Cluster = Static<typeof ClusterSchema>;

export const clusterTypeMeta = { apiVersion, kind: 'Cluster' } as const;

const machinesColumns = (prefix: 'CP' | 'W', path: string, of: string) => [
  { name: `${prefix} Desired`, type: 'integer' as const, jsonPath: `${path}.desiredReplicas`, description: `The desired number of ${of} machines` },
  { name: `${prefix} Current`, type: 'integer' as const, jsonPath: `${path}.replicas`, description: `The number of ${of} machines`, priority: 10 },
  { name: `${prefix} Ready`, type: 'integer' as const, jsonPath: `${path}.readyReplicas`, description: `The number of ${of} machines with Ready condition true`, priority: 10 },
  { name: `${prefix} Available`, type: 'integer' as const, jsonPath: `${path}.availableReplicas`, description: `The number of ${of} machines with Available condition true` },
  { name: `${prefix} Up-to-date`, type: 'integer' as const, jsonPath: `${path}.upToDateReplicas`, description: `The number of ${of} machines with UpToDate condition true` },
];

export const clusterCRD = defineCRD({
  group,
  kind: 'Cluster',
  plural: 'clusters',
  shortNames: ['cl'],
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: coreCRDLabels,
  versions: [{
    name: version,
    schema: ClusterSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'ClusterClass', type: 'string', jsonPath: '.spec.topology.classRef.name', description: 'ClusterClass of this Cluster, empty if the Cluster is not using a ClusterClass' },
      { name: 'Available', type: 'string', jsonPath: conditionStatusPath('Available'), description: 'Cluster pass all availability checks' },
      ...machinesColumns('CP', '.status.controlPlane', 'control plane'),
      ...machinesColumns('W', '.status.workers', 'worker'),
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Cluster status such as Pending/Provisioning/Provisioned/Deleting/Failed' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of Cluster' },
      { name: 'Version', type: 'string', jsonPath: '.spec.topology.version', description: 'Kubernetes version associated with this Cluster' },
    ],
  }],
});
