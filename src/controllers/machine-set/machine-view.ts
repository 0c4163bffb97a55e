// The facts about one Machine that the MachineSet and MachineDeployment decision logic needs.
// Controllers map cluster.x-k8s.io/v1beta2 Machine objects onto this shape, so the pure logic does not depend
// on how the API types are generated.

/** Status of a metav1.Condition, or undefined when the condition is not reported yet. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface MachineView {
  name: string;
  /** RFC 3339; absent only for objects not created yet. */
  creationTimestamp?: string;
  /** Set once the Machine is being deleted. */
  deletionTimestamp?: string;
  annotations?: Record<string, string>;
  /** status.nodeRef is set: the Machine has a Node. */
  hasNodeRef: boolean;
  /** Machine condition NodeHealthy. */
  nodeHealthy?: ConditionStatus;
  /** Machine condition HealthCheckSucceeded (set by MachineHealthCheck). */
  healthCheckSucceeded?: ConditionStatus;
  /** Machine condition Ready is True. */
  ready: boolean;
  /** Machine condition Available is True (Ready for at least minReadySeconds). */
  available: boolean;
  /** Machine condition UpToDate is True. */
  upToDate: boolean;
  /** Lines of the UpToDate condition message when it is False (why the Machine must be rolled out). */
  notUpToDateReasons?: string[];
}
