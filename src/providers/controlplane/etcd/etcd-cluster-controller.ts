// The EtcdCluster controller: the control plane of a Cluster whose control plane is an etcd cluster,
// one member per Machine. Each reconcile looks at the member Machines and at etcd itself (through
// the member client, at the Machines' addresses), lets the planner (next-step.ts) choose the one next
// step, takes it, and reports the contract's status plus etcd's view (members, leader, alarms).
//
// Steps are small and re-planned from what is seen, so a crash between two resumes where it
// stopped: a member added to etcd whose EtcdConfig was not yet told to join is told on the next
// reconcile; a deleted Machine is held by its pre-terminate hook until its member is out of etcd.
//
// The Cluster's spec.controlPlaneEndpoint is not set: an etcd cluster has no single endpoint (no
// load balancer in front of it); its users take status.endpoints, every member's client URL.
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../../api/meta.ts';
import { splitApiVersion } from '../../../api/meta.ts';
import type { Cluster } from '../../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { group as coreGroup } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import { clusterNameLabel } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { DEFAULT_ETCD_CLUSTER_SIZE, type EtcdClusterStatus } from '../../../api/controlplane.cluster.x-k8s.io/v1alpha1/etcd-cluster.ts';
import { group as controlPlaneGroup } from '../../../api/controlplane.cluster.x-k8s.io/v1alpha1/common.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { secretsResource } from '../../../client/resources.ts';
import { clusterSpecOrLifecycleChanged, clustersResource, machinesResource } from '../../../controllers/cluster/resources.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import { findCondition, isConditionTrue, setConditions, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { CertificatePurpose, certificateSecretName, keyPairFromSecret, type CertificateSecret } from '../../../pki/cluster-certificates.ts';
import { etcdConfigsResource } from '../../bootstrap/etcd/etcd-config-controller.ts';
import { memberClientURL, memberPeerURL } from '../../bootstrap/etcd/member-configuration.ts';
import { hasFinalizer, releaseFinalizer, withFinalizer } from '../../infrastructure/lifecycle.ts';
import { EtcdError, EtcdUnreachableError, type EtcdClientCredentials, type EtcdMemberClient } from './member-client.ts';
import {
  createMemberMachine, deleteMemberMachine, letMemberJoin, machineAddress, memberLabels, memberMachine, memberSelector, outdatedReasons, releaseMemberMachine,
  type EtcdClusterObject, type EtcdConfigObject, type MachineObject,
} from './member-machines.ts';
import { memberClient, observeMembers, type MemberObservation } from './member-observation.ts';
import { machineOfMember, nextStep, type EtcdClusterView, type Step } from './next-step.ts';
import { hasQuorum } from './quorum.ts';
import { etcdClusterFinalizer, etcdClustersResource, memberRemovalHook } from './resources.ts';

export const EtcdClusterConditionType = { EtcdClusterHealthy: 'EtcdClusterHealthy' } as const;

/** After a change, look again soon: the next step usually follows at once. */
const AFTER_CHANGE_MS = 250;
/** While waiting for etcd (a learner catching up, a member starting). */
const WAITING_MS = 1_000;
/**
 * The same while a member Machine is new: a learner is promoted, and the next one added, the moment
 * etcd allows (within seconds), not up to a second later each time. Only for a while, so a machine
 * that never comes up is not polled that often for long.
 */
const NEW_MEMBER_WAITING_MS = 250;
const NEW_MEMBER_FOR_MS = 60_000;
/** A settled cluster is looked at this often, so member health and alarms stay current. */
const SETTLED_MS = 10_000;

/** The EtcdCluster a Cluster names as its control plane. */
const controlPlaneOf = (obj: KubeObject): string[] => {
  const ref = (obj as Cluster).spec?.controlPlaneRef;
  return ref?.apiGroup === controlPlaneGroup && ref.kind === 'EtcdCluster' ? [`${obj.metadata.namespace}/${ref.name}`] : [];
};

/** Clusters matter to their control plane when their spec or lifecycle changes, or their infrastructure becomes provisioned. */
const clusterMatters = (old: KubeObject, obj: KubeObject) => clusterSpecOrLifecycleChanged(old, obj)
  || !isDeepStrictEqual((old as Cluster).status?.initialization, (obj as Cluster).status?.initialization)
  || !isDeepStrictEqual((old as Cluster).status?.failureDomains, (obj as Cluster).status?.failureDomains);

export function etcdClusterController(): ControllerDefinition {
  return defineController({
    name: 'etcdcluster',
    for: etcdClustersResource,
    owns: [machinesResource],
    watches: [{ resource: clustersResource, mapFn: controlPlaneOf, updateMatters: clusterMatters }],
    reconcile: reconcileEtcdCluster,
  });
}

