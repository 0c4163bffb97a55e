import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canAddLearner, canPromoteLearner, canRemoveMember, hasQuorum, quorum, type MemberHealth } from '../../../src/providers/controlplane/etcd/quorum.ts';
import { failureDomainForScaleUp, machineToRemove } from '../../../src/providers/controlplane/etcd/failure-domains.ts';

/** Members from a compact spec: "h" healthy voter, "u" unhealthy voter, "L" healthy learner, "l" unhealthy learner. */
const cluster = (spec: string): MemberHealth[] => [...spec].map((c, i) => ({ id: `m${i}`, learner: c === 'L' || c === 'l', healthy: c === 'h' || c === 'L' }));

test('quorum: a majority of the voting members, so an even size tolerates no more failures than the odd size below', () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(quorum), [1, 2, 2, 3, 3, 4, 4]);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => n - quorum(n)), [0, 0, 1, 1, 2, 2, 3]);
  assert.deepEqual(hasQuorum(cluster('hhu')), { safe: true });
  assert.deepEqual(hasQuorum(cluster('huu')), { safe: false, reason: '1 of 3 voting members are healthy, below the quorum of 2' });
  assert.deepEqual(hasQuorum(cluster('uLL')), { safe: false, reason: '0 of 1 voting members are healthy, below the quorum of 1' }, 'learners do not vote');
});

test('removing a member: learners always, voters only while a quorum of the rest stays healthy', () => {
  const cases: [string, string, boolean, RegExp?][] = [
    ['hhh', 'm0', true],
    ['hhu', 'm2', true], // the unhealthy one goes: 2 healthy of 2 remain
    ['hhu', 'm0', false, /would leave 1 healthy of 2 voting members, below the quorum of 2/],
    ['hh', 'm1', true],
    ['hu', 'm1', false, /1 of 2 voting members are healthy/], // no quorum now: the removal cannot even commit
    ['h', 'm0', false, /last voting member/],
    ['hhhuu', 'm3', true],
    ['hhhuu', 'm0', false, /would leave 2 healthy of 4 voting members, below the quorum of 3/],
    ['hhhL', 'm3', true],
    ['huul', 'm3', true], // a learner never counts, even while quorum is lost
    ['hhh', 'm9', false, /not in the cluster/],
  ];
  for (const [spec, id, safe, reason] of cases) {
    const verdict = canRemoveMember(cluster(spec), id);
    assert.equal(verdict.safe, safe, `${spec} remove ${id}`);
    if (reason) assert.match((verdict as { reason: string }).reason, reason, `${spec} remove ${id}`);
  }
});

test('promoting a learner needs it healthy and a quorum now; adding one needs no other learner', () => {
  assert.deepEqual(canPromoteLearner(cluster('hhL'), 'm2'), { safe: true });
  assert.deepEqual(canPromoteLearner(cluster('hhuL'), 'm3'), { safe: true }, 'a healthy voter more helps: 3 healthy of 4');
  assert.match((canPromoteLearner(cluster('huL'), 'm2') as { reason: string }).reason, /1 of 2 voting members are healthy/, 'the change cannot commit without a quorum');
  assert.match((canPromoteLearner(cluster('hhl'), 'm2') as { reason: string }).reason, /not healthy yet/);
  assert.match((canPromoteLearner(cluster('uuL'), 'm2') as { reason: string }).reason, /0 of 2 voting members are healthy/);
  assert.match((canPromoteLearner(cluster('hhh'), 'm1') as { reason: string }).reason, /not a learner/);
  assert.deepEqual(canAddLearner(cluster('hhh')), { safe: true });
  assert.match((canAddLearner(cluster('hhL')) as { reason: string }).reason, /m2 is still a learner \(etcd allows one at a time\)/);
  assert.equal(canAddLearner(cluster('huu')).safe, false);
});

test('failure domains: new members go where fewest stay, removed ones come from where most are', () => {
  const m = (name: string, failureDomain: string | undefined, creationTimestamp: string, upToDate = true) => ({ name, failureDomain, creationTimestamp, upToDate });
  const fds = ['a', 'b', 'c'];
  assert.equal(failureDomainForScaleUp(fds, []), 'a');
  assert.equal(failureDomainForScaleUp(fds, [m('1', 'a', 't1'), m('2', 'b', 't2')]), 'c');
  // During a rollout the outdated machine in b will go: b has fewest up-to-date machines.
  assert.equal(failureDomainForScaleUp(fds, [m('1', 'a', 't1'), m('2', 'b', 't2', false), m('3', 'c', 't3')]), 'b');
  assert.equal(failureDomainForScaleUp([], [m('1', undefined, 't1')]), undefined);

  const machines = [m('old-a', 'a', '2026-01-01'), m('new-a', 'a', '2026-01-03'), m('b', 'b', '2026-01-02'), m('c', 'c', '2026-01-04')];
  assert.equal(machineToRemove(machines, machines, fds)?.name, 'old-a', 'from the fullest domain, the oldest');
  assert.equal(machineToRemove([machines[2], machines[3]], machines, fds)?.name, 'b', 'among candidates only; equal domains: the oldest');
  const lost = m('nowhere', undefined, '2026-01-05');
  assert.equal(machineToRemove([...machines, lost], [...machines, lost], fds)?.name, 'nowhere', 'a machine in no known domain spreads nothing');
});
