// metav1.LabelSelector evaluated on the client side (MachineSets and MachineDeployments select their Machines
// from the shared informer cache), and printed the way Kubernetes prints it for status.selector, which the
// scale subresource hands to autoscalers.
import type { LabelSelector } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';

type Requirement = { key: string; operator: string; values: string[] };

function requirements(selector: LabelSelector): Requirement[] {
  const fromLabels = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, operator: 'In', values: [value] }));
  const fromExpressions = (selector.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: [...(e.values ?? [])].sort() }));
  for (const r of fromExpressions) {
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(r.operator)) throw new Error(`label selector operator "${r.operator}" of key "${r.key}" is not one of In, NotIn, Exists, DoesNotExist`);
    if ((r.operator === 'In' || r.operator === 'NotIn') && r.values.length === 0) throw new Error(`label selector operator ${r.operator} of key "${r.key}" needs values`);
  }
  return [...fromLabels, ...fromExpressions];
}

/** Whether `labels` satisfy the selector. An empty selector matches everything, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return selectorMatcher(selector)(labels);
}

/** selectorMatches for one selector and many label sets: the selector is read once. */
export function selectorMatcher(selector: LabelSelector): (labels: Record<string, string> | undefined) => boolean {
  const required = requirements(selector);
  return (labels) => required.every(({ key, operator, values }) => {
    const value = labels?.[key];
    switch (operator) {
      case 'In': return value !== undefined && values.includes(value);
      case 'NotIn': return value === undefined || !values.includes(value);
      case 'Exists': return value !== undefined;
      default: return value === undefined;
    }
  });
}

/** "a=b,c in (d,e),!f", requirements sorted by key (labels.Selector.String()). */
export function selectorString(selector: LabelSelector): string {
  return requirements(selector)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ key, operator, values }) => {
      if (operator === 'Exists') return key;
      if (operator === 'DoesNotExist') return `!${key}`;
      if (operator === 'In' && values.length === 1) return `${key}=${values[0]}`;
      return `${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`;
    })
    .join(',');
}
