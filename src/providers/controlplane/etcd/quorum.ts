// Quorum arithmetic for membership changes, pure. etcd commits a change (add, promote, remove) only
// with a quorum of the current voting members, and the cluster stays writable afterwards only if a
// quorum of the new voting members is healthy. Learners never count: they do not vote.

/** What the control plane knows of one member: etcd's membership plus whether the member answered its health check. */
export interface MemberHealth {
  id: string;
  learner: boolean;
  healthy: boolean;
}

export type Verdict = { safe: true } | { safe: false; reason: string };

/** Votes a change needs among `voters` voting members. */
export const quorum = (voters: number): number => Math.floor(voters / 2) + 1;

const voters = (members: readonly MemberHealth[]) => members.filter((m) => !m.learner);

/** Whether a quorum of the voting members is healthy now (so a membership change can commit). */
export function hasQuorum(members: readonly MemberHealth[]): Verdict {
  const all = voters(members);
  const healthy = all.filter((m) => m.healthy).length;
  return all.length > 0 && healthy >= quorum(all.length)
    ? { safe: true }
    : { safe: false, reason: `${healthy} of ${all.length} voting members are healthy, below the quorum of ${quorum(all.length)}` };
}

/** Whether removing member `id` keeps the cluster writable: a learner always may go; a voter only if a quorum of the rest stays healthy. */
export function canRemoveMember(members: readonly MemberHealth[], id: string): Verdict {
  const victim = members.find((m) => m.id === id);
  if (!victim) return { safe: false, reason: `member ${id} is not in the cluster` };
  if (victim.learner) return { safe: true };
  const now = hasQuorum(members);
  if (!now.safe) return now;
  const remaining = voters(members).length - 1;
  if (remaining === 0) return { safe: false, reason: `member ${id} is the last voting member: removing it would end the cluster` };
  const healthyAfter = voters(members).filter((m) => m.healthy && m.id !== id).length;
  return healthyAfter >= quorum(remaining)
    ? { safe: true }
    : { safe: false, reason: `removing member ${id} would leave ${healthyAfter} healthy of ${remaining} voting members, below the quorum of ${quorum(remaining)}` };
}

/**
 * Whether learner `id` may be promoted: it must be healthy, and the change must commit. A healthy
 * new voter never weakens quorum (h ≥ ⌊v/2⌋+1 implies h+1 ≥ ⌊(v+1)/2⌋+1).
 */
export function canPromoteLearner(members: readonly MemberHealth[], id: string): Verdict {
  const learner = members.find((m) => m.id === id);
  if (!learner?.learner) return { safe: false, reason: `member ${id} is not a learner` };
  if (!learner.healthy) return { safe: false, reason: `learner ${id} is not healthy yet` };
  return hasQuorum(members);
}

/** Whether a learner may be added now: etcd 3.4 allows one learner at a time, and the change must commit. */
export function canAddLearner(members: readonly MemberHealth[]): Verdict {
  const learner = members.find((m) => m.learner);
  if (learner) return { safe: false, reason: `member ${learner.id} is still a learner (etcd allows one at a time)` };
  return hasQuorum(members);
}