/** The Cluster owning the EtcdCluster (Cluster API's Cluster controller adds the reference), else the one its label names. */
function clusterOf(ctx: ManagerContext, etcdCluster: EtcdClusterObject): (Cluster & KubeObject) | undefined {
  const ref = etcdCluster.metadata.ownerReferences?.find((r) => r.kind === 'Cluster' && splitApiVersion(r.apiVersion).group === coreGroup);
  const name = ref?.name ?? etcdCluster.metadata.labels?.[clusterNameLabel];
  return name ? ctx.informer<Cluster & KubeObject>(clustersResource).getByName(etcdCluster.metadata.namespace, name) : undefined;
}

/** The cluster's CA and client certificate, once the first EtcdConfig made them. */
function credentialsOf(ctx: ManagerContext, namespace: string, clusterName: string): EtcdClientCredentials | undefined {
  const secrets = ctx.informer<CertificateSecret>(secretsResource);
  const ca = secrets.getByName(namespace, certificateSecretName(clusterName, CertificatePurpose.EtcdCA));
  const client = secrets.getByName(namespace, certificateSecretName(clusterName, CertificatePurpose.APIServerEtcdClient));
  if (!ca || !client) return undefined;
  try {
    const { cert: caCert } = keyPairFromSecret(ca);
    const pair = keyPairFromSecret(client);
    return { ca: caCert, cert: pair.cert, key: pair.key };
  } catch {
    return undefined;
  }
}

async function reconcileEtcdCluster(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  const informers = [etcdClustersResource, machinesResource, clustersResource, secretsResource, etcdConfigsResource].map((r) => ctx.informer(r));
  await Promise.all(informers.map((i) => i.waitForSync(ctx.signal)));
  let etcdCluster = ctx.informer<EtcdClusterObject>(etcdClustersResource).get(key);
  if (!etcdCluster) return;
  const deleting = Boolean(etcdCluster.metadata.deletionTimestamp);
  if (deleting && !hasFinalizer(etcdCluster, etcdClusterFinalizer)) return;
  const cluster = clusterOf(ctx, etcdCluster);
  const paused = pausedCondition(etcdCluster, cluster);
  const report = new StatusReport(etcdCluster, paused);
  if (paused.status === 'True') return report.write(ctx);
  if (!deleting && !hasFinalizer(etcdCluster, etcdClusterFinalizer)) {
    etcdCluster = await ctx.client.update<EtcdClusterObject>(etcdClustersResource, { ...etcdCluster, metadata: withFinalizer(etcdCluster, etcdClusterFinalizer) });
    report.etcdCluster = etcdCluster;
  }
  if (!cluster && !deleting) {
    report.waiting(ConditionType.Available, 'WaitingForCluster', 'Waiting for the Cluster to reference this EtcdCluster as its control plane');
    return report.write(ctx);
  }
  if (cluster && !deleting && !cluster.status?.initialization?.infrastructureProvisioned) {
    report.waiting(ConditionType.Available, 'WaitingForInfrastructure', `Waiting for the infrastructure of Cluster ${cluster.metadata.name} to be provisioned`);
    return report.write(ctx);
  }
  const clusterName = cluster?.metadata.name ?? etcdCluster.metadata.labels?.[clusterNameLabel] ?? '';
  const machines = ctx.informer<MachineObject>(machinesResource).list()
    .filter((m) => m.metadata.namespace === etcdCluster.metadata.namespace && m.metadata.ownerReferences?.some((r) => r.controller && r.uid === etcdCluster.metadata.uid));
  // Machines whose member is out of etcd (hook released) are no endpoint any more; live machines are asked first.
  const stillMembers = machines.filter((m) => !m.metadata.deletionTimestamp || memberRemovalHook in (m.metadata.annotations ?? {}));
  const addresses = new Map([...stillMembers].sort((a, b) => Number(Boolean(a.metadata.deletionTimestamp)) - Number(Boolean(b.metadata.deletionTimestamp)))
    .flatMap((m) => { const a = machineAddress(m); return a ? [[m.metadata.name!, a] as const] : []; }));
  const credentials = credentialsOf(ctx, etcdCluster.metadata.namespace!, clusterName);
  const client = credentials && addresses.size > 0 ? memberClient(addresses, credentials) : undefined;
  try {
    // Why each Machine is to be rolled out, if it is: for the plan and for the MachinesUpToDate condition.
    const outdated = new Map(stillMembers.map((m) => [m.metadata.name!, outdatedReasons(etcdCluster, m, configOf(ctx, m))]));
    const observation: MemberObservation = client ? await observeMembers(client, new Set(machines.map((m) => m.metadata.name!))) : { members: undefined, statuses: [] };
    if (observation.members) await tellJoinersToJoin(ctx, machines, observation);
    const view: EtcdClusterView = {
      desiredReplicas: etcdCluster.spec.replicas ?? DEFAULT_ETCD_CLUSTER_SIZE,
      maxSurge: (etcdCluster.spec.rollout?.strategy?.rollingUpdate?.maxSurge ?? 1) === 0 ? 0 : 1,
      failureDomains: (cluster?.status?.failureDomains ?? []).filter((fd) => fd.controlPlane !== false).map((fd) => fd.name),
      initialized: etcdCluster.status?.initialization?.controlPlaneInitialized === true || (observation.members?.length ?? 0) > 0,
      deleting,
      // A deleted Machine whose member is already out of etcd only waits for its machine to go: nothing to plan for it.
      machines: stillMembers.map((m) => memberMachine(m, outdated.get(m.metadata.name!)!)),
      members: observation.members,
    };
    const step = nextStep(view);
    const newMember = machines.some((m) => Date.now() - Date.parse(m.metadata.creationTimestamp ?? '') < NEW_MEMBER_FOR_MS);
    const outcome = await takeStep(ctx, etcdCluster, clusterName, step, machines, observation, client, newMember ? NEW_MEMBER_WAITING_MS : WAITING_MS);
    report.observe(view, machines, observation, step, outcome.problem, outdated);
    await report.write(ctx);
    if (deleting && step.type === 'Done' && machines.length === 0) {
      await releaseFinalizer(ctx, etcdClustersResource, report.etcdCluster, etcdClusterFinalizer, 'EtcdCluster deleted: its Machines are gone');
      return;
    }
    return { requeueAfter: outcome.requeueAfter };
  } finally {
    await client?.close();
  }
}

