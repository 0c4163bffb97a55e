// The Machines of an EtcdCluster's members, made as Cluster API's KubeadmControlPlane makes its own:
// an infrastructure machine cloned from spec.machineTemplate.spec.infrastructureRef and a bootstrap
// config (EtcdConfig from spec.etcdConfigSpec), both named like the Machine and owned by the
// EtcdCluster, then the Machine (controlled by the EtcdCluster, labelled with the cluster and
// cluster.x-k8s.io/control-plane) — which the Machine controller then makes their owner.
import { randomInt } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../api/meta.ts';
import { group as coreGroup, version as coreVersion } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { MachineConditionType } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { clusterNameLabel, machineControlPlaneLabel, machineControlPlaneNameLabel, templateClonedFromNameAnnotation } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { apiVersion as bootstrapApiVersion, group as bootstrapGroup } from '../../../api/bootstrap.cluster.x-k8s.io/v1alpha1/common.ts';
import { etcdConfigSharedProperties, type EtcdConfig } from '../../../api/bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import type { EtcdCluster } from '../../../api/controlplane.cluster.x-k8s.io/v1alpha1/etcd-cluster.ts';
import type { ManagerContext } from '../../../client/controller.ts';
import { isNotFound } from '../../../client/rest-client.ts';
import { machinesResource } from '../../../controllers/cluster/resources.ts';
import { findCondition } from '../../../controllers/provider-contract/conditions.ts';
import { cloneFromTemplate, deleteExternal, ownerReferenceTo, type ProviderReference } from '../../../controllers/provider-contract/external.ts';
import { etcdConfigsResource } from '../../bootstrap/etcd/etcd-config-controller.ts';
import type { MemberMachine } from './next-step.ts';
import { etcdVersionAnnotation, memberRemovalHook } from './resources.ts';

export type EtcdClusterObject = EtcdCluster & KubeObject;
export type MachineObject = Machine & KubeObject;
export type EtcdConfigObject = EtcdConfig & KubeObject;

/** The labels of every member Machine, and the selector that finds them (status.selector). */
export function memberLabels(etcdCluster: EtcdClusterObject, clusterName: string): Record<string, string> {
  return { [clusterNameLabel]: clusterName, [machineControlPlaneLabel]: '', [machineControlPlaneNameLabel]: etcdCluster.metadata.name! };
}

export const memberSelector = (labels: Record<string, string>) => Object.entries(labels).map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join(',');

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
/** `<etcd cluster>-<5 characters>`, as KubeadmControlPlane names its Machines; members take the name (a DNS label, as etcd's URLs need). */
const memberName = (etcdCluster: EtcdClusterObject) =>
  `${etcdCluster.metadata.name!.slice(0, 56)}-${Array.from({ length: 5 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('')}`;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why a rollout replaces this Machine (empty while it is up to date), as KubeadmControlPlane's rollout
 * rules go: it was made with another etcd version, from another template or with other member settings
 * than `spec.etcdConfigSpec` (compared with its EtcdConfig, when that is known), before
 * `rollout.after`, or its certificates (status.certificatesExpiryDate, which the Machine controller
 * reads from its EtcdConfig) expire within `rollout.before.certificatesExpiryDays`.
 */
export function outdatedReasons(etcdCluster: EtcdClusterObject, machine: MachineObject, config: EtcdConfigObject | undefined, now = Date.now()): string[] {
  const reasons: string[] = [];
  const template = etcdCluster.spec.machineTemplate.spec.infrastructureRef;
  const version = machine.metadata.annotations?.[etcdVersionAnnotation];
  if (version !== etcdCluster.spec.version) reasons.push(`it runs etcd ${version ?? '(unknown)'}, not ${etcdCluster.spec.version}`);
  const clonedFrom = machine.metadata.annotations?.[templateClonedFromNameAnnotation];
  if (machine.spec.infrastructureRef.kind !== template.kind.replace(/Template$/, '') || clonedFrom !== template.name) {
    reasons.push(`it was made from ${template.kind} ${clonedFrom ?? '(unknown)'}, not ${template.name}`);
  }
  const sharedFields = Object.keys(etcdConfigSharedProperties) as (keyof typeof etcdConfigSharedProperties)[];
  const changed = config ? sharedFields.filter((field) => !isDeepStrictEqual(config.spec[field], etcdCluster.spec.etcdConfigSpec?.[field])) : [];
  if (changed.length > 0) reasons.push(`its EtcdConfig differs from spec.etcdConfigSpec in ${changed.join(', ')}`);
  const after = etcdCluster.spec.rollout?.after;
  if (after && Date.parse(after) <= now && Date.parse(machine.metadata.creationTimestamp ?? '') < Date.parse(after)) reasons.push(`it was created before rollout.after (${after})`);
  const days = etcdCluster.spec.rollout?.before?.certificatesExpiryDays;
  const expiry = machine.status?.certificatesExpiryDate;
  if (days !== undefined && expiry !== undefined && Date.parse(expiry) <= now + days * DAY_MS) {
    reasons.push(`its certificates expire on ${expiry}, within rollout.before.certificatesExpiryDays (${days})`);
  }
  return reasons;
}

