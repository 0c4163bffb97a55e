// Machine: one host (VM, container, bare metal) that should become a Kubernetes node, backed by an
// infrastructure object and a bootstrap config (api/core/v1beta2/machine_types.go).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum } from '../../crd.ts';
import {
  apiVersion, conditionGates, conditions, conditionStatusPath, contractVersionedObjectReference, coreCRDLabels, dateTime, group, int32, int64,
  machineAddresses, observedGeneration, TemplateObjectMeta, version,
} from './common.ts';

const taintValuePattern = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
const taintKeyPattern = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$';

export const MachineTaint = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 317, pattern: taintKeyPattern, description: 'key is the taint key to be applied to a node.' }),
  value: Type.Optional(Type.String({ minLength: 1, maxLength: 63, pattern: taintValuePattern, description: 'value is the taint value corresponding to the taint key.' })),
  effect: stringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], { description: 'effect is the effect for the taint.' }),
  propagation: stringEnum(['Always', 'OnInitialization'], { description: 'propagation defines how this taint is propagated to nodes: Always keeps it in sync, OnInitialization sets it once.' }),
});
export type MachineTaint = Static<typeof MachineTaint>;

const timeoutSeconds = (description: string) => Type.Optional(int32({ minimum: 0, description }));

export const MachineSpec = Type.Object({
  clusterName: Type.String({ minLength: 1, maxLength: 63, description: 'clusterName is the name of the Cluster this object belongs to.' }),
  bootstrap: Type.Object({
    configRef: Type.Optional(contractVersionedObjectReference('configRef is a reference to a bootstrap provider-specific resource that holds configuration details.')),
    dataSecretName: Type.Optional(Type.String({ minLength: 0, maxLength: 253, description: 'dataSecretName is the name of the secret that stores the bootstrap data script; set by the bootstrap provider, or by hand when no configRef is used.' })),
  }, { description: 'bootstrap is a reference to a local struct which encapsulates fields to configure the Machine’s bootstrapping mechanism.' }),
  infrastructureRef: contractVersionedObjectReference('infrastructureRef is a required reference to a custom resource offered by an infrastructure provider.'),
  version: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'version defines the desired Kubernetes version.' })),
  providerID: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'providerID is the identification ID of the machine provided by the provider; it must match the Node’s spec.providerID.' })),
  failureDomain: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'failureDomain is the failure domain the machine will be created in.' })),
  minReadySeconds: Type.Optional(int32({ minimum: 0, description: 'minReadySeconds is the minimum number of seconds a Machine’s Ready condition must be true before it is considered available. Defaults to 0.' })),
  readinessGates: Type.Optional(conditionGates('readinessGates specifies additional conditions to include when evaluating Machine Ready condition.')),
  deletion: Type.Optional(Type.Object({
    nodeDrainTimeoutSeconds: timeoutSeconds('nodeDrainTimeoutSeconds is the total amount of time the controller spends draining a node; 0 or unset waits forever.'),
    nodeVolumeDetachTimeoutSeconds: timeoutSeconds('nodeVolumeDetachTimeoutSeconds is the total amount of time the controller waits for volumes to detach; 0 or unset waits forever.'),
    nodeDeletionTimeoutSeconds: timeoutSeconds('nodeDeletionTimeoutSeconds is how long the controller retries deleting the Node once the Machine is deleted. Defaults to 10 seconds.'),
  }, { minProperties: 1, description: 'deletion contains configuration options for Machine deletion.' })),
  taints: Type.Optional(Type.Array(MachineTaint, { minItems: 1, maxItems: 64, description: 'taints are the node taints that Cluster API manages.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['key', 'effect'] })),
}, { description: 'spec is the desired state of Machine.' });
export type MachineSpec = Static<typeof MachineSpec>;

/** What MachineSets and MachineDeployments stamp Machines from. */
export const MachineTemplateSpec = Type.Object({
  metadata: Type.Optional(TemplateObjectMeta),
  spec: MachineSpec,
}, { description: 'template is the object that describes the machine that will be created if insufficient replicas are detected.' });
export type MachineTemplateSpec = Static<typeof MachineTemplateSpec>;

export const MachinePhase = stringEnum(['Pending', 'Provisioning', 'Provisioned', 'Running', 'Updating', 'Deleting', 'Deleted', 'Failed', 'Unknown'], {
  description: 'phase represents the current phase of machine actuation.',
});
export type MachinePhase = Static<typeof MachinePhase>;

const nodeInfoField = (description: string) => Type.String({ description });

export const MachineStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of a Machine’s current state (Available, Ready, UpToDate, BootstrapConfigReady, InfrastructureReady, NodeHealthy, Deleting, Paused, …).')),
  initialization: Type.Optional(Type.Object({
    infrastructureProvisioned: Type.Optional(Type.Boolean({ description: 'infrastructureProvisioned is true when the infrastructure provider reports provisioning is completed.' })),
    bootstrapDataSecretCreated: Type.Optional(Type.Boolean({ description: 'bootstrapDataSecretCreated is true when the bootstrap provider reports the data secret is created.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the Machine initialization process.' })),
  nodeRef: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', description: 'name of the node.' }),
  }, { description: 'nodeRef will point to the corresponding Node if it exists.' })),
  nodeInfo: Type.Optional(Type.Object({
    machineID: nodeInfoField('MachineID reported by the node.'),
    systemUUID: nodeInfoField('SystemUUID reported by the node.'),
    bootID: nodeInfoField('Boot ID reported by the node.'),
    kernelVersion: nodeInfoField('Kernel Version reported by the node.'),
    osImage: nodeInfoField('OS Image reported by the node.'),
    containerRuntimeVersion: nodeInfoField('ContainerRuntime Version reported by the node.'),
    kubeletVersion: nodeInfoField('Kubelet Version reported by the node.'),
    kubeProxyVersion: nodeInfoField('Deprecated: KubeProxy Version reported by the node.'),
    operatingSystem: nodeInfoField('The Operating System reported by the node.'),
    architecture: nodeInfoField('The Architecture reported by the node.'),
    swap: Type.Optional(Type.Object({ capacity: Type.Optional(int64({ description: 'Total amount of swap memory in bytes.' })) }, { description: 'Swap Info reported by the node.' })),
  }, { description: 'nodeInfo is a set of ids/uuids to uniquely identify the node.' })),
  lastUpdated: Type.Optional(dateTime('lastUpdated identifies when the phase of the Machine last transitioned.')),
  addresses: Type.Optional(machineAddresses('addresses is a list of addresses assigned to the machine, copied from the infrastructure provider.')),
  failureDomain: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'failureDomain is the failure domain where the Machine has been scheduled.' })),
  phase: Type.Optional(MachinePhase),
  certificatesExpiryDate: Type.Optional(dateTime('certificatesExpiryDate is the expiry date of the machine certificates.')),
  observedGeneration: observedGeneration(),
  deletion: Type.Optional(Type.Object({
    nodeDrainStartTime: Type.Optional(dateTime('nodeDrainStartTime is the time when the drain of the node started.')),
    waitForNodeVolumeDetachStartTime: Type.Optional(dateTime('waitForNodeVolumeDetachStartTime is the time when waiting for volume detachment started.')),
    waitForPreDrainHookStartTime: Type.Optional(dateTime('waitForPreDrainHookStartTime is the time when waiting for pre-drain hooks started.')),
    waitForPreTerminateHookStartTime: Type.Optional(dateTime('waitForPreTerminateHookStartTime is the time when waiting for pre-terminate hooks started.')),
  }, { description: 'deletion contains information relating to removal of the Machine; only present while it is being deleted.' })),
}, { minProperties: 1, description: 'status is the observed state of Machine.' });
export type MachineStatus = Static<typeof MachineStatus>;

