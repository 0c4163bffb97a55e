// One condition summarising others, as Cluster API's conditions.NewSummaryCondition with its
// default merge strategy: each input condition is an issue (False, or True for negative-polarity
// types such as Deleting), unknown (Unknown, or missing), or info. Any issue makes the summary
// False, else any unknown makes it Unknown, else it is True; the message lists the issues first,
// then the unknowns, then infos that say something, one "* Type: message" line each.
import type { Condition } from '../../api/meta.ts';
import type { ConditionState } from './conditions.ts';

export type MergePriority = 'issue' | 'unknown' | 'info';

export interface SummaryOptions {
  /** The summary's type. */
  type: string;
  /** The conditions summarised, in order. */
  of: readonly string[];
  /** Types whose True is bad (Deleting, Updating…). */
  negative?: readonly string[];
  /** Types that do not count while missing (instead of counting as unknown). */
  ignoreIfMissing?: readonly string[];
  /** Conditions to use instead of the object's own (same type). */
  overrides?: readonly Condition[];
  /** Reasons for a False, Unknown and True summary. */
  reasons: { issue: string; unknown: string; info: string };
  /** A say on a condition's priority (e.g. "deleted" is expected while deleting); undefined keeps the default. */
  priority?(condition: Condition): MergePriority | undefined;
}

const ORDER: Record<MergePriority, number> = { issue: 0, unknown: 1, info: 2 };

export function summarize(conditions: readonly Condition[], options: SummaryOptions): ConditionState {
  const entries: { condition: Condition; priority: MergePriority; missing: boolean }[] = [];
  for (const type of options.of) {
    const condition = options.overrides?.find((c) => c.type === type) ?? conditions.find((c) => c.type === type);
    if (!condition) {
      if (options.ignoreIfMissing?.includes(type)) continue;
      entries.push({ condition: { type, status: 'Unknown', reason: 'NotYetReported', lastTransitionTime: '', message: 'Condition not yet reported' }, priority: 'unknown', missing: true });
      continue;
    }
    const negative = options.negative?.includes(type) ?? false;
    const fallback: MergePriority = condition.status === 'Unknown' ? 'unknown'
      : (condition.status === 'True') !== negative ? 'info' : 'issue';
    entries.push({ condition, priority: options.priority?.(condition) ?? fallback, missing: false });
  }
  const worst = entries.reduce<MergePriority>((acc, e) => (ORDER[e.priority] < ORDER[acc] ? e.priority : acc), 'info');
  const lines = entries
    .filter((e) => e.priority !== 'info' || (e.condition.message ?? '') !== '')
    .sort((a, b) => ORDER[a.priority] - ORDER[b.priority])
    .map((e) => bullet(e.condition.type, e.condition.message ?? ''))
    .filter((line) => line !== '');
  const status = worst === 'issue' ? 'False' : worst === 'unknown' ? 'Unknown' : 'True';
  return { type: options.type, status, reason: options.reasons[worst], message: lines.join('\n') };
}

/** "* Type: message"; a message that is itself a list goes indented under "* Type:". */
function bullet(type: string, message: string): string {
  if (message === '') return '';
  if (!message.includes('\n') && !message.startsWith('* ')) return `* ${type}: ${message}`;
  return [`* ${type}:`, ...message.split('\n').map((line) => `  ${line}`)].join('\n');
}
