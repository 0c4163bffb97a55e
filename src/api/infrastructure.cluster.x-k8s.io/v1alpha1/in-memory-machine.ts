// InMemoryMachine: a simulated machine of the in-memory provider (a declared simulation, as Cluster
// API's in-memory backend is): no host exists, provisioning is a timer and failures are injected on
// request. Follows the InfraMachine contract of Cluster API v1beta2 (contracts/infra-machine.md): the
// core Machine controller reads spec.providerID, status.initialization.provisioned, status.addresses
// and status.failureDomain.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import { conditions, conditionStatusPath, machineAddresses } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { apiVersion, clusterLabelColumn, duration, fraction, group, inMemoryCRDLabels, version } from './common.ts';

export const InMemoryMachineSimulation = Type.Object({
  provisioningDelay: Type.Optional(duration('provisioningDelay is how long provisioning the machine takes, e.g. "2s". Unset provisions at once.')),
  jitter: Type.Optional(fraction('jitter adds a random extra delay of up to jitter × provisioningDelay, e.g. "0.2".')),
  failures: Type.Optional(Type.Object({
    failToProvision: Type.Optional(Type.Boolean({ description: 'failToProvision makes provisioning fail once the delay has passed.' })),
    becomeUnhealthyAfter: Type.Optional(duration('becomeUnhealthyAfter makes the machine report itself unhealthy this long after it was provisioned.')),
  }, { description: 'failures injects failures, to exercise remediation.' })),
}, { description: 'simulation shapes how the simulated machine behaves.' });
export type InMemoryMachineSimulation = Static<typeof InMemoryMachineSimulation>;

export const InMemoryMachineSpec = Type.Object({
  providerID: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'providerID is the identifier of the simulated machine, set by the provider once it exists; Cluster API copies it to Machine spec.providerID.' })),
  simulation: Type.Optional(InMemoryMachineSimulation),
}, { description: 'spec is the desired state of InMemoryMachine.' });
export type InMemoryMachineSpec = Static<typeof InMemoryMachineSpec>;

export const InMemoryMachineStatus = Type.Object({
  initialization: Type.Optional(Type.Object({
    provisioned: Type.Optional(Type.Boolean({ description: 'provisioned is true when the machine is provisioned; Cluster API reads it into Machine status.initialization.infrastructureProvisioned.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the InMemoryMachine initialization process.' })),
  addresses: Type.Optional(machineAddresses('addresses contains the simulated addresses of the machine.')),
  failureDomain: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'failureDomain is the failure domain the machine was placed in (the owning Machine’s spec.failureDomain).' })),
  conditions: Type.Optional(conditions('conditions represents the observations of an InMemoryMachine’s current state (Ready, Provisioned, Paused).')),
  node: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 253, description: 'name of the simulated node.' }),
    conditions: Type.Optional(conditions('conditions of the simulated node (Ready), as a kubelet would report them.')),
  }, { description: 'node is the simulated Kubernetes node this machine runs (Slipway’s contract extension: the Machine controller reads it as the nodeRef and NodeHealthy, health checks read its conditions).' })),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' })),
}, { description: 'status is the observed state of InMemoryMachine.' });
export type InMemoryMachineStatus = Static<typeof InMemoryMachineStatus>;

export const InMemoryMachineSchema = kubeObject('InMemoryMachine is a simulated machine.', InMemoryMachineSpec, InMemoryMachineStatus);
export type InMemoryMachine = Static<typeof InMemoryMachineSchema>;

export const inMemoryMachineTypeMeta = { apiVersion, kind: 'InMemoryMachine' } as const;

/** Conditions and reasons the in-memory provider reports on its machines, besides the shared Ready/Paused. */
export const InMemoryMachineConditionType = { Provisioned: 'Provisioned', Healthy: 'Healthy' } as const;
export const InMemoryMachineReason = {
  WaitingForProvisioningDelay: 'WaitingForProvisioningDelay',
  SimulatedProvisioningFailure: 'SimulatedProvisioningFailure',
  SimulatedUnhealthy: 'SimulatedUnhealthy',
} as const;

export const inMemoryMachineCRD = defineCRD({
  group,
  kind: 'InMemoryMachine',
  plural: 'inmemorymachines',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: inMemoryCRDLabels,
  versions: [{
    name: version,
    schema: InMemoryMachineSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      clusterLabelColumn,
      { name: 'Machine', type: 'string', jsonPath: '.metadata.ownerReferences[?(@.kind=="Machine")].name', description: 'Machine object which owns this InMemoryMachine' },
      { name: 'Provider ID', type: 'string', jsonPath: '.spec.providerID', description: 'Provider ID', priority: 10 },
      { name: 'Failure domain', type: 'string', jsonPath: '.status.failureDomain', description: 'The failure domain the machine was placed in' },
      { name: 'IP', type: 'string', jsonPath: '.status.addresses[?(@.type=="InternalIP")].address', description: 'IP of the machine', priority: 10 },
      { name: 'Provisioned', type: 'string', jsonPath: '.status.initialization.provisioned', description: 'InMemoryMachine is provisioned' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'InMemoryMachine is ready' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the InMemoryMachine' },
    ],
  }],
});
