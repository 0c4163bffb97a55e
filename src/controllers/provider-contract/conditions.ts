// metav1.Condition lists as Cluster API v1beta2 uses them on every object, core or provider: read
// one by type, and set one keeping lastTransitionTime unless the status changes (so "since when"
// stays true across reconciles and writes happen only on real change).
import type { Condition, KubeObject } from '../../api/meta.ts';

/** A condition to set: everything but the transition time, which setCondition decides. */
export interface ConditionState {
  type: string;
  status: Condition['status'];
  reason: string;
  message?: string;
}

const isCondition = (c: unknown): c is Condition => typeof c === 'object' && c !== null && typeof (c as Condition).type === 'string' && typeof (c as Condition).status === 'string';

const rawConditions = (obj: KubeObject | undefined): unknown => (obj?.status as { conditions?: unknown } | undefined)?.conditions;

/** The conditions an object reports in status.conditions (malformed entries ignored). */
export function conditionsOf(obj: KubeObject | undefined): Condition[] {
  const list = rawConditions(obj);
  return Array.isArray(list) ? list.filter(isCondition) : [];
}

/** Without copying the list: controllers look conditions up for every Machine on every reconcile. */
export function findCondition(obj: KubeObject | undefined, type: string): Condition | undefined {
  const list = rawConditions(obj);
  if (!Array.isArray(list)) return undefined;
  for (const c of list) if (isCondition(c) && c.type === type) return c;
  return undefined;
}

export const isConditionTrue = (obj: KubeObject | undefined, type: string) => findCondition(obj, type)?.status === 'True';

/** Conditions are written with second precision, as metav1.Time serializes. */
export const conditionTime = (date = new Date()) => date.toISOString().replace(/\.\d+Z$/, 'Z');

/** A condition as written: metav1.Condition's message is required (empty when there is nothing to say). */
export type WrittenCondition = Condition & { message: string };

/**
 * `conditions` with `state` in place: the previous lastTransitionTime is kept when the status is
 * unchanged; observedGeneration records the generation the condition was computed from.
 */
export function setCondition(conditions: readonly Condition[], state: ConditionState, observedGeneration?: number, now = new Date()): WrittenCondition[] {
  const previous = conditions.find((c) => c.type === state.type);
  const next: WrittenCondition = {
    type: state.type,
    status: state.status,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    lastTransitionTime: previous && previous.status === state.status ? previous.lastTransitionTime : conditionTime(now),
    reason: state.reason,
    message: state.message ?? '',
  };
  const written = conditions.map((c): WrittenCondition => (c.type === state.type ? next : { ...c, message: c.message ?? '' }));
  return previous ? written : [...written, next];
}

/** Sets every state in order. */
export function setConditions(conditions: readonly Condition[], states: readonly ConditionState[], observedGeneration?: number, now = new Date()): WrittenCondition[] {
  return states.reduce<WrittenCondition[]>((list, state) => setCondition(list, state, observedGeneration, now), conditions.map((c) => ({ ...c, message: c.message ?? '' })));
}
