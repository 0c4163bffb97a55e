// The EtcdCluster planner, driven step by step against a simulated cluster: machines bootstrap one
// tick after they were added as learners, removed leaders hand over first, and after every step the
// cluster must keep a healthy quorum with at most one learner. The logs are the plans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextStep, machineOfMember, type EtcdClusterView, type MemberMachine, type MemberState, type Step } from '../../../src/providers/controlplane/etcd/next-step.ts';
import { hasQuorum } from '../../../src/providers/controlplane/etcd/quorum.ts';

interface SimulationOptions {
  replicas: number;
  maxSurge?: 0 | 1;
  failureDomains?: string[];
}

class Simulation {
  machines: (MemberMachine & { generation: number })[] = [];
  members: MemberState[] = [];
  desiredReplicas: number;
  maxSurge: 0 | 1;
  failureDomains: string[];
  generation = 1;
  initialized = false;
  deleting = false;
  log: string[] = [];
  #clock = 0;
  #machines = 0;
  #ids = 0;

  constructor(options: SimulationOptions) {
    this.desiredReplicas = options.replicas;
    this.maxSurge = options.maxSurge ?? 1;
    this.failureDomains = options.failureDomains ?? ['a', 'b', 'c'];
  }

  view(): EtcdClusterView {
    return {
      desiredReplicas: this.desiredReplicas, maxSurge: this.maxSurge, failureDomains: this.failureDomains, initialized: this.initialized, deleting: this.deleting,
      machines: this.machines.map(({ generation, ...m }) => ({ ...m, upToDate: generation === this.generation })),
      members: this.members.length > 0 ? structuredClone(this.members) : undefined,
    };
  }

  member(machine: string): MemberState | undefined {
    return this.members.find((m) => machineOfMember(m) === machine);
  }

