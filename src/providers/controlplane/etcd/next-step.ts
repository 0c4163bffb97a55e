// The EtcdCluster's next step, as a pure function of what it wants (replicas, rollout strategy) and
// what it sees (its Machines, etcd's members and their health), in the spirit of Cluster API's
// KubeadmControlPlane: one change at a time, each taken only when quorum stays safe, re-planned
// from scratch on every reconcile (so a crash between steps resumes where it stopped).
//
// Lifecycle of a member, as this planner drives it:
//   create Machine (the first with initialClusterState new) → add it to etcd as a learner (its peer
//   URL is known from its name) → its bootstrap data joins (existing) → promote once in sync.
//   To remove one: move leadership away if it leads → delete its Machine (a pre-terminate hook holds
//   the machine itself) → remove the member from etcd → release the hook, and the machine goes.
import { canAddLearner, canPromoteLearner, canRemoveMember, hasQuorum, type MemberHealth } from './quorum.ts';
import { failureDomainForScaleUp, machineToRemove, type PlacedMachine } from './failure-domains.ts';

export interface MemberMachine extends PlacedMachine {
  /** Deletion has started (the control plane's pre-terminate hook holds the machine until its member is removed). */
  deleting: boolean;
  /** A MachineHealthCheck asks its owner, the control plane, to remediate it. */
  needsRemediation: boolean;
}

export interface MemberState extends MemberHealth {
  /** Empty for a learner that has not started yet. */
  name: string;
  peerURLs: string[];
  leader: boolean;
  alarms: string[];
}

export interface EtcdClusterView {
  desiredReplicas: number;
  maxSurge: 0 | 1;
  /** Failure domains the Cluster offers for control plane machines. */
  failureDomains: string[];
  /** The first member ever answered (sticky: status.initialization.controlPlaneInitialized). */
  initialized: boolean;
  /** The EtcdCluster itself is being deleted: every machine goes, no member is removed one by one. */
  deleting?: boolean;
  machines: MemberMachine[];
  /** etcd's members with their health; undefined when no member could be reached. */
  members: MemberState[] | undefined;
}

export type Step =
  | { type: 'CreateMachine'; reason: 'Initialize' | 'ScaleUp' | 'Rollout'; failureDomain?: string }
  | { type: 'AddLearner'; machine: string }
  | { type: 'PromoteLearner'; machine: string; memberId: string }
  | { type: 'MoveLeader'; fromId: string; toId: string }
  | { type: 'DeleteMachine'; machine: string; reason: 'ScaleDown' | 'Rollout' | 'Remediation' | 'ClusterDeletion' }
  | { type: 'RemoveMember'; memberId: string; machine?: string }
  | { type: 'ReleaseMachine'; machine: string }
  | { type: 'Wait'; reason: string; message: string }
  | { type: 'Done' };

