// Whether a status' conditions changed, so a status is written only when something changed.
import type { Condition } from '../../api/meta.ts';

export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const key = (list: readonly Condition[] | undefined) => JSON.stringify([...(list ?? [])]
    .sort((x, y) => (x.type < y.type ? -1 : x.type > y.type ? 1 : 0))
    .map((c) => [c.type, c.status, c.reason, c.message ?? '', c.lastTransitionTime, c.observedGeneration]));
  return key(a) === key(b);
}