  addMember(name: string, options: Partial<MemberState> = {}): MemberState {
    const member: MemberState = { id: (++this.#ids).toString(16), name, peerURLs: [`https://${name}:2380`], learner: false, healthy: true, leader: false, alarms: [], ...options };
    this.members.push(member);
    return member;
  }

  apply(step: Step): void {
    switch (step.type) {
      case 'CreateMachine': {
        const name = `m${this.#machines++}`;
        this.machines.push({ name, failureDomain: step.failureDomain, creationTimestamp: `t${String(++this.#clock).padStart(4, '0')}`, deleting: false, needsRemediation: false, upToDate: true, generation: this.generation });
        this.log.push(`CreateMachine ${step.reason} ${name}${step.failureDomain ? ` in ${step.failureDomain}` : ''}`);
        if (step.reason === 'Initialize') {
          this.addMember(name, { leader: true });
          this.initialized = true;
        }
        return;
      }
      case 'AddLearner':
        assert.ok(!this.members.some((m) => m.learner), 'etcd allows one learner at a time');
        this.addMember('', { learner: true, healthy: false, peerURLs: [`https://${step.machine}:2380`] });
        this.log.push(`AddLearner ${step.machine}`);
        return;
      case 'PromoteLearner':
        this.members.find((m) => m.id === step.memberId)!.learner = false;
        this.log.push(`PromoteLearner ${step.machine}`);
        return;
      case 'MoveLeader':
        for (const m of this.members) m.leader = m.id === step.toId;
        this.log.push(`MoveLeader ${this.nameOf(step.fromId)}→${this.nameOf(step.toId)}`);
        return;
      case 'DeleteMachine':
        this.machines.find((m) => m.name === step.machine)!.deleting = true;
        this.log.push(`DeleteMachine ${step.machine} ${step.reason}`);
        return;
      case 'RemoveMember': {
        const removed = this.members.find((m) => m.id === step.memberId)!;
        assert.ok(!removed.leader || this.members.filter((m) => !m.learner).length === 1, `the leader ${removed.name} is never removed while others could lead`);
        this.members = this.members.filter((m) => m !== removed);
        this.log.push(`RemoveMember ${removed.name || machineOfMember(removed)}`);
        return;
      }
      case 'ReleaseMachine':
        if (!this.deleting) assert.ok(!this.member(step.machine) || this.voters().length === 1, `machine ${step.machine} is released only once its member is gone (or it is the last)`);
        this.machines = this.machines.filter((m) => m.name !== step.machine);
        this.log.push(`ReleaseMachine ${step.machine}`);
        return;
      case 'Wait':
        this.log.push(`Wait ${step.reason}`);
        return;
      case 'Done':
        this.log.push('Done');
    }
  }

  nameOf(id: string): string {
    return this.members.find((m) => m.id === id)?.name ?? id;
  }

  /** A machine that was added as a learner boots and its etcd starts (the next tick after the add). */
  bootstrap(): void {
    for (const m of this.members) {
      const machine = machineOfMember(m);
      if (m.name === '' && this.machines.some((x) => x.name === machine && !x.deleting)) Object.assign(m, { name: machine, healthy: true });
    }
  }

  /** Plans and applies until Done (or a Wait nothing will change), checking the invariants after each step. */
  run(check: (sim: Simulation) => void = () => {}, maxSteps = 200): string[] {
    const start = this.log.length;
    for (let i = 0; i < maxSteps; i++) {
      const step = nextStep(this.view());
      this.apply(step);
      if (step.type === 'Done') return this.log.slice(start);
      if (step.type === 'Wait' && step.reason !== 'WaitingForLearner') return this.log.slice(start);
      if (step.type === 'Wait') this.bootstrap();
      if (this.members.length > 0) {
        assert.ok(hasQuorum(this.members).safe, `quorum kept after ${this.log.at(-1)}`);
        assert.ok(this.members.filter((m) => m.learner).length <= 1);
      }
      check(this);
    }
    assert.fail(`no plan finished in ${maxSteps} steps: ${this.log.slice(-10).join(' | ')}`);
  }

  voters(): MemberState[] {
    return this.members.filter((m) => !m.learner);
  }
}

const grown = (replicas: number, options: Partial<SimulationOptions> = {}) => {
  const sim = new Simulation({ replicas, ...options });
  sim.run();
  return sim;
};

test('a new cluster starts with one member, then adds the others one at a time as learners, promoted once started, spread over failure domains', () => {
  const sim = new Simulation({ replicas: 3 });
  assert.deepEqual(sim.run(), [
    'CreateMachine Initialize m0 in a',
    'CreateMachine ScaleUp m1 in b',
    'AddLearner m1',
    'Wait WaitingForLearner',
    'PromoteLearner m1',
    'CreateMachine ScaleUp m2 in c',
    'AddLearner m2',
    'Wait WaitingForLearner',
    'PromoteLearner m2',
    'Done',
  ]);
  assert.deepEqual(sim.voters().map((m) => m.name), ['m0', 'm1', 'm2']);
  assert.deepEqual(sim.machines.map((m) => m.failureDomain), ['a', 'b', 'c']);
});

test('a rollout with maxSurge 1 adds each replacement before removing an old member, moving leadership off the old leader first', () => {
  const sim = grown(3);
  sim.generation = 2;
  const log = sim.run((s) => assert.ok(s.voters().length >= 3, `never fewer than 3 voting members: ${s.log.at(-1)}`));
  assert.deepEqual(log, [
    'CreateMachine Rollout m3 in a', 'AddLearner m3', 'Wait WaitingForLearner', 'PromoteLearner m3',
    'DeleteMachine m0 Rollout', 'MoveLeader m0→m3', 'RemoveMember m0', 'ReleaseMachine m0',
    'CreateMachine Rollout m4 in b', 'AddLearner m4', 'Wait WaitingForLearner', 'PromoteLearner m4',
    'DeleteMachine m1 Rollout', 'RemoveMember m1', 'ReleaseMachine m1',
    'CreateMachine Rollout m5 in c', 'AddLearner m5', 'Wait WaitingForLearner', 'PromoteLearner m5',
    'DeleteMachine m2 Rollout', 'RemoveMember m2', 'ReleaseMachine m2',
    'Done',
  ]);
  assert.deepEqual(sim.machines.map((m) => [m.name, m.failureDomain]), [['m3', 'a'], ['m4', 'b'], ['m5', 'c']]);
  assert.equal(sim.members.find((m) => m.leader)?.name, 'm3');
});

test('a rollout with maxSurge 0 removes first and never drops below a quorum; a single member cannot roll out that way', () => {
  const sim = grown(3, { maxSurge: 0 });
  sim.generation = 2;
  const log = sim.run((s) => assert.ok(s.voters().length >= 2));
  assert.deepEqual(log.slice(0, 8), ['DeleteMachine m0 Rollout', 'MoveLeader m0→m1', 'RemoveMember m0', 'ReleaseMachine m0', 'CreateMachine Rollout m3 in a', 'AddLearner m3', 'Wait WaitingForLearner', 'PromoteLearner m3']);
  assert.equal(log.at(-1), 'Done');
  assert.ok(sim.machines.every((m) => m.generation === 2));
  assert.equal(sim.machines.length, 3);

  const single = grown(1, { maxSurge: 0 });
  single.generation = 2;
  assert.deepEqual(single.run(), ['Wait CannotRollOut']);
});

test('scaling down removes members from the fullest failure domain, oldest first, moving leadership away from a leader first', () => {
  const sim = grown(5);
  assert.deepEqual(sim.machines.map((m) => m.failureDomain), ['a', 'b', 'c', 'a', 'b']);
  sim.desiredReplicas = 3;
  assert.deepEqual(sim.run(), [
    'DeleteMachine m0 ScaleDown', 'MoveLeader m0→m1', 'RemoveMember m0', 'ReleaseMachine m0',
    'DeleteMachine m1 ScaleDown', 'MoveLeader m1→m2', 'RemoveMember m1', 'ReleaseMachine m1',
    'Done',
  ]);
  assert.deepEqual(sim.machines.map((m) => [m.name, m.failureDomain]), [['m2', 'c'], ['m3', 'a'], ['m4', 'b']]);
});

test('remediation replaces a member marked unhealthy only while quorum stays safe', () => {
  const sim = grown(3);
  sim.machines[1].needsRemediation = true;
  sim.member('m1')!.healthy = false;
  const log = sim.run();
  assert.deepEqual(log.slice(0, 4), ['DeleteMachine m1 Remediation', 'RemoveMember m1', 'ReleaseMachine m1', 'CreateMachine ScaleUp m3 in b']);
  assert.equal(log.at(-1), 'Done');

  const blocked = grown(3);
  blocked.machines[0].needsRemediation = true;
  blocked.member('m2')!.healthy = false;
  assert.deepEqual(blocked.run(), ['Wait WaitingForQuorum'], 'removing healthy m0 while m2 is down would leave 1 healthy of 2');
  assert.match((nextStep(blocked.view()) as { message: string }).message, /cannot remove member m0 yet: removing member 1 would leave 1 healthy of 2 voting members, below the quorum of 2/);

  const lost = grown(3);
  lost.machines[0].needsRemediation = true;
  lost.member('m1')!.healthy = false;
  lost.member('m2')!.healthy = false;
  assert.deepEqual(lost.run(), ['Wait CannotRemediate']);

  const alone = grown(1);
  alone.machines[0].needsRemediation = true;
  assert.deepEqual(alone.run(), ['Wait CannotRemediate']);
});

test('stray members (no Machine) are removed, a leading one after handing over; a learner added before a crash is kept for its machine', () => {
  const sim = grown(3);
  sim.addMember('ghost');
  for (const m of sim.members) m.leader = m.name === 'ghost';
  assert.deepEqual(sim.run(), ['MoveLeader ghost→m0', 'RemoveMember ghost', 'Done']);

  // The control plane added m3 as a learner, then crashed before anything else: the plan resumes with it.
  const resumed = grown(3);
  resumed.desiredReplicas = 5;
  resumed.apply(nextStep(resumed.view()));
  resumed.apply(nextStep(resumed.view()));
  assert.deepEqual(resumed.log.slice(-2), ['CreateMachine ScaleUp m3 in a', 'AddLearner m3']);
  assert.deepEqual(nextStep(resumed.view()), { type: 'Wait', reason: 'WaitingForLearner', message: 'waiting for member m3 to start' });

  // Its machine deleted meanwhile: the learner goes first (always safe), then the machine.
  resumed.machines.find((m) => m.name === 'm3')!.deleting = true;
  assert.deepEqual(resumed.run().slice(0, 2), ['RemoveMember m3', 'ReleaseMachine m3']);
});

test('nothing is changed without a view of etcd, and growth waits for a healthy cluster', () => {
  assert.deepEqual(nextStep({ desiredReplicas: 3, maxSurge: 1, failureDomains: [], initialized: false, machines: [], members: undefined }), { type: 'CreateMachine', reason: 'Initialize', failureDomain: undefined });
  const machine: MemberMachine = { name: 'm0', creationTimestamp: 't1', deleting: false, needsRemediation: false, upToDate: true };
  assert.equal((nextStep({ desiredReplicas: 3, maxSurge: 1, failureDomains: [], initialized: false, machines: [machine], members: undefined }) as { reason: string }).reason, 'WaitingForFirstMember');
  assert.equal((nextStep({ desiredReplicas: 3, maxSurge: 1, failureDomains: [], initialized: true, machines: [machine], members: undefined }) as { reason: string }).reason, 'EtcdUnreachable');
  assert.match((nextStep({ desiredReplicas: 3, maxSurge: 1, failureDomains: [], initialized: true, machines: [], members: undefined }) as { message: string }).message, /data is gone/);

  const sim = grown(1);
  sim.desiredReplicas = 3;
  sim.members[0].alarms = ['NOSPACE'];
  assert.deepEqual(nextStep(sim.view()), { type: 'Wait', reason: 'WaitingForHealthyCluster', message: 'scaling up waits for a healthy cluster: member m0 has alarms NOSPACE' });
  sim.members[0].alarms = [];
  sim.members[0].leader = false;
  assert.match((nextStep(sim.view()) as { message: string }).message, /the cluster has no leader/);
});

test('deleting the EtcdCluster deletes every machine and lets each go without removing members one by one', () => {
  const sim = grown(3);
  sim.deleting = true;
  assert.deepEqual(sim.run(), ['DeleteMachine m0 ClusterDeletion', 'ReleaseMachine m0', 'DeleteMachine m1 ClusterDeletion', 'ReleaseMachine m1', 'DeleteMachine m2 ClusterDeletion', 'ReleaseMachine m2', 'Done']);
});
