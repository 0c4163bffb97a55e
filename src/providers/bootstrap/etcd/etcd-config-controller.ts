// The EtcdConfig controller: turns an EtcdConfig owned by a Machine into that Machine's bootstrap
// data (the BootstrapConfig contract of Cluster API v1beta2), once the member's place in the cluster
// is known (spec.initialClusterState, set by the control plane after it added the member, or by hand
// for a static cluster). It finds or creates the cluster's etcd CA and client certificate Secrets,
// issues the member's server and peer certificates, and stores the cloud-config in a Secret named
// after the EtcdConfig, which it owns. Bootstrap data is written once: a later spec change does not
// rewrite what a machine may already have run (as Cluster API's bootstrap providers).
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, OwnerReference } from '../../../api/meta.ts';
import { splitApiVersion } from '../../../api/meta.ts';
import type { Cluster } from '../../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { group as coreGroup } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { clusterNameLabel, clusterSecretType, machineCertificatesExpiryDateAnnotation } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { EtcdConfigConditionType as ConditionType, EtcdConfigReason as Reason, type EtcdConfig, type EtcdConfigStatus } from '../../../api/bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import { group, version } from '../../../api/bootstrap.cluster.x-k8s.io/v1alpha1/common.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { objectKey } from '../../../client/informer.ts';
import { isAlreadyExists, type ResourceRef } from '../../../client/rest-client.ts';
import { secretsResource } from '../../../client/resources.ts';
import { clusterSpecOrLifecycleChanged, clustersResource, machinesResource, objectsOfCluster } from '../../../controllers/cluster/resources.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import { setConditions, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { getExternal, ownerReferenceTo } from '../../../controllers/provider-contract/external.ts';
import { CertificateError } from '../../../pki/inspection.ts';
import { ensureEtcdCertificateAuthority, ensureEtcdClientCertificate } from '../../cluster-certificates.ts';
import { renderCloudConfig } from '../cloud-config.ts';
import { issueMemberCertificates } from './member-certificates.ts';
import { memberPeerURL, memberSettingsProblems, type MemberSettings } from './member-configuration.ts';
import { memberCloudConfig } from './member-bootstrap-data.ts';

export const etcdConfigsResource: ResourceRef = { group, version, plural: 'etcdconfigs', namespaced: true, kind: 'EtcdConfig' };

type EtcdConfigObject = EtcdConfig & KubeObject;

export function etcdConfigController(): ControllerDefinition {
  return defineController({
    name: 'etcdconfig',
    for: etcdConfigsResource,
    // A deleted data Secret is noticed (and its EtcdConfig reports it).
    owns: [secretsResource],
    // Issuing certificates takes a few milliseconds of CPU each; a handful at once keeps a scale-up moving.
    concurrency: 4,
    reconcile: reconcileEtcdConfig,
  });
}

/** The Machine controlling the config, from the shared cache (matched by uid: a re-created namesake is not it). */
function owningMachine(ctx: ManagerContext, config: KubeObject): Machine | undefined {
  const ref = config.metadata.ownerReferences?.find((r) => r.kind === 'Machine' && splitApiVersion(r.apiVersion).group === coreGroup);
  if (!ref) return undefined;
  const machine = ctx.informer<Machine & KubeObject>(machinesResource).getByName(config.metadata.namespace, ref.name);
  return machine?.metadata.uid === ref.uid ? machine : undefined;
}

/** An outcome: the DataSecretAvailable state, and what else to do. */
interface Outcome {
  dataSecret: ConditionState;
  certificates?: ConditionState;
  requeueAfter?: number;
}

const waiting = (reason: string, message: string, requeueAfter?: number): Outcome => ({
  dataSecret: { type: ConditionType.DataSecretAvailable, status: 'False', reason, message },
  ...(requeueAfter ? { requeueAfter } : {}),
});

