// Cluster API's defaulting of the selector and template labels of a MachineSet or MachineDeployment. Its webhooks
// do it on admission; Slipway serves these kinds as plain custom resources (the schema can only default the
// selector to empty), so their controllers do it first thing, before an empty selector could select anything:
// the cluster-name label on both, and, when the selector selects nothing in particular, the object's own name
// label (deployment-name or set-name) on both.
import type { LabelSelector } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { clusterNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';

export interface SelectingSpec {
  clusterName: string;
  selector: LabelSelector;
  template: { metadata?: { labels?: Record<string, string> } };
}

/** The spec fields of a merge patch giving the selector and template their labels, or undefined when they have them. */
export function selectorDefaultsPatch(spec: SelectingSpec, nameLabel: string, nameValue: string): Record<string, unknown> | undefined {
  const selectsNothingInParticular = Object.keys(spec.selector.matchLabels ?? {}).length === 0 && (spec.selector.matchExpressions ?? []).length === 0;
  const wanted: Record<string, string> = { ...(selectsNothingInParticular ? { [nameLabel]: nameValue } : {}), [clusterNameLabel]: spec.clusterName };
  const missing = (labels: Record<string, string> | undefined) => Object.fromEntries(Object.entries(wanted).filter(([key, value]) => labels?.[key] !== value));
  const selectorLabels = missing(spec.selector.matchLabels);
  const templateLabels = missing(spec.template.metadata?.labels);
  const patch: Record<string, unknown> = {};
  if (Object.keys(selectorLabels).length > 0) patch.selector = { ...spec.selector, matchLabels: { ...spec.selector.matchLabels, ...selectorLabels } };
  if (Object.keys(templateLabels).length > 0) patch.template = { metadata: { labels: templateLabels } };
  return Object.keys(patch).length > 0 ? patch : undefined;
}