/** The member Machine's EtcdConfig, from the cache. */
function configOf(ctx: ManagerContext, machine: MachineObject): EtcdConfigObject | undefined {
  const ref = machine.spec.bootstrap.configRef;
  return ref ? ctx.informer<EtcdConfigObject>(etcdConfigsResource).getByName(machine.metadata.namespace, ref.name) : undefined;
}

/**
 * Members in etcd whose EtcdConfig still waits (a crash came between adding the member and telling
 * its config): told to join, with the other members that have started.
 */
async function tellJoinersToJoin(ctx: ManagerContext, machines: MachineObject[], observation: MemberObservation): Promise<void> {
  for (const member of observation.members!) {
    const name = machineOfMember(member);
    const machine = machines.find((m) => m.metadata.name === name);
    const config = machine && configOf(ctx, machine);
    if (!config || config.spec.initialClusterState) continue;
    await letMemberJoin(ctx, config, observation.members!.filter((m) => m.id !== member.id && m.name !== '').map((m) => m.name));
  }
}

interface Outcome {
  requeueAfter: number;
  /** Why the step could not be taken (etcd refused, or could not be reached). */
  problem?: string;
}

async function takeStep(
  ctx: ManagerContext, etcdCluster: EtcdClusterObject, clusterName: string, step: Step, machines: MachineObject[], observation: MemberObservation, client: EtcdMemberClient | undefined,
  waitingMs: number,
): Promise<Outcome> {
  const event = (reason: string, message: string) => ctx.recorder.event(etcdCluster, 'Normal', reason, message);
  const machine = (name: string) => machines.find((m) => m.metadata.name === name)!;
  const etcd = () => {
    if (!client) throw new EtcdUnreachableError([]);
    return client;
  };
  try {
    switch (step.type) {
      case 'CreateMachine': {
        const name = await createMemberMachine(ctx, etcdCluster, { clusterName, initialize: step.reason === 'Initialize', ...(step.failureDomain ? { failureDomain: step.failureDomain } : {}) });
        event(step.reason === 'Initialize' ? 'Initializing' : step.reason === 'Rollout' ? 'RollingOut' : 'ScalingUp', `Created Machine ${name}${step.reason === 'Initialize' ? ' (the first member)' : ''}${step.failureDomain ? ` in failure domain ${step.failureDomain}` : ''}`);
        return { requeueAfter: AFTER_CHANGE_MS };
      }
      case 'AddLearner': {
        const learner = await etcd().addLearner(memberPeerURL(step.machine));
        event('MemberAdded', `Added member ${step.machine} (${learner.id}) to etcd as a learner`);
        const config = configOf(ctx, machine(step.machine));
        if (config) await letMemberJoin(ctx, config, (observation.members ?? []).filter((m) => m.name !== '').map((m) => m.name));
        return { requeueAfter: AFTER_CHANGE_MS };
      }
      case 'PromoteLearner':
        await etcd().promote(step.memberId);
        event('MemberPromoted', `Promoted member ${step.machine} (${step.memberId}) to a voting member`);
        return { requeueAfter: AFTER_CHANGE_MS };
      case 'MoveLeader':
        await etcd().moveLeader(step.toId);
        event('LeadershipMoved', `Moved leadership from member ${step.fromId} to ${step.toId}`);
        return { requeueAfter: AFTER_CHANGE_MS };
      case 'RemoveMember':
        await etcd().remove(step.memberId);
        event('MemberRemoved', `Removed member ${step.machine ?? 'without a Machine'} (${step.memberId}) from etcd`);
        return { requeueAfter: AFTER_CHANGE_MS };
      case 'DeleteMachine':
        await deleteMemberMachine(ctx, machine(step.machine));
        event(step.reason === 'Remediation' ? 'Remediating' : step.reason, `Deleting Machine ${step.machine} (${step.reason})`);
        return { requeueAfter: AFTER_CHANGE_MS };
      case 'ReleaseMachine':
        await releaseMemberMachine(ctx, machine(step.machine));
        return { requeueAfter: AFTER_CHANGE_MS };
      case 'Wait':
        return { requeueAfter: waitingMs };
      case 'Done':
        return { requeueAfter: SETTLED_MS };
    }
  } catch (error) {
    // etcd refusing for now (not in sync, its reconfiguration check) or not answering: planned again shortly.
    if (error instanceof EtcdError || error instanceof EtcdUnreachableError) return { requeueAfter: waitingMs, problem: error.message };
    throw error;
  }
}

