// The Machine a MachineSet wants: its template's labels (plus the set-name and deployment-name labels),
// annotations, spec and the MachineSet as controlling owner; for an existing Machine, the fields propagated in
// place (labels, annotations, readinessGates, minReadySeconds, taints, deletion timeouts) — everything else a
// Machine keeps from its creation, since changing it needs a new Machine (a rollout).
import type { Machine, MachineSpec } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { machineDeploymentNameLabel, machineFinalizer, machineSetNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { OwnerReference } from '../../api/meta.ts';
import type { ProviderReference } from '../provider-contract/external.ts';
import { nameLabelValue } from './name-label-value.ts';

/** The field manager the MachineSet controller writes Machines with (Cluster API's name). */
export const MACHINE_SET_MANAGER = 'capi-machineset';

export function machineSetOwnerReference(ms: MachineSet, controller: boolean): OwnerReference {
  return { apiVersion: ms.apiVersion, kind: 'MachineSet', name: ms.metadata.name!, uid: ms.metadata.uid!, ...(controller ? { controller: true, blockOwnerDeletion: true } : {}) };
}

export function machineLabels(ms: MachineSet): Record<string, string> {
  const labels: Record<string, string> = { ...ms.spec.template.metadata?.labels, [machineSetNameLabel]: nameLabelValue(ms.metadata.name!) };
  const deployment = ms.metadata.labels?.[machineDeploymentNameLabel];
  if (deployment !== undefined) labels[machineDeploymentNameLabel] = deployment;
  return labels;
}

export function machineAnnotations(ms: MachineSet): Record<string, string> {
  return { ...ms.spec.template.metadata?.annotations };
}

/** The spec fields propagated to existing Machines; undefined means "remove". */
export function inPlaceSpecFields(ms: MachineSet): Pick<MachineSpec, 'readinessGates' | 'minReadySeconds' | 'taints'> & { deletion: NonNullable<MachineSpec['deletion']> } {
  const spec = ms.spec.template.spec;
  return {
    readinessGates: spec.readinessGates,
    minReadySeconds: spec.minReadySeconds,
    taints: spec.taints,
    deletion: {
      nodeDrainTimeoutSeconds: spec.deletion?.nodeDrainTimeoutSeconds,
      nodeVolumeDetachTimeoutSeconds: spec.deletion?.nodeVolumeDetachTimeoutSeconds,
      nodeDeletionTimeoutSeconds: spec.deletion?.nodeDeletionTimeoutSeconds,
    },
  };
}

/** A new Machine named `name`, pointing at its freshly cloned infrastructure machine and bootstrap config. */
export function newMachine(ms: MachineSet, name: string, refs: { infrastructureRef: ProviderReference; configRef?: ProviderReference }): Machine {
  const { configRef: _templateConfigRef, ...bootstrap } = ms.spec.template.spec.bootstrap;
  return {
    apiVersion: ms.apiVersion,
    kind: 'Machine',
    metadata: {
      name,
      namespace: ms.metadata.namespace,
      labels: machineLabels(ms),
      annotations: machineAnnotations(ms),
      // The controlling MachineSet reference tells the Machine controller this is not a stand-alone Machine.
      ownerReferences: [machineSetOwnerReference(ms, true)],
      finalizers: [machineFinalizer],
    },
    spec: {
      ...structuredClone(ms.spec.template.spec),
      clusterName: ms.spec.clusterName,
      bootstrap: { ...bootstrap, ...(refs.configRef ? { configRef: refs.configRef } : {}) },
      infrastructureRef: refs.infrastructureRef,
    },
  };
}