export const MachineSchema = kubeObject('Machine is the Schema for the machines API.', MachineSpec, MachineStatus);
export type Machine = Static<typeof MachineSchema>;

export const machineTypeMeta = { apiVersion, kind: 'Machine' } as const;

export const machineCRD = defineCRD({
  group,
  kind: 'Machine',
  plural: 'machines',
  shortNames: ['ma'],
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: coreCRDLabels,
  versions: [{
    name: version,
    schema: MachineSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
      { name: 'Node Name', type: 'string', jsonPath: '.status.nodeRef.name', description: 'Node name associated with this machine' },
      { name: 'Provider ID', type: 'string', jsonPath: '.spec.providerID', description: 'Provider ID', priority: 10 },
      { name: 'Failure domain', type: 'string', jsonPath: '.status.failureDomain', description: 'The failure domain where the Machine has been scheduled' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'Machine pass all readiness checks' },
      { name: 'Available', type: 'string', jsonPath: conditionStatusPath('Available'), description: 'Machine is Ready for at least MinReadySeconds' },
      { name: 'Up-to-date', type: 'string', jsonPath: conditionStatusPath('UpToDate'), description: "Machine spec matches the spec of the Machine's owner resource, e.g. MachineDeployment" },
      { name: 'Internal-IP', type: 'string', jsonPath: '.status.addresses[?(@.type=="InternalIP")].address', description: 'Internal IP of the machine', priority: 10 },
      { name: 'External-IP', type: 'string', jsonPath: '.status.addresses[?(@.type=="ExternalIP")].address', description: 'External IP of the machine', priority: 10 },
      { name: 'OS-Image', type: 'string', jsonPath: '.status.nodeInfo.osImage', description: 'OS Image reported by the node', priority: 10 },
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Machine status such as Terminating/Pending/Running/Failed etc' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of Machine' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'Kubernetes version associated with this Machine' },
    ],
  }],
});
