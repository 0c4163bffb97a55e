// Pause as Cluster API's util/paused decides it: an object is not reconciled while its Cluster has
// spec.paused or the object itself carries the cluster.x-k8s.io/paused annotation; the Paused
// condition says which (it is the one thing still written while paused).
import type { KubeObject } from '../../api/meta.ts';
import { pausedAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { ConditionType, Reason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { ConditionState } from '../provider-contract/conditions.ts';

export function pausedCondition(obj: KubeObject, cluster: KubeObject | undefined): ConditionState {
  const messages: string[] = [];
  if ((cluster?.spec as { paused?: unknown } | undefined)?.paused === true) messages.push('Cluster spec.paused is set to true');
  if (obj.metadata.annotations && pausedAnnotation in obj.metadata.annotations) messages.push(`${obj.kind} has the ${pausedAnnotation} annotation`);
  return messages.length > 0
    ? { type: ConditionType.Paused, status: 'True', reason: Reason.Paused, message: messages.join(', ') }
    : { type: ConditionType.Paused, status: 'False', reason: Reason.NotPaused };
}
