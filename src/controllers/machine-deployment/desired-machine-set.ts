// The MachineSets a MachineDeployment wants (Cluster API v1beta2 computeDesiredMS): a new MachineSet carries the
// MachineDeployment's template, a machine-template-hash label ("<hash>-<suffix>") added to its labels, selector
// and template labels, and the MachineDeployment as controlling owner; every MachineSet (new or old) gets the
// fields propagated in place — labels and annotations of the template, deletion order, machine naming,
// minReadySeconds, readinessGates, taints and deletion timeouts — and the bookkeeping annotations
// (desired-replicas, max-replicas, revision, disable-machine-create).
import type { MachineDeployment } from '../../api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { clusterNameLabel, machineDeploymentNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { randomSuffix } from '../machine-set/machine-naming.ts';
import { mapPatch, ownedMetadataKeys } from '../machine-set/machine-sync.ts';
import type { MachineDeploymentView } from './deployment-view.ts';
import { desiredMachineSetAnnotations } from './machine-set-annotations.ts';
import { newMachineSetName } from './new-machine-set.ts';
import { MACHINE_TEMPLATE_HASH_LABEL, machineTemplateHashLabelValue } from './template-hash.ts';

/** The field manager the MachineDeployment controller writes MachineSets with (Cluster API's name). */
export const MACHINE_DEPLOYMENT_MANAGER = 'capi-machinedeployment';

function machineSetLabels(md: MachineDeployment, hashValue: string): Record<string, string> {
  return { ...md.spec.template.metadata?.labels, [MACHINE_TEMPLATE_HASH_LABEL]: hashValue, [machineDeploymentNameLabel]: md.metadata.name!, [clusterNameLabel]: md.spec.clusterName };
}

function templateLabels(md: MachineDeployment, hashValue: string): Record<string, string> {
  return { ...md.spec.template.metadata?.labels, [MACHINE_TEMPLATE_HASH_LABEL]: hashValue };
}

/** In-place fields of spec.template.spec, copied from the MachineDeployment. */
function inPlaceTemplateSpec(md: MachineDeployment) {
  const spec = md.spec.template.spec;
  return {
    minReadySeconds: spec.minReadySeconds,
    readinessGates: spec.readinessGates,
    taints: spec.taints,
    deletion: {
      nodeDrainTimeoutSeconds: spec.deletion?.nodeDrainTimeoutSeconds,
      nodeVolumeDetachTimeoutSeconds: spec.deletion?.nodeVolumeDetachTimeoutSeconds,
      nodeDeletionTimeoutSeconds: spec.deletion?.nodeDeletionTimeoutSeconds,
    },
  };
}

