// MachineHealthCheck: declares when Machines selected by labels are unhealthy, and how many may be
// remediated at once (api/core/v1beta2/machinehealthcheck_types.go).

import Type, { type Static } from 'typebox';
import { defineCRD, intOrString, kubeObject, stringEnum } from '../../crd.ts';
import {
  apiVersion, conditions, conditionStatusPath, coreCRDLabels, dnsSubdomainPattern, group, int32, kindPattern, LabelSelector,
  observedGeneration, qualifiedNamePattern, version,
} from './common.ts';

/** Conditions Cluster API itself derives from health checking; checking them would be circular. */
export const reservedMachineConditionTypes = ['Ready', 'Available', 'HealthCheckSucceeded', 'OwnerRemediated', 'ExternallyRemediated'];

const timeoutSeconds = (description: string) => int32({ minimum: 0, description });

export const UnhealthyNodeCondition = Type.Object({
  type: Type.String({ minLength: 1, description: 'type of Node condition.' }),
  status: Type.String({ minLength: 1, description: 'status of the condition, one of True, False, Unknown.' }),
  timeoutSeconds: timeoutSeconds('timeoutSeconds is the duration a node must be in a given status for, after which the node is considered unhealthy.'),
});
export type UnhealthyNodeCondition = Static<typeof UnhealthyNodeCondition>;

export const UnhealthyMachineCondition = Type.Object({
  type: Type.String({
    minLength: 1, maxLength: 316, pattern: qualifiedNamePattern, description: 'type of Machine condition.',
    'x-kubernetes-validations': [{
      rule: `!(self in [${reservedMachineConditionTypes.map((t) => `'${t}'`).join(',')}])`,
      message: `type must not be one of: ${reservedMachineConditionTypes.join(', ')}`,
    }],
  }),
  status: stringEnum(['True', 'False', 'Unknown'], { description: 'status of the condition, one of True, False, Unknown.' }),
  timeoutSeconds: timeoutSeconds('timeoutSeconds is the duration a machine must be in a given status for, after which the machine is considered unhealthy.'),
});
export type UnhealthyMachineCondition = Static<typeof UnhealthyMachineCondition>;

export const MachineHealthCheckChecks = Type.Object({
  nodeStartupTimeoutSeconds: Type.Optional(timeoutSeconds('nodeStartupTimeoutSeconds allows to set the maximum time for MachineHealthCheck to consider a Machine unhealthy if a corresponding Node isn’t associated through a Spec.ProviderID field. Defaults to 10 minutes; 0 disables the check.')),
  unhealthyNodeConditions: Type.Optional(Type.Array(UnhealthyNodeCondition, { minItems: 1, maxItems: 100, description: 'unhealthyNodeConditions contains a list of conditions that determine whether a node is considered unhealthy; ORed.', 'x-kubernetes-list-type': 'atomic' })),
  unhealthyMachineConditions: Type.Optional(Type.Array(UnhealthyMachineCondition, { minItems: 1, maxItems: 100, description: 'unhealthyMachineConditions contains a list of the machine conditions that determine whether a machine is considered unhealthy; ORed.', 'x-kubernetes-list-type': 'atomic' })),
}, { minProperties: 1, description: 'checks are the checks that are used to evaluate if a Machine is healthy.' });
export type MachineHealthCheckChecks = Static<typeof MachineHealthCheckChecks>;

export const MachineHealthCheckRemediation = Type.Object({
  triggerIf: Type.Optional(Type.Object({
    unhealthyLessThanOrEqualTo: Type.Optional(intOrString({ description: 'unhealthyLessThanOrEqualTo specifies that remediation is only triggered while the number (or percentage) of unhealthy machines is at most this value.' })),
    unhealthyInRange: Type.Optional(Type.String({ minLength: 1, maxLength: 32, pattern: '^\\[[0-9]+-[0-9]+\\]$', description: 'unhealthyInRange specifies that remediation is only triggered while the number of unhealthy machines is within this range, e.g. "[3-5]".' })),
  }, { minProperties: 1, description: 'triggerIf configures if remediations are triggered.' })),
  templateRef: Type.Optional(Type.Object({
    kind: Type.String({ minLength: 1, maxLength: 63, pattern: kindPattern, description: 'kind of the remediation template.' }),
    name: Type.String({ minLength: 1, maxLength: 253, pattern: dnsSubdomainPattern, description: 'name of the remediation template.' }),
    apiVersion: Type.String({ minLength: 1, maxLength: 317, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[a-z]([-a-z0-9]*[a-z0-9])?$', description: 'apiVersion of the remediation template.' }),
  }, { description: 'templateRef is a reference to a remediation template provided by an infrastructure provider; without it the owner (e.g. MachineSet) remediates.' })),
}, { minProperties: 1, description: 'remediation configures if and how remediations are triggered if a Machine is unhealthy.' });
export type MachineHealthCheckRemediation = Static<typeof MachineHealthCheckRemediation>;

export const MachineHealthCheckSpec = Type.Object({
  clusterName: Type.String({ minLength: 1, maxLength: 63, description: 'clusterName is the name of the Cluster this object belongs to.' }),
  selector: LabelSelector,
  checks: Type.Optional(MachineHealthCheckChecks),
  remediation: Type.Optional(MachineHealthCheckRemediation),
}, { description: 'spec is the specification of machine health check policy.' });
export type MachineHealthCheckSpec = Static<typeof MachineHealthCheckSpec>;

export const MachineHealthCheckStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of a MachineHealthCheck’s current state (RemediationAllowed, Paused).')),
  expectedMachines: Type.Optional(int32({ minimum: 0, description: 'expectedMachines is the total number of machines counted by this machine health check.' })),
  currentHealthy: Type.Optional(int32({ minimum: 0, description: 'currentHealthy is the total number of healthy machines counted by this machine health check.' })),
  remediationsAllowed: Type.Optional(int32({ minimum: 0, description: 'remediationsAllowed is the number of further remediations allowed by this machine health check before maxUnhealthy short circuiting will be applied.' })),
  observedGeneration: observedGeneration(),
  targets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 10000, description: 'targets shows the current list of machines the machine health check is watching.', 'x-kubernetes-list-type': 'atomic' })),
}, { minProperties: 1, description: 'status is the most recently observed status of MachineHealthCheck resource.' });
export type MachineHealthCheckStatus = Static<typeof MachineHealthCheckStatus>;

export const MachineHealthCheckSchema = kubeObject('MachineHealthCheck is the Schema for the machinehealthchecks API.', MachineHealthCheckSpec, MachineHealthCheckStatus);
export type MachineHealthCheck = Static<typeof MachineHealthCheckSchema>;

export const machineHealthCheckTypeMeta = { apiVersion, kind: 'MachineHealthCheck' } as const;

export const machineHealthCheckCRD = defineCRD({
  group,
  kind: 'MachineHealthCheck',
  plural: 'machinehealthchecks',
  shortNames: ['mhc', 'mhcs'],
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: coreCRDLabels,
  versions: [{
    name: version,
    schema: MachineHealthCheckSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.expectedMachines', description: 'Number of machines currently monitored' },
      { name: 'Healthy', type: 'integer', jsonPath: '.status.currentHealthy', description: 'Current observed healthy machines' },
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of MachineHealthCheck' },
    ],
  }],
});