async function reconcileEtcdConfig(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  const configs = ctx.informer<EtcdConfigObject>(etcdConfigsResource);
  // A Cluster's pause (or its un-pause) concerns all its members' configs.
  ctx.watchResource(clustersResource, (c) => objectsOfCluster(configs, objectKey(c)).map((o) => objectKey(o)), clusterSpecOrLifecycleChanged);
  await Promise.all([configs, ctx.informer(machinesResource), ctx.informer(clustersResource), ctx.informer(secretsResource)].map((i) => i.waitForSync(ctx.signal)));
  const config = configs.get(key);
  if (!config || config.metadata.deletionTimestamp) return;

  const machine = owningMachine(ctx, config);
  const cluster = machine ? ctx.informer<Cluster & KubeObject>(clustersResource).getByName(config.metadata.namespace, machine.spec.clusterName) : undefined;
  const paused = pausedCondition(config, cluster);
  if (paused.status === 'True') {
    await writeStatus(ctx, config, { ...config.status }, [paused]);
    return;
  }
  const dataSecretName = config.status?.initialization?.dataSecretCreated ? config.status.dataSecretName : undefined;
  if (dataSecretName) {
    // Never re-created: the machine may have run it already. A deleted one is reported.
    const present = ctx.informer(secretsResource).getByName(config.metadata.namespace, dataSecretName) !== undefined;
    const dataSecret: ConditionState = present
      ? { type: ConditionType.DataSecretAvailable, status: 'True', reason: Reason.DataSecretAvailable }
      : { type: ConditionType.DataSecretAvailable, status: 'False', reason: Reason.DataSecretNotAvailable, message: `Secret ${dataSecretName} was deleted` };
    await writeStatus(ctx, config, { ...config.status }, [paused, ...readyStates(dataSecret)]);
    return;
  }

  const outcome = !machine ? waiting(Reason.WaitingForMachine, 'Waiting for a Machine to own this EtcdConfig')
    : !cluster ? waiting(Reason.WaitingForCluster, `Waiting for Cluster ${machine.spec.clusterName}`)
      : await produceBootstrapData(ctx, config, machine, cluster);
  if (outcome.dataSecret.status === 'True') return;
  await writeStatus(ctx, config, { ...config.status }, [paused, ...(outcome.certificates ? [outcome.certificates] : []), ...readyStates(outcome.dataSecret)]);
  return outcome.requeueAfter ? { requeueAfter: outcome.requeueAfter } : undefined;
}

/** DataSecretAvailable and the Ready summary that mirrors it (what the Machine shows as BootstrapConfigReady). */
function readyStates(dataSecret: ConditionState): ConditionState[] {
  const ready: ConditionState = dataSecret.status === 'True'
    ? { type: ConditionType.Ready, status: 'True', reason: Reason.Ready }
    : { type: ConditionType.Ready, status: 'False', reason: Reason.NotReady, message: dataSecret.message };
  return [dataSecret, ready];
}

async function writeStatus(ctx: ManagerContext, config: EtcdConfigObject, status: EtcdConfigStatus, states: ConditionState[]): Promise<EtcdConfigObject> {
  const generation = config.metadata.generation;
  const next: EtcdConfigStatus = { ...status, conditions: setConditions(status.conditions ?? [], states, generation) as Condition[], ...(generation ? { observedGeneration: generation } : {}) };
  if (isDeepStrictEqual(next, config.status)) return config;
  return ctx.client.updateStatus<EtcdConfigObject>(etcdConfigsResource, { ...config, status: next });
}

/** The owner of the cluster's certificate Secrets: its control plane when it has one (as Cluster API), else the Cluster. */
async function certificateOwner(ctx: ManagerContext, cluster: Cluster & KubeObject): Promise<OwnerReference | undefined> {
  const ref = cluster.spec.controlPlaneRef;
  if (!ref) return ownerReferenceTo(cluster);
  const controlPlane = await getExternal(ctx, ref, cluster.metadata.namespace!);
  return controlPlane ? ownerReferenceTo(controlPlane, { controller: true }) : undefined;
}

