// MachineSet: keeps a number of identical Machines running, like a ReplicaSet does for Pods
// (api/core/v1beta2/machineset_types.go).

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject } from '../../crd.ts';
import {
  apiVersion, conditions, conditionStatusPath, coreCRDLabels, group, int32, DefaultedLabelSelector, MachineNaming, MachineSetDeletionOrder,
  observedGeneration, replicaCounters, version,
} from './common.ts';
import { MachineTemplateSpec } from './machine.ts';

export const MachineSetSpec = Type.Object({
  clusterName: Type.String({ minLength: 1, maxLength: 63, description: 'clusterName is the name of the Cluster this object belongs to.' }),
  // Cluster API leaves negative values to its webhooks; Slipway rejects them in the schema itself.
  replicas: Type.Optional(int32({ minimum: 0, description: 'replicas is the number of desired replicas. Defaults to 1, or to the autoscaler min size annotation when present.' })),
  selector: DefaultedLabelSelector,
  template: MachineTemplateSpec,
  machineNaming: Type.Optional(MachineNaming),
  deletion: Type.Optional(Type.Object({ order: Type.Optional(MachineSetDeletionOrder) }, { minProperties: 1, description: 'deletion contains configuration options for MachineSet deletion.' })),
}, { description: 'spec is the desired state of MachineSet.' });
export type MachineSetSpec = Static<typeof MachineSetSpec>;

export const MachineSetStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of a MachineSet’s current state (MachinesReady, MachinesUpToDate, ScalingUp, ScalingDown, Remediating, Deleting, Paused).')),
  ...replicaCounters,
  observedGeneration: observedGeneration(),
}, { minProperties: 1, description: 'status is the observed state of MachineSet.' });
export type MachineSetStatus = Static<typeof MachineSetStatus>;

export const MachineSetSchema = kubeObject('MachineSet is the Schema for the machinesets API.', MachineSetSpec, MachineSetStatus);
export type MachineSet = Static<typeof MachineSetSchema>;

export const machineSetTypeMeta = { apiVersion, kind: 'MachineSet' } as const;

/** The scale subresource of both MachineSet and MachineDeployment. */
export const replicasScaleSubresource = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };

export const machineSetCRD = defineCRD({
  group,
  kind: 'MachineSet',
  plural: 'machinesets',
  shortNames: ['ms'],
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: coreCRDLabels,
  versions: [{
    name: version,
    schema: MachineSetSchema,
    storage: true,
    subresources: { status: true, scale: replicasScaleSubresource },
    printerColumns: [
      { name: 'Cluster', type: 'string', jsonPath: '.spec.clusterName', description: 'Cluster' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'The desired number of machines' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'The number of machines' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'The number of machines with Ready condition true' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'The number of machines with Available condition true' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.upToDateReplicas', description: 'The number of machines with UpToDate condition true' },
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of MachineSet' },
      { name: 'Version', type: 'string', jsonPath: '.spec.template.spec.version', description: 'Kubernetes version associated with this MachineSet' },
    ],
  }],
});
