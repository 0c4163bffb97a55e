// Building blocks shared by the cluster.x-k8s.io/v1beta2 kinds, with Cluster API's field names,
// JSON tags and validation bounds (api/core/v1beta2/common_types.go and friends).

import Type, { type Static } from 'typebox';
import { stringEnum, stringMap } from '../../crd.ts';

export const group = 'cluster.x-k8s.io';
export const version = 'v1beta2';
export const apiVersion = `${group}/${version}`;

/** Labels every core CRD carries in Cluster API's release manifests. */
export const coreCRDLabels = { 'cluster.x-k8s.io/provider': 'cluster-api' };

export const dnsSubdomainPattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const kindPattern = '^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$';
/** A qualified name such as `example.com/MyCondition`, as metav1.Condition types are validated. */
export const qualifiedNamePattern = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';

export const int32 = (options: { description?: string; minimum?: number; maximum?: number } = {}) => Type.Integer({ format: 'int32', ...options });
export const int64 = (options: { description?: string; minimum?: number } = {}) => Type.Integer({ format: 'int64', ...options });
export const dateTime = (description: string) => Type.String({ format: 'date-time', description });

/** Cluster API's reference to a provider object: group (not apiVersion) so the contract, not a version, decides which version is read. */
export const ContractVersionedObjectReference = Type.Object({
  kind: Type.String({ minLength: 1, maxLength: 63, pattern: kindPattern, description: 'kind of the resource being referenced.' }),
  name: Type.String({ minLength: 1, maxLength: 253, pattern: dnsSubdomainPattern, description: 'name of the resource being referenced.' }),
  apiGroup: Type.String({ minLength: 1, maxLength: 253, pattern: dnsSubdomainPattern, description: 'apiGroup is the group of the resource being referenced; its version comes from the cluster.x-k8s.io/<contract> label on the CRD.' }),
});
export type ContractVersionedObjectReference = Static<typeof ContractVersionedObjectReference>;

export const contractVersionedObjectReference = (description: string) => Type.Object(ContractVersionedObjectReference.properties, { description });

/** The labels and annotations subset of ObjectMeta that templates carry. */
export const TemplateObjectMeta = Type.Object({
  labels: Type.Optional(stringMap({ description: 'Map of string keys and values that can be used to organize and categorize objects.' })),
  annotations: Type.Optional(stringMap({ description: 'Unstructured key value map stored with a resource.' })),
}, { minProperties: 1, description: 'metadata is the standard object metadata subset a template propagates.' });
export type TemplateObjectMeta = Static<typeof TemplateObjectMeta>;

/** metav1.Condition with the bounds Cluster API's CRDs publish. */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316, pattern: qualifiedNamePattern, description: 'type of condition in CamelCase or in foo.example.com/CamelCase.' }),
  status: stringEnum(['True', 'False', 'Unknown'], { description: 'status of the condition, one of True, False, Unknown.' }),
  observedGeneration: Type.Optional(int64({ minimum: 0, description: 'observedGeneration is the .metadata.generation the condition was set based upon.' })),
  lastTransitionTime: dateTime('lastTransitionTime is the last time the condition transitioned from one status to another.'),
  reason: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$', description: "reason contains a programmatic identifier indicating the reason for the condition's last transition." }),
  message: Type.String({ maxLength: 32768, description: 'message is a human readable message indicating details about the transition.' }),
});
export type Condition = Static<typeof Condition>;

export const conditions = (description: string) =>
  Type.Array(Condition, { maxItems: 32, description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

export const ConditionPolarity = stringEnum(['Positive', 'Negative'], { description: 'polarity of the condition: Positive when True means good, Negative when True means bad.' });

/** Extra conditions, beyond Cluster API's own, that must be true for an object to be considered ready or available. */
export const conditionGates = (description: string) => Type.Array(Type.Object({
  conditionType: Type.String({ minLength: 1, maxLength: 316, pattern: qualifiedNamePattern, description: 'conditionType refers to a condition with matching type in the object status.conditions.' }),
  polarity: Type.Optional(ConditionPolarity),
}), { minItems: 1, maxItems: 32, description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['conditionType'] });

export const MachineAddressType = stringEnum(['Hostname', 'ExternalIP', 'InternalIP', 'ExternalDNS', 'InternalDNS'], { description: 'type of the address.' });

export const MachineAddress = Type.Object({
  type: MachineAddressType,
  address: Type.String({ minLength: 1, maxLength: 256, description: 'address is the machine address.' }),
});
export type MachineAddress = Static<typeof MachineAddress>;

export const machineAddresses = (description: string) => Type.Array(MachineAddress, { maxItems: 256, description, 'x-kubernetes-list-type': 'atomic' });

export const FailureDomain = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, description: 'name is the name of the failure domain.' }),
  controlPlane: Type.Optional(Type.Boolean({ description: 'controlPlane determines if this failure domain is suitable for use by control plane machines.' })),
  attributes: Type.Optional(stringMap({ description: 'attributes is a free form map of attributes an infrastructure provider might use or require.' })),
});
export type FailureDomain = Static<typeof FailureDomain>;

