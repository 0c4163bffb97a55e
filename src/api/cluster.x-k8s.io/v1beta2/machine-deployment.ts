// MachineDeployment: declarative rollouts of Machines through MachineSets, like a Deployment does
// for Pods (api/core/v1beta2/machinedeployment_types.go).

import Type, { type Static } from 'typebox';
import { defineCRD, intOrString, kubeObject, stringEnum } from '../../crd.ts';
import {
  apiVersion, conditions, conditionStatusPath, coreCRDLabels, dateTime, group, int32, DefaultedLabelSelector, MachineNaming,
  MachineSetDeletionOrder, observedGeneration, replicaCounters, version,
} from './common.ts';
import { MachineTemplateSpec } from './machine.ts';
import { replicasScaleSubresource } from './machine-set.ts';

export const MachineDeploymentRolloutStrategyType = stringEnum(['RollingUpdate', 'OnDelete'], {
  description: 'type of rollout: RollingUpdate replaces old machines with new ones; OnDelete waits for old machines to be deleted by hand. Defaults to RollingUpdate.',
});
export type MachineDeploymentRolloutStrategyType = Static<typeof MachineDeploymentRolloutStrategyType>;

export const MachineDeploymentSpec = Type.Object({
  clusterName: Type.String({ minLength: 1, maxLength: 63, description: 'clusterName is the name of the Cluster this object belongs to.' }),
  // Cluster API leaves negative values to its webhooks; Slipway rejects them in the schema itself.
  replicas: Type.Optional(int32({ minimum: 0, description: 'replicas is the number of desired machines. Defaults to 1, or to the autoscaler min size annotation when present.' })),
  rollout: Type.Optional(Type.Object({
    after: Type.Optional(dateTime('after is a field to indicate a rollout should be performed after the specified time even if no changes have been made.')),
    strategy: Type.Optional(Type.Object({
      type: MachineDeploymentRolloutStrategyType,
      rollingUpdate: Type.Optional(Type.Object({
        maxUnavailable: Type.Optional(intOrString({ description: 'maxUnavailable is the maximum number (or percentage, rounded down) of machines that can be unavailable during the update. Defaults to 0.' })),
        maxSurge: Type.Optional(intOrString({ description: 'maxSurge is the maximum number (or percentage, rounded up) of machines that can be scheduled above the desired number. Defaults to 1.' })),
      }, { minProperties: 1, description: 'rollingUpdate is the rolling update config params; present only if type is RollingUpdate.' })),
    }, { minProperties: 1, description: 'strategy specifies how existing Machines are replaced by new ones.' })),
  }, { minProperties: 1, description: 'rollout allows you to configure the behaviour of rolling updates to the MachineDeployment Machines.' })),
  selector: DefaultedLabelSelector,
  template: MachineTemplateSpec,
  machineNaming: Type.Optional(MachineNaming),
  remediation: Type.Optional(Type.Object({
    maxInFlight: Type.Optional(intOrString({ description: 'maxInFlight determines how many in flight remediations should happen at the same time (number or percentage).' })),
  }, { minProperties: 1, description: 'remediation controls how unhealthy Machines are remediated.' })),
  deletion: Type.Optional(Type.Object({ order: Type.Optional(MachineSetDeletionOrder) }, { minProperties: 1, description: 'deletion contains configuration options for MachineDeployment deletion.' })),
  paused: Type.Optional(Type.Boolean({ description: 'paused indicates that the deployment is paused.' })),
}, { description: 'spec is the desired state of MachineDeployment.' });
export type MachineDeploymentSpec = Static<typeof MachineDeploymentSpec>;

export const MachineDeploymentPhase = stringEnum(['ScalingUp', 'ScalingDown', 'Running', 'Failed', 'Unknown'], { description: 'phase represents the current phase of a MachineDeployment.' });
export type MachineDeploymentPhase = Static<typeof MachineDeploymentPhase>;

export const MachineDeploymentStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of a MachineDeployment’s current state (Available, MachinesReady, MachinesUpToDate, RollingOut, ScalingUp, ScalingDown, Remediating, Deleting, Paused).')),
  observedGeneration: observedGeneration(),
  ...replicaCounters,
  phase: Type.Optional(MachineDeploymentPhase),
}, { minProperties: 1, description: 'status is the observed state of MachineDeployment.' });
export type MachineDeploymentStatus = Static<typeof MachineDeploymentStatus>;

export const MachineDeploymentSchema = kubeObject('MachineDeployment is the Schema for the machinedeployments API.', MachineDeploymentSpec, MachineDeploymentStatus);
export type MachineDeployment = Static<typeof MachineDeploymentSchema>;

export const machineDeploymentTypeMeta = { apiVersion, kind: 'MachineDeployment' } as const;

export const machineDeploymentCRD = defineCRD({
  group,
  kind: 'MachineDeployment',
  plural: 'machinedeployments',
  shortNames: ['md'],
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: coreCRDLabels,
  versions: [{
    name: version,
    schema: MachineDeploymentSchema,
    storage: true,
    subresources: { status: true, scale: replicasScaleSubresource },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
      { name: 'Available', type: 'string', jsonPath: conditionStatusPath('Available'), description: 'Cluster pass all availability checks' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'The desired number of machines' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'The number of machines' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'The number of machines with Ready condition true' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'The number of machines with Available condition true' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.upToDateReplicas', description: 'The number of machines with UpToDate condition true' },
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'MachineDeployment status such as ScalingUp/ScalingDown/Running/Failed/Unknown' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of MachineDeployment' },
      { name: 'Version', type: 'string', jsonPath: '.spec.template.spec.version', description: 'Kubernetes version associated with this MachineDeployment' },
    ],
  }],
});