/** The planner's view of a Machine (`outdated`: its outdatedReasons). */
export function memberMachine(machine: MachineObject, outdated: string[]): MemberMachine {
  const unhealthy = findCondition(machine, MachineConditionType.HealthCheckSucceeded)?.status === 'False';
  return {
    name: machine.metadata.name!,
    ...(machine.spec.failureDomain ? { failureDomain: machine.spec.failureDomain } : {}),
    creationTimestamp: machine.metadata.creationTimestamp ?? '',
    upToDate: outdated.length === 0,
    deleting: Boolean(machine.metadata.deletionTimestamp),
    needsRemediation: unhealthy && findCondition(machine, MachineConditionType.OwnerRemediated)?.status === 'False',
  };
}

/** The member's address as its infrastructure reports it (InternalIP first). */
export function machineAddress(machine: MachineObject): string | undefined {
  const addresses = machine.status?.addresses ?? [];
  return (addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP'))?.address;
}

export interface NewMember {
  clusterName: string;
  failureDomain?: string;
  /** The first member: starts a new cluster. Others wait for the control plane to add them. */
  initialize: boolean;
}

/** Creates a member Machine with its infrastructure machine and EtcdConfig; clones of a failed attempt are deleted. */
export async function createMemberMachine(ctx: ManagerContext, etcdCluster: EtcdClusterObject, member: NewMember): Promise<string> {
  const namespace = etcdCluster.metadata.namespace!;
  const name = memberName(etcdCluster);
  const owner = ownerReferenceTo(etcdCluster, { controller: true });
  const labels = { ...etcdCluster.spec.machineTemplate.metadata?.labels, ...memberLabels(etcdCluster, member.clusterName) };
  const annotations = { ...etcdCluster.spec.machineTemplate.metadata?.annotations };
  const created: ProviderReference[] = [];
  try {
    const infrastructureRef = await cloneFromTemplate(ctx, {
      templateRef: etcdCluster.spec.machineTemplate.spec.infrastructureRef, namespace, clusterName: member.clusterName, name, owner, labels, annotations,
    });
    created.push(infrastructureRef);
    const config: EtcdConfigObject = {
      apiVersion: bootstrapApiVersion, kind: 'EtcdConfig',
      metadata: { name, namespace, labels, ownerReferences: [owner] },
      spec: { ...structuredClone(etcdCluster.spec.etcdConfigSpec ?? {}), version: etcdCluster.spec.version, ...(member.initialize ? { initialClusterState: 'new' as const } : {}) },
    };
    await ctx.client.create(etcdConfigsResource, config);
    created.push({ apiGroup: bootstrapGroup, kind: 'EtcdConfig', name });
    const machine: MachineObject = {
      apiVersion: `${coreGroup}/${coreVersion}`, kind: 'Machine',
      metadata: {
        name, namespace, labels, ownerReferences: [owner],
        annotations: { ...annotations, [etcdVersionAnnotation]: etcdCluster.spec.version, [templateClonedFromNameAnnotation]: etcdCluster.spec.machineTemplate.spec.infrastructureRef.name, [memberRemovalHook]: '' },
      },
      spec: {
        clusterName: member.clusterName,
        bootstrap: { configRef: { apiGroup: bootstrapGroup, kind: 'EtcdConfig', name } },
        infrastructureRef,
        ...(member.failureDomain ? { failureDomain: member.failureDomain } : {}),
      },
    };
    await ctx.client.create(machinesResource, machine);
  } catch (error) {
    await Promise.all(created.map((ref) => deleteExternal(ctx, ref, namespace).catch(() => undefined)));
    throw error;
  }
  return name;
}

/** Tells a member's EtcdConfig to join the running cluster (after the control plane added it): its bootstrap data is made then. */
export async function letMemberJoin(ctx: ManagerContext, config: EtcdConfigObject, others: string[]): Promise<void> {
  if (config.spec.initialClusterState) return;
  await ctx.client.patch(etcdConfigsResource, config.metadata.name!, {
    spec: { initialClusterState: 'existing', initialCluster: others.map((name) => ({ name })) },
  }, { type: 'merge', namespace: config.metadata.namespace });
}

/** Deletes a member Machine (its hook keeps the infrastructure until the member is out of etcd). */
export async function deleteMemberMachine(ctx: ManagerContext, machine: MachineObject): Promise<void> {
  await ctx.client.delete(machinesResource, machine.metadata.name!, { namespace: machine.metadata.namespace, preconditions: { uid: machine.metadata.uid } }).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

/** Lets a deleted member Machine go on: its member is out of etcd (or never was in it). */
export async function releaseMemberMachine(ctx: ManagerContext, machine: MachineObject): Promise<void> {
  if (!(memberRemovalHook in (machine.metadata.annotations ?? {}))) return;
  await ctx.client.patch(machinesResource, machine.metadata.name!, { metadata: { annotations: { [memberRemovalHook]: null } } }, { type: 'merge', namespace: machine.metadata.namespace });
}