export const failureDomains = (description: string) =>
  Type.Array(FailureDomain, { minItems: 1, maxItems: 100, description, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });

const labelSelectorFields = {
  matchLabels: Type.Optional(stringMap({ description: 'matchLabels is a map of {key,value} pairs; each is ANDed with the others and with matchExpressions.' })),
  matchExpressions: Type.Optional(Type.Array(Type.Object({
    key: Type.String({ description: 'key is the label key that the selector applies to.' }),
    operator: Type.String({ description: "operator represents a key's relationship to a set of values: In, NotIn, Exists and DoesNotExist." }),
    values: Type.Optional(Type.Array(Type.String(), { description: 'values is an array of string values; empty for Exists and DoesNotExist.', 'x-kubernetes-list-type': 'atomic' })),
  }), { description: 'matchExpressions is a list of label selector requirements, ANDed.', 'x-kubernetes-list-type': 'atomic' })),
};

/** metav1.LabelSelector. */
export const LabelSelector = Type.Object(labelSelectorFields, { description: 'selector is a label query over machines.', 'x-kubernetes-map-type': 'atomic' });
export type LabelSelector = Static<typeof LabelSelector>;

/**
 * The selector of a MachineSet or MachineDeployment, which may be left out: it is then stored empty, and the
 * object's controller sets it (and the template's labels) to the set-name or deployment-name label, as Cluster
 * API's defaulting webhooks do. An empty selector is never acted on: the controllers fill it in first.
 */
export const DefaultedLabelSelector = Type.Object(labelSelectorFields, {
  description: 'selector is a label query over machines; when it selects nothing in particular (absent or empty), it is set to the name label of this object (cluster.x-k8s.io/deployment-name or cluster.x-k8s.io/set-name), which is added to the template labels too.',
  'x-kubernetes-map-type': 'atomic',
  default: {},
});

/** How many machines run each Kubernetes version (status.versions / upgrade summaries). */
export const StatusVersion = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 256, description: 'version of the Kubernetes components.' }),
  replicas: Type.Optional(int32({ minimum: 1, description: 'replicas is the number of machines at this version.' })),
});
export type StatusVersion = Static<typeof StatusVersion>;

/** Shared by MachineSet and MachineDeployment: the name template for the Machines they create. */
export const MachineNaming = Type.Object({
  template: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'template for generating Machine names; supports {{ .machineSet.name }} and {{ .random }}.' })),
}, { minProperties: 1, description: 'machineNaming allows changing the naming pattern used when creating Machines.' });

export const MachineSetDeletionOrder = stringEnum(['Random', 'Newest', 'Oldest'], { description: 'order defines the order in which Machines are deleted when downscaling. Defaults to "Random".' });
export type MachineSetDeletionOrder = Static<typeof MachineSetDeletionOrder>;

/** Replica counters MachineSet and MachineDeployment status share. */
export const replicaCounters = {
  selector: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'selector is the same as the label selector but in the string format, for the scale subresource.' })),
  replicas: Type.Optional(int32({ description: 'replicas is the most recently observed number of replicas.' })),
  readyReplicas: Type.Optional(int32({ description: 'readyReplicas is the number of machines with the Ready condition true.' })),
  availableReplicas: Type.Optional(int32({ description: 'availableReplicas is the number of machines with the Available condition true.' })),
  upToDateReplicas: Type.Optional(int32({ description: 'upToDateReplicas is the number of machines with the UpToDate condition true.' })),
  versions: Type.Optional(Type.Array(StatusVersion, { minItems: 1, maxItems: 100, description: 'versions counts the machines at each Kubernetes version.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['version'] })),
};

export const observedGeneration = () => Type.Optional(int64({ minimum: 1, description: 'observedGeneration is the latest generation observed by the controller.' }));

/** The printer-column JSONPath of a condition's status. */
export const conditionStatusPath = (type: string) => `.status.conditions[?(@.type=="${type}")].status`;