/** The EtcdCluster's status as the control-plane contract and `kubectl describe` want it. */
class StatusReport {
  etcdCluster: EtcdClusterObject;
  private readonly status: EtcdClusterStatus;
  private readonly states: ConditionState[];

  constructor(etcdCluster: EtcdClusterObject, paused: ConditionState) {
    this.etcdCluster = etcdCluster;
    const generation = etcdCluster.metadata.generation;
    this.status = { ...structuredClone(etcdCluster.status ?? {}), ...(generation ? { observedGeneration: generation } : {}) };
    this.states = [paused];
  }

  waiting(type: string, reason: string, message: string): void {
    this.states.push({ type, status: 'False', reason, message });
  }

  observe(view: EtcdClusterView, machines: MachineObject[], observation: MemberObservation, step: Step, problem: string | undefined, outdatedBecause: Map<string, string[]>): void {
    const s = this.status;
    const active = view.machines.filter((m) => !m.deleting);
    const labels = memberLabels(this.etcdCluster, machines[0]?.spec.clusterName ?? this.etcdCluster.metadata.labels?.[clusterNameLabel] ?? '');
    s.selector = memberSelector(labels);
    s.replicas = machines.length;
    s.readyReplicas = machines.filter((m) => isConditionTrue(m, ConditionType.Ready)).length;
    s.availableReplicas = machines.filter((m) => isConditionTrue(m, ConditionType.Available)).length;
    s.upToDateReplicas = view.machines.filter((m) => m.upToDate).length;
    if (view.initialized) s.initialization = { controlPlaneInitialized: true };
    const members = observation.members;
    if (members) {
      s.members = observation.statuses;
      const voters = members.filter((m) => !m.learner && m.name !== '');
      s.endpoints = voters.map((m) => memberClientURL(m.name));
      const leader = members.find((m) => m.leader);
      if (leader?.name) s.leader = leader.name;
      else delete s.leader;
      const versions = observation.statuses.map((m) => m.version).filter((v): v is string => Boolean(v)).sort(compareVersions);
      if (versions[0]) s.version = versions[0];
    } else {
      for (const m of s.members ?? []) Object.assign(m, { reachable: false, healthy: false, leader: false, message: observation.unreachable ?? 'no member answers' });
      delete s.leader;
    }

    const stepMessage = step.type === 'Wait' ? step.message : problem ?? '';
    const quorum = members ? hasQuorum(members) : { safe: false as const, reason: observation.unreachable ?? 'no member exists yet' };
    this.states.push(view.initialized && quorum.safe
      ? { type: ConditionType.Available, status: 'True', reason: Reason.Available }
      : { type: ConditionType.Available, status: 'False', reason: Reason.NotAvailable, message: !view.initialized ? 'the first member has not answered yet' : quorum.safe ? '' : quorum.reason });
    const problems = members ? [
      ...members.filter((m) => !m.healthy).map((m) => `* member ${m.name || machineOfMember(m)} is not healthy${observation.statuses.find((x) => x.id === m.id)?.message ? `: ${observation.statuses.find((x) => x.id === m.id)!.message}` : ''}`),
      ...members.filter((m) => m.learner).map((m) => `* member ${machineOfMember(m)} is a learner`),
      ...members.filter((m) => m.alarms.length > 0).map((m) => `* member ${m.name} has alarms ${m.alarms.join(', ')}`),
      ...(members.some((m) => m.leader) ? [] : ['* the cluster has no leader']),
    ] : [`* ${observation.unreachable ?? 'no member exists yet'}`];
    this.states.push(problems.length === 0
      ? { type: EtcdClusterConditionType.EtcdClusterHealthy, status: 'True', reason: 'Healthy', message: `${members!.length} healthy members, leader ${s.leader}` }
      : { type: EtcdClusterConditionType.EtcdClusterHealthy, status: 'False', reason: 'NotHealthy', message: problems.join('\n') });
    const notReady = machines.filter((m) => !isConditionTrue(m, ConditionType.Ready)).map((m) => `* Machine ${m.metadata.name}: ${findCondition(m, ConditionType.Ready)?.message || 'not ready'}`);
    this.states.push(notReady.length === 0
      ? { type: ConditionType.MachinesReady, status: 'True', reason: Reason.Ready }
      : { type: ConditionType.MachinesReady, status: 'False', reason: Reason.NotReady, message: notReady.join('\n') });
    const outdated = view.machines.filter((m) => !m.upToDate);
    this.states.push(outdated.length === 0
      ? { type: ConditionType.MachinesUpToDate, status: 'True', reason: Reason.UpToDate }
      : { type: ConditionType.MachinesUpToDate, status: 'False', reason: Reason.NotUpToDate, message: outdated.map((m) => `* Machine ${m.name}: ${outdatedBecause.get(m.name)!.join('; ')}`).join('\n') });
    const busy = (reason: string) => `${reason}${stepMessage ? `: ${stepMessage}` : ''}`;
    this.states.push(outdated.length > 0
      ? { type: ConditionType.RollingOut, status: 'True', reason: Reason.RollingOut, message: busy(`Rolling out ${outdated.length} not up-to-date member(s)`) }
      : { type: ConditionType.RollingOut, status: 'False', reason: Reason.NotRollingOut });
    this.states.push(active.length < view.desiredReplicas
      ? { type: ConditionType.ScalingUp, status: 'True', reason: Reason.ScalingUp, message: busy(`Scaling up from ${active.length} to ${view.desiredReplicas} members`) }
      : { type: ConditionType.ScalingUp, status: 'False', reason: 'NotScalingUp' });
    this.states.push(active.length > view.desiredReplicas
      ? { type: ConditionType.ScalingDown, status: 'True', reason: 'ScalingDown', message: busy(`Scaling down from ${active.length} to ${view.desiredReplicas} members`) }
      : { type: ConditionType.ScalingDown, status: 'False', reason: 'NotScalingDown' });
    const marked = view.machines.filter((m) => m.needsRemediation && !m.deleting);
    const blocked = step.type === 'Wait' && marked.length > 0;
    this.states.push(marked.length > 0
      ? { type: ConditionType.Remediating, status: 'True', reason: blocked ? 'RemediationNotAllowed' : 'Remediating', message: blocked ? `Machine(s) ${marked.map((m) => m.name).join(', ')} need remediation, which cannot happen now: ${step.message}` : `Remediating Machine(s) ${marked.map((m) => m.name).join(', ')}` }
      : { type: ConditionType.Remediating, status: 'False', reason: 'NotRemediating' });
    this.states.push(view.deleting
      ? { type: ConditionType.Deleting, status: 'True', reason: 'Deleting', message: `Deleting ${machines.length} Machine(s)` }
      : { type: ConditionType.Deleting, status: 'False', reason: 'NotDeleting' });
  }

  async write(ctx: ManagerContext): Promise<void> {
    const status: EtcdClusterStatus = { ...this.status, conditions: setConditions(this.status.conditions ?? [], this.states, this.etcdCluster.metadata.generation) as Condition[] };
    if (isDeepStrictEqual(status, this.etcdCluster.status)) return;
    this.etcdCluster = await ctx.client.updateStatus<EtcdClusterObject>(etcdClustersResource, { ...this.etcdCluster, status });
  }
}

const compareVersions = (a: string, b: string) => {
  const parts = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [x, y] = [parts(a), parts(b)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
};