async function produceBootstrapData(ctx: ManagerContext, config: EtcdConfigObject, machine: Machine & KubeObject, cluster: Cluster & KubeObject): Promise<Outcome> {
  const namespace = config.metadata.namespace!;
  const spec = config.spec ?? {};
  const problems = memberSettingsProblems({ extraArgs: spec.etcd?.extraArgs, cipherSuites: spec.etcd?.cipherSuites });
  if (spec.initialClusterState === 'existing' && !spec.initialCluster?.some((m) => m.name !== machine.metadata.name)) {
    problems.push('initialClusterState existing needs the other members in initialCluster');
  }
  if (problems.length > 0) {
    const message = problems.join('; ');
    ctx.recorder.event(config, 'Warning', Reason.InvalidConfiguration, message);
    return waiting(Reason.InvalidConfiguration, message);
  }
  if (!spec.initialClusterState) {
    return waiting(Reason.WaitingForMembership, 'Waiting for the control plane to add the member to etcd (spec.initialClusterState)');
  }
  const owner = await certificateOwner(ctx, cluster);
  if (!owner) return waiting(Reason.WaitingForControlPlane, `Waiting for ${cluster.spec.controlPlaneRef!.kind} ${cluster.spec.controlPlaneRef!.name}`, 5_000);

  const clusterIdentity = { namespace, name: cluster.metadata.name! };
  let ca;
  try {
    ca = await ensureEtcdCertificateAuthority(ctx.client, clusterIdentity, owner);
    await ensureEtcdClientCertificate(ctx.client, clusterIdentity, ca, owner);
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    ctx.recorder.event(config, 'Warning', Reason.CertificatesInternalError, error.message);
    // The CA Secret is not ours to watch (a user may have made it): look again after a while.
    return {
      ...waiting(Reason.DataSecretNotAvailable, 'Waiting for usable etcd certificates', 30_000),
      certificates: { type: ConditionType.CertificatesAvailable, status: 'False', reason: Reason.CertificatesInternalError, message: error.message },
    };
  }

  const name = machine.metadata.name!;
  const settings: MemberSettings = {
    name,
    clusterToken: cluster.metadata.uid!,
    initialClusterState: spec.initialClusterState,
    initialCluster: [
      ...(spec.initialCluster ?? []).filter((m) => m.name !== name).map((m) => ({ name: m.name, peerURL: m.peerURL ?? memberPeerURL(m.name) })),
      { name, peerURL: memberPeerURL(name) },
    ],
    version: spec.version,
    extraArgs: spec.etcd?.extraArgs,
    cipherSuites: spec.etcd?.cipherSuites,
  };
  const certificates = await issueMemberCertificates(ca, { name, addresses: machine.status?.addresses, validityDays: spec.certificateValidityDays });
  const cloudConfig = renderCloudConfig(memberCloudConfig({
    settings, caCert: ca.cert, server: certificates.server, peer: certificates.peer,
    users: spec.users, preEtcdCommands: spec.preEtcdCommands, postEtcdCommands: spec.postEtcdCommands,
  }));
  const secretName = config.metadata.name!;
  const mine = await storeDataSecret(ctx, config, secretName, cluster.metadata.name!, cloudConfig);
  if (!mine) {
    const message = `Secret ${namespace}/${secretName} exists and does not belong to this EtcdConfig`;
    ctx.recorder.event(config, 'Warning', Reason.DataSecretNotAvailable, message);
    return waiting(Reason.DataSecretNotAvailable, message);
  }

  // The certificates' expiry, where Cluster API's Machine controller reads it for Machine.status.certificatesExpiryDate.
  const expiry = certificates.notAfter.toISOString().replace(/\.\d+Z$/, 'Z');
  let updated = config;
  if (config.metadata.annotations?.[machineCertificatesExpiryDateAnnotation] === undefined) {
    updated = await ctx.client.update<EtcdConfigObject>(etcdConfigsResource, {
      ...config, metadata: { ...config.metadata, annotations: { ...config.metadata.annotations, [machineCertificatesExpiryDateAnnotation]: expiry } },
    });
  }
  await writeStatus(ctx, updated, { ...updated.status, initialization: { dataSecretCreated: true }, dataSecretName: secretName }, [
    pausedCondition(updated, cluster),
    { type: ConditionType.CertificatesAvailable, status: 'True', reason: Reason.CertificatesAvailable },
    ...readyStates({ type: ConditionType.DataSecretAvailable, status: 'True', reason: Reason.DataSecretAvailable }),
  ]);
  ctx.recorder.event(config, 'Normal', 'DataSecretCreated', `Bootstrap data for etcd member ${name} (${settings.initialClusterState}) in Secret ${secretName}`);
  return { dataSecret: { type: ConditionType.DataSecretAvailable, status: 'True', reason: Reason.DataSecretAvailable } };
}

/**
 * Creates the bootstrap data Secret, controlled by the config. One that already exists is taken as
 * ours when the config controls it (a reconcile that crashed before writing the status made it):
 * its content stays, as a machine may have read it. Returns false when someone else's Secret has the name.
 */
async function storeDataSecret(ctx: ManagerContext, config: EtcdConfigObject, name: string, clusterName: string, value: string): Promise<boolean> {
  const secret = {
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name, namespace: config.metadata.namespace, labels: { [clusterNameLabel]: clusterName }, ownerReferences: [ownerReferenceTo(config, { controller: true })] },
    type: clusterSecretType,
    data: { value: Buffer.from(value).toString('base64'), format: Buffer.from('cloud-config').toString('base64') },
  };
  try {
    await ctx.client.create(secretsResource, secret);
    return true;
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = await ctx.client.get(secretsResource, name, config.metadata.namespace);
  return existing.metadata.ownerReferences?.some((r) => r.uid === config.metadata.uid && r.controller === true) === true;
}
