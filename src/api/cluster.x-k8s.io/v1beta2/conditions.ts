// Cluster API v1beta2 condition types and reasons (metav1.Condition form), from condition_consts.go and
// the per-kind *_types.go files. Kinds reuse the shared names; kind-specific ones are grouped per kind.

/** Condition types used by several kinds. */
export const ConditionType = {
  Available: 'Available',
  Ready: 'Ready',
  UpToDate: 'UpToDate',
  BootstrapConfigReady: 'BootstrapConfigReady',
  InfrastructureReady: 'InfrastructureReady',
  MachinesReady: 'MachinesReady',
  MachinesUpToDate: 'MachinesUpToDate',
  RollingOut: 'RollingOut',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Remediating: 'Remediating',
  Deleting: 'Deleting',
  Paused: 'Paused',
} as const;

/** Reasons used by several kinds. */
export const Reason = {
  Available: 'Available',
  NotAvailable: 'NotAvailable',
  AvailableUnknown: 'AvailableUnknown',
  Ready: 'Ready',
  NotReady: 'NotReady',
  ReadyUnknown: 'ReadyUnknown',
  UpToDate: 'UpToDate',
  NotUpToDate: 'NotUpToDate',
  UpToDateUnknown: 'UpToDateUnknown',
  RollingOut: 'RollingOut',
  NotRollingOut: 'NotRollingOut',
  ScalingUp: 'ScalingUp',
  NotScalingUp: 'NotScalingUp',
  ScalingDown: 'ScalingDown',
  NotScalingDown: 'NotScalingDown',
  Remediating: 'Remediating',
  NotRemediating: 'NotRemediating',
  NoReplicas: 'NoReplicas',
  WaitingForReplicasSet: 'WaitingForReplicasSet',
  InvalidConditionReported: 'InvalidConditionReported',
  InternalError: 'InternalError',
  ObjectDoesNotExist: 'ObjectDoesNotExist',
  ObjectDeleted: 'ObjectDeleted',
  NotPaused: 'NotPaused',
  Paused: 'Paused',
  ConnectionDown: 'ConnectionDown',
  NotDeleting: 'NotDeleting',
  Deleting: 'Deleting',
  DeletionCompleted: 'DeletionCompleted',
  InspectionFailed: 'InspectionFailed',
  WaitingForClusterInfrastructureReady: 'WaitingForClusterInfrastructureReady',
  WaitingForControlPlaneInitialized: 'WaitingForControlPlaneInitialized',
  WaitingForBootstrapData: 'WaitingForBootstrapData',
  Provisioned: 'Provisioned',
  NotProvisioned: 'NotProvisioned',
} as const;

export const MachineConditionType = {
  Available: ConditionType.Available,
  Ready: ConditionType.Ready,
  UpToDate: ConditionType.UpToDate,
  Updating: 'Updating',
  BootstrapConfigReady: ConditionType.BootstrapConfigReady,
  InfrastructureReady: ConditionType.InfrastructureReady,
  NodeHealthy: 'NodeHealthy',
  NodeReady: 'NodeReady',
  HealthCheckSucceeded: 'HealthCheckSucceeded',
  OwnerRemediated: 'OwnerRemediated',
  ExternallyRemediated: 'ExternallyRemediated',
  Deleting: ConditionType.Deleting,
  Paused: ConditionType.Paused,
} as const;

/** Reasons only Machine conditions use (they also use the shared Reason values). */
export const MachineReason = {
  WaitingForMinReadySeconds: 'WaitingForMinReadySeconds',
  UpToDateUpdating: 'Updating',
  NotUpdating: 'NotUpdating',
  InPlaceUpdating: 'InPlaceUpdating',
  InPlaceUpdateFailed: 'InPlaceUpdateFailed',
  BootstrapDataSecretProvided: 'DataSecretProvided',
  NodeReady: 'NodeReady',
  NodeNotReady: 'NodeNotReady',
  NodeReadyUnknown: 'NodeReadyUnknown',
  NodeHealthy: 'NodeHealthy',
  NodeNotHealthy: 'NodeNotHealthy',
  NodeHealthUnknown: 'NodeHealthyUnknown',
  NodeDoesNotExist: 'NodeDoesNotExist',
  NodeDeleted: 'NodeDeleted',
  HealthCheckSucceeded: 'HealthCheckSucceeded',
  HealthCheckUnhealthyNode: 'UnhealthyNode',
  HealthCheckUnhealthyMachine: 'UnhealthyMachine',
  HealthCheckNodeStartupTimeout: 'NodeStartupTimeout',
  HealthCheckNodeDeleted: 'NodeDeleted',
  HealthCheckHasRemediateAnnotation: 'HasRemediateAnnotation',
  WaitingForRemediation: 'WaitingForRemediation',
  RemediationTemplateNotFound: 'RemediationTemplateNotFound',
  RemediationRequestCreationFailed: 'RemediationRequestCreationFailed',
  DeletingWaitingForPreDrainHook: 'WaitingForPreDrainHook',
  DeletingDrainingNode: 'DrainingNode',
  DeletingWaitingForVolumeDetach: 'WaitingForVolumeDetach',
  DeletingWaitingForPreTerminateHook: 'WaitingForPreTerminateHook',
  DeletingWaitingForInfrastructureDeletion: 'WaitingForInfrastructureDeletion',
  DeletingWaitingForBootstrapDeletion: 'WaitingForBootstrapDeletion',
  DeletingDeletingNode: 'DeletingNode',
} as const;