/** A brand-new MachineSet for the MachineDeployment's current template. */
export function newMachineSet(md: MachineDeployment, view: MachineDeploymentView, replicas: number, revision: string): MachineSet {
  const suffix = randomSuffix();
  const hashValue = machineTemplateHashLabelValue(view.template, suffix);
  return {
    apiVersion: md.apiVersion,
    kind: 'MachineSet',
    metadata: {
      name: newMachineSetName(md.metadata.name!, suffix),
      namespace: md.metadata.namespace,
      labels: machineSetLabels(md, hashValue),
      annotations: desiredMachineSetAnnotations(view, undefined, { current: true, revision }),
      ownerReferences: [{ apiVersion: md.apiVersion, kind: 'MachineDeployment', name: md.metadata.name!, uid: md.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      clusterName: md.spec.clusterName,
      replicas,
      selector: { ...md.spec.selector, matchLabels: { ...md.spec.selector.matchLabels, [MACHINE_TEMPLATE_HASH_LABEL]: hashValue } },
      template: {
        metadata: { labels: templateLabels(md, hashValue), ...(md.spec.template.metadata?.annotations ? { annotations: { ...md.spec.template.metadata.annotations } } : {}) },
        spec: structuredClone(md.spec.template.spec),
      },
      ...(md.spec.machineNaming ? { machineNaming: md.spec.machineNaming } : {}),
      ...(md.spec.deletion?.order ? { deletion: { order: md.spec.deletion.order } } : {}),
    },
  };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A deletion-timeouts patch; `null` for the whole object when no timeout is left (an empty object is invalid). */
function deletionPatch(patch: Record<string, number | null>, desired: Record<string, number | undefined>): Record<string, number | null> | null {
  return Object.values(desired).every((value) => value === undefined) ? null : patch;
}

/** `desired` exactly, as a merge patch over `current` (keys not desired are removed). */
function exactMapPatch(current: Record<string, string> | undefined, desired: Record<string, string>): Record<string, string | null> | undefined {
  return mapPatch(current, desired, Object.keys(current ?? {}));
}

/**
 * The merge patch bringing an existing MachineSet to what the MachineDeployment wants (replicas, in-place fields,
 * annotations for its role), or undefined when it already is. Labels and annotations others put on the
 * MachineSet stay; the template's metadata is the MachineDeployment's alone.
 */
export function machineSetPatch(
  md: MachineDeployment, view: MachineDeploymentView, ms: MachineSet, replicas: number,
  role: { current: true; revision: string } | { current: false },
): Record<string, unknown> | undefined {
  const hashValue = ms.metadata.labels?.[MACHINE_TEMPLATE_HASH_LABEL] ?? ms.spec.selector.matchLabels?.[MACHINE_TEMPLATE_HASH_LABEL];
  if (!hashValue) throw new Error(`MachineSet ${ms.metadata.namespace}/${ms.metadata.name} has no ${MACHINE_TEMPLATE_HASH_LABEL} label`);
  const metadata: Record<string, unknown> = {};
  const labels = mapPatch(ms.metadata.labels, machineSetLabels(md, hashValue), ownedMetadataKeys(ms, MACHINE_DEPLOYMENT_MANAGER, 'labels'));
  if (labels) metadata.labels = labels;
  const annotations = mapPatch(ms.metadata.annotations, desiredMachineSetAnnotations(view, { annotations: ms.metadata.annotations }, role), ownedMetadataKeys(ms, MACHINE_DEPLOYMENT_MANAGER, 'annotations'));
  if (annotations) metadata.annotations = annotations;

  const spec: Record<string, unknown> = {};
  if ((ms.spec.replicas ?? 1) !== replicas || ms.spec.replicas === undefined) spec.replicas = replicas;
  if (!sameJson(ms.spec.machineNaming, md.spec.machineNaming)) spec.machineNaming = md.spec.machineNaming ?? null;
  if (!sameJson(ms.spec.deletion?.order, md.spec.deletion?.order)) spec.deletion = md.spec.deletion?.order ? { order: md.spec.deletion.order } : null;
  const template: Record<string, unknown> = {};
  const templateMeta: Record<string, unknown> = {};
  const tLabels = exactMapPatch(ms.spec.template.metadata?.labels, templateLabels(md, hashValue));
  if (tLabels) templateMeta.labels = tLabels;
  const tAnnotations = exactMapPatch(ms.spec.template.metadata?.annotations, md.spec.template.metadata?.annotations ?? {});
  if (tAnnotations) templateMeta.annotations = tAnnotations;
  if (Object.keys(templateMeta).length > 0) template.metadata = templateMeta;
  const templateSpec: Record<string, unknown> = {};
  const inPlace = inPlaceTemplateSpec(md);
  const current = ms.spec.template.spec;
  for (const field of ['minReadySeconds', 'readinessGates', 'taints'] as const) {
    if (!sameJson(current[field], inPlace[field])) templateSpec[field] = inPlace[field] ?? null;
  }
  const deletion: Record<string, number | null> = {};
  for (const [field, value] of Object.entries(inPlace.deletion) as [keyof typeof inPlace.deletion, number | undefined][]) {
    if (current.deletion?.[field] !== value) deletion[field] = value ?? null;
  }
  if (Object.keys(deletion).length > 0) templateSpec.deletion = deletionPatch(deletion, inPlace.deletion);
  if (Object.keys(templateSpec).length > 0) template.spec = templateSpec;
  if (Object.keys(template).length > 0) spec.template = template;

  if (Object.keys(metadata).length === 0 && Object.keys(spec).length === 0) return undefined;
  return { metadata: { ...metadata, resourceVersion: ms.metadata.resourceVersion }, ...(Object.keys(spec).length > 0 ? { spec } : {}) };
}