/** The Machine a member belongs to: its name, or for a learner not started yet, the host of its peer URL (members advertise their Machine's name). */
export function machineOfMember(member: Pick<MemberState, 'name' | 'peerURLs'>): string | undefined {
  if (member.name !== '') return member.name;
  const url = member.peerURLs[0];
  if (url === undefined) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

const wait = (reason: string, message: string): Step => ({ type: 'Wait', reason, message });

/** The voter to hand leadership to: healthy, not `exclude`, preferably on an up-to-date machine (it stays). */
function leadershipTarget(members: readonly MemberState[], exclude: string, machines: readonly MemberMachine[]): MemberState | undefined {
  const staying = new Set(machines.filter((m) => m.upToDate && !m.deleting).map((m) => m.name));
  return members
    .filter((m) => !m.learner && m.healthy && m.id !== exclude)
    .sort((a, b) => Number(staying.has(b.name)) - Number(staying.has(a.name)) || a.name.localeCompare(b.name))[0];
}

/** The steps that take `member` out of etcd: leadership first, then removal, if quorum allows. */
function removal(members: readonly MemberState[], member: MemberState, machines: readonly MemberMachine[], machine?: string): Step {
  if (member.leader && members.some((m) => !m.learner && m.id !== member.id)) {
    const target = leadershipTarget(members, member.id, machines);
    return target
      ? { type: 'MoveLeader', fromId: member.id, toId: target.id }
      : wait('WaitingForLeadershipTarget', `member ${member.name || member.id} leads and no other healthy voting member can take over`);
  }
  const verdict = canRemoveMember(members, member.id);
  if (!verdict.safe) return wait('WaitingForQuorum', `cannot remove member ${member.name || member.id} yet: ${verdict.reason}`);
  return { type: 'RemoveMember', memberId: member.id, ...(machine ? { machine } : {}) };
}

export function nextStep(view: EtcdClusterView): Step {
  const { machines, members } = view;
  const active = machines.filter((m) => !m.deleting);
  const oldestFirst = (list: MemberMachine[]) => [...list].sort((a, b) => a.creationTimestamp.localeCompare(b.creationTimestamp) || a.name.localeCompare(b.name));

  if (view.deleting) {
    const [next] = oldestFirst(machines);
    if (!next) return { type: 'Done' };
    return next.deleting ? { type: 'ReleaseMachine', machine: next.name } : { type: 'DeleteMachine', machine: next.name, reason: 'ClusterDeletion' };
  }
  if (members === undefined || members.length === 0) {
    if (!view.initialized && machines.length === 0) return { type: 'CreateMachine', reason: 'Initialize', failureDomain: failureDomainForScaleUp(view.failureDomains, machines) };
    if (!view.initialized) return wait('WaitingForFirstMember', `waiting for the first member (${machines.map((m) => m.name).join(', ')}) to answer`);
    if (machines.length === 0) return wait('EtcdUnreachable', 'no etcd member answers and no Machine is left: the data is gone; delete and re-create the EtcdCluster to start anew');
    return wait('EtcdUnreachable', 'no etcd member answers: nothing can be changed safely');
  }
  const memberOf = (machine: string) => members.find((m) => machineOfMember(m) === machine);

  // 1. Machines being deleted: take their members out of etcd, then let the machines go.
  for (const machine of oldestFirst(machines.filter((m) => m.deleting))) {
    const member = memberOf(machine.name);
    if (!member) return { type: 'ReleaseMachine', machine: machine.name };
    // The last voting member cannot be removed (no quorum would remain to commit it): its data goes with the machine.
    if (!member.learner && members.filter((m) => !m.learner).length === 1) return { type: 'ReleaseMachine', machine: machine.name };
    return removal(members, member, machines, machine.name);
  }

  // 2. Members no Machine accounts for (a machine deleted behind our back, a member added by hand).
  const machineNames = new Set(machines.map((m) => m.name));
  const stray = members.find((m) => !machineNames.has(machineOfMember(m) ?? ''));
  if (stray) return removal(members, stray, machines);

  // 3. A learner: promote it once it runs (etcd refuses until it is in sync; the caller retries).
  const learner = members.find((m) => m.learner);
  if (learner) {
    const machine = machineOfMember(learner)!;
    if (learner.name === '') return wait('WaitingForLearner', `waiting for member ${machine} to start`);
    const verdict = canPromoteLearner(members, learner.id);
    return verdict.safe ? { type: 'PromoteLearner', machine, memberId: learner.id } : wait('WaitingForLearner', `cannot promote member ${machine} yet: ${verdict.reason}`);
  }

  // 4. Machines not yet in etcd: add the oldest as a learner (it then bootstraps as a joiner).
  const outside = oldestFirst(active.filter((m) => !memberOf(m.name)));
  if (outside.length > 0) {
    const verdict = canAddLearner(members);
    return verdict.safe ? { type: 'AddLearner', machine: outside[0].name } : wait('WaitingForQuorum', `cannot add member ${outside[0].name} yet: ${verdict.reason}`);
  }

  const voters = members.filter((m) => !m.learner);
  const problems = [
    ...voters.filter((m) => !m.healthy).map((m) => `member ${m.name} is not healthy`),
    ...members.filter((m) => m.alarms.length > 0).map((m) => `member ${m.name} has alarms ${m.alarms.join(', ')}`),
    ...(members.some((m) => m.leader) ? [] : ['the cluster has no leader']),
  ];
  const healthGate = (what: string): Step | undefined =>
    problems.length > 0 ? wait('WaitingForHealthyCluster', `${what} waits for a healthy cluster: ${problems.join('; ')}`) : undefined;
  const removeMachine = (candidates: MemberMachine[], reason: 'ScaleDown' | 'Rollout' | 'Remediation'): Step => {
    // Prefer a machine whose member is already unhealthy: removing it costs no healthy vote.
    const unhealthy = candidates.filter((m) => memberOf(m.name)?.healthy === false);
    const victim = machineToRemove(unhealthy.length > 0 ? unhealthy : candidates, active, view.failureDomains)!;
    const verdict = canRemoveMember(members, memberOf(victim.name)!.id);
    return verdict.safe ? { type: 'DeleteMachine', machine: victim.name, reason } : wait('WaitingForQuorum', `cannot remove member ${victim.name} yet: ${verdict.reason}`);
  };

  // 5. Remediation of members a MachineHealthCheck marked, one at a time, only when quorum stays safe.
  const unhealthyMachines = active.filter((m) => m.needsRemediation);
  if (unhealthyMachines.length > 0) {
    if (active.length <= 1) return wait('CannotRemediate', `member ${unhealthyMachines[0].name} is the only one: remediating it would lose the cluster's data`);
    const quorumNow = hasQuorum(members);
    if (!quorumNow.safe) return wait('CannotRemediate', `remediation needs a quorum to remove a member: ${quorumNow.reason}`);
    return removeMachine(unhealthyMachines, 'Remediation');
  }

  // 6. Scale up, one member at a time (also the second half of a maxSurge 0 replacement).
  const outdated = active.filter((m) => !m.upToDate);
  if (active.length < view.desiredReplicas) {
    return healthGate('scaling up') ?? { type: 'CreateMachine', reason: outdated.length > 0 ? 'Rollout' : 'ScaleUp', failureDomain: failureDomainForScaleUp(view.failureDomains, active) };
  }

  // 7. Roll out outdated members: surge first (maxSurge 1), or remove first (maxSurge 0).
  if (outdated.length > 0) {
    const gate = healthGate('rolling out');
    if (gate) return gate;
    if (view.maxSurge === 1 && active.length <= view.desiredReplicas) {
      return { type: 'CreateMachine', reason: 'Rollout', failureDomain: failureDomainForScaleUp(view.failureDomains, active) };
    }
    if (voters.length <= 1) return wait('CannotRollOut', 'a single member cannot be replaced with maxSurge 0: set maxSurge 1');
    return removeMachine(outdated, 'Rollout');
  }

  // 8. Scale down.
  if (active.length > view.desiredReplicas) return removeMachine(active, 'ScaleDown');
  return { type: 'Done' };
}