export const ClusterConditionType = {
  Available: ConditionType.Available,
  InfrastructureReady: ConditionType.InfrastructureReady,
  ControlPlaneInitialized: 'ControlPlaneInitialized',
  ControlPlaneAvailable: 'ControlPlaneAvailable',
  WorkersAvailable: 'WorkersAvailable',
  ControlPlaneMachinesReady: 'ControlPlaneMachinesReady',
  WorkerMachinesReady: 'WorkerMachinesReady',
  ControlPlaneMachinesUpToDate: 'ControlPlaneMachinesUpToDate',
  WorkerMachinesUpToDate: 'WorkerMachinesUpToDate',
  RemoteConnectionProbe: 'RemoteConnectionProbe',
  RollingOut: ConditionType.RollingOut,
  ScalingUp: ConditionType.ScalingUp,
  ScalingDown: ConditionType.ScalingDown,
  Remediating: ConditionType.Remediating,
  TopologyReconciled: 'TopologyReconciled',
  Deleting: ConditionType.Deleting,
  Paused: ConditionType.Paused,
} as const;

export const ClusterReason = {
  ControlPlaneInitialized: 'Initialized',
  ControlPlaneNotInitialized: 'NotInitialized',
  /** Slipway's: the Cluster has no control plane (no controlPlaneRef, no control plane Machines) to wait for. */
  NoControlPlane: 'NoControlPlane',
  WorkersAvailableNoWorkers: 'NoWorkers',
  RemoteConnectionProbeFailed: 'ProbeFailed',
  RemoteConnectionProbeSucceeded: 'ProbeSucceeded',
  RollingOutUnknown: 'RollingOutUnknown',
  ScalingUpUnknown: 'ScalingUpUnknown',
  ScalingDownUnknown: 'ScalingDownUnknown',
  DeletingWaitingForBeforeDeleteHook: 'WaitingForBeforeDeleteHook',
  DeletingWaitingForWorkersDeletion: 'WaitingForWorkersDeletion',
  DeletingWaitingForControlPlaneDeletion: 'WaitingForControlPlaneDeletion',
  DeletingWaitingForInfrastructureDeletion: 'WaitingForInfrastructureDeletion',
  TopologyReconcileSucceeded: 'ReconcileSucceeded',
  TopologyReconciledFailed: 'ReconcileFailed',
} as const;

export const MachineSetConditionType = {
  MachinesReady: ConditionType.MachinesReady,
  MachinesUpToDate: ConditionType.MachinesUpToDate,
  ScalingUp: ConditionType.ScalingUp,
  ScalingDown: ConditionType.ScalingDown,
  Remediating: ConditionType.Remediating,
  Deleting: ConditionType.Deleting,
  Paused: ConditionType.Paused,
} as const;

/** Reasons a MachineSet reports on the OwnerRemediated condition of Machines it cannot remediate now. */
export const MachineSetReason = {
  MachineCannotBeRemediated: 'CannotBeRemediated',
  MachineRemediationDeferred: 'RemediationDeferred',
  MachineRemediationMachineDeleting: 'MachineDeleting',
} as const;

export const MachineDeploymentConditionType = {
  Available: ConditionType.Available,
  MachinesReady: ConditionType.MachinesReady,
  MachinesUpToDate: ConditionType.MachinesUpToDate,
  RollingOut: ConditionType.RollingOut,
  ScalingUp: ConditionType.ScalingUp,
  ScalingDown: ConditionType.ScalingDown,
  Remediating: ConditionType.Remediating,
  Deleting: ConditionType.Deleting,
  Paused: ConditionType.Paused,
} as const;

export const MachineDeploymentReason = {
  AvailableWaitingForAvailableReplicasSet: 'WaitingForAvailableReplicasSet',
} as const;

export const MachineHealthCheckConditionType = {
  RemediationAllowed: 'RemediationAllowed',
  Paused: ConditionType.Paused,
} as const;

export const MachineHealthCheckReason = {
  RemediationAllowed: 'RemediationAllowed',
  TooManyUnhealthy: 'TooManyUnhealthy',
} as const;
