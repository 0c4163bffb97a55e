// The well-known labels, annotations and finalizers of Cluster API (common_types.go, machine_types.go,
// machineset_types.go, machinedeployment_types.go, cluster_types.go): the wire-level contract between
// controllers, providers and users.

// --- labels ---
/** On every object of a cluster: the name of the Cluster it belongs to. */
export const clusterNameLabel = 'cluster.x-k8s.io/cluster-name';
/** On MachineSets and Machines created for a MachineDeployment. */
export const machineDeploymentNameLabel = 'cluster.x-k8s.io/deployment-name';
/** On Machines created by a MachineSet. */
export const machineSetNameLabel = 'cluster.x-k8s.io/set-name';
/** Hash of a MachineSet's template, keeping MachineSets of one MachineDeployment (and their Machines) apart. */
export const machineTemplateHashLabel = 'machine-template-hash';
/** Presence marks a control plane Machine. */
export const machineControlPlaneLabel = 'cluster.x-k8s.io/control-plane';
/** The name of the control plane object owning a Machine. */
export const machineControlPlaneNameLabel = 'cluster.x-k8s.io/control-plane-name';
/** On MachinePool Machines: the pool's name. */
export const machinePoolNameLabel = 'cluster.x-k8s.io/pool-name';
/** On provider components: which provider they belong to (core CRDs carry `cluster-api`). */
export const providerNameLabel = 'cluster.x-k8s.io/provider';
/** Controllers started with a watch filter only reconcile objects carrying this label with the filter's value. */
export const watchLabel = 'cluster.x-k8s.io/watch-filter';
/** Marks Machines that run on interruptible (spot/preemptible) instances. */
export const interruptibleLabel = 'cluster.x-k8s.io/interruptible';
/** On CRDs: maps a Cluster API contract version to the CRD versions implementing it (`cluster.x-k8s.io/v1beta2: v1alpha1`). */
export const contractVersionLabel = (contract: string) => `cluster.x-k8s.io/${contract}`;

// --- annotations ---
/** Pauses reconciliation of the annotated object. */
export const pausedAnnotation = 'cluster.x-k8s.io/paused';
/** Marks a Machine to be deleted first when its MachineSet scales down. */
export const deleteMachineAnnotation = 'cluster.x-k8s.io/delete-machine';
/** On objects cloned from a template: the template's name and group/kind. */
export const templateClonedFromNameAnnotation = 'cluster.x-k8s.io/cloned-from-name';
export const templateClonedFromGroupKindAnnotation = 'cluster.x-k8s.io/cloned-from-groupkind';
/** Revision of a MachineSet within its MachineDeployment's rollout history. */
export const revisionAnnotation = 'machinedeployment.clusters.x-k8s.io/revision';
/** The MachineDeployment's desired replicas, as last seen by the MachineSet (for proportional scaling). */
export const desiredReplicasAnnotation = 'machinedeployment.clusters.x-k8s.io/desired-replicas';
/** desiredReplicas + maxSurge, as last seen by the MachineSet. */
export const maxReplicasAnnotation = 'machinedeployment.clusters.x-k8s.io/max-replicas';
/** Prefix of annotations that hold a Machine's deletion before its node is drained, until removed. */
export const preDrainDeleteHookAnnotationPrefix = 'pre-drain.delete.hook.machine.cluster.x-k8s.io';
/** Prefix of annotations that hold a Machine's deletion before its infrastructure is deleted, until removed. */
export const preTerminateDeleteHookAnnotationPrefix = 'pre-terminate.delete.hook.machine.cluster.x-k8s.io';
/** Asks MachineHealthCheck to remediate a Machine straight away. */
export const remediateMachineAnnotation = 'cluster.x-k8s.io/remediate-machine';
/** Excludes a Machine from MachineHealthCheck remediation. */
export const machineSkipRemediationAnnotation = 'cluster.x-k8s.io/skip-remediation';
/** Skips draining the Machine's node on deletion. */
export const excludeNodeDrainingAnnotation = 'machine.cluster.x-k8s.io/exclude-node-draining';
/** Skips waiting for volumes to detach from the Machine's node on deletion. */
export const excludeWaitForNodeVolumeDetachAnnotation = 'machine.cluster.x-k8s.io/exclude-wait-for-node-volume-detach';
/** Stops a MachineSet creating Machines. */
export const disableMachineCreateAnnotation = 'cluster.x-k8s.io/disable-machine-create';
/** MachineSet preflight checks to skip (comma separated). */
export const machineSetSkipPreflightChecksAnnotation = 'machineset.cluster.x-k8s.io/skip-preflight-checks';
/** Marks infrastructure managed outside Cluster API. */
export const managedByAnnotation = 'cluster.x-k8s.io/managed-by';
/** Marks a replica count managed by something else (e.g. an autoscaler); controllers leave spec.replicas alone. */
export const replicasManagedByAnnotation = 'cluster.x-k8s.io/replicas-managed-by';
/** Cluster autoscaler node group bounds; the min size is the default replicas for a new MachineSet/MachineDeployment. */
export const autoscalerMinSizeAnnotation = 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size';
export const autoscalerMaxSizeAnnotation = 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size';
/** On Nodes: the Cluster, namespace, Machine and owner a node belongs to. */
export const clusterNameAnnotation = 'cluster.x-k8s.io/cluster-name';
export const clusterNamespaceAnnotation = 'cluster.x-k8s.io/cluster-namespace';
export const machineAnnotation = 'cluster.x-k8s.io/machine';
export const ownerKindAnnotation = 'cluster.x-k8s.io/owner-kind';
export const ownerNameAnnotation = 'cluster.x-k8s.io/owner-name';
/** On Nodes: which labels/annotations/taints came from the Machine (so removed ones are removed from the node). */
export const labelsFromMachineAnnotation = 'cluster.x-k8s.io/labels-from-machine';
export const annotationsFromMachineAnnotation = 'cluster.x-k8s.io/annotations-from-machine';
export const taintsFromMachineAnnotation = 'cluster.x-k8s.io/taints-from-machine';
/** Expiry of a Machine's certificates, set by the control plane provider. */
export const machineCertificatesExpiryDateAnnotation = 'machine.cluster.x-k8s.io/certificates-expiry';

// --- finalizers ---
export const clusterFinalizer = 'cluster.cluster.x-k8s.io';
export const machineFinalizer = 'machine.cluster.x-k8s.io';
export const machineSetFinalizer = 'cluster.x-k8s.io/machineset';
export const machineDeploymentFinalizer = 'cluster.x-k8s.io/machinedeployment';

// --- other well-known values ---
/** Type of Secrets Cluster API creates (kubeconfig, certificates, bootstrap data). */
export const clusterSecretType = 'cluster.x-k8s.io/secret';
/** Domains of node labels Cluster API syncs from Machines to Nodes. */
export const nodeRoleLabelPrefix = 'node-role.kubernetes.io';
export const nodeRestrictionLabelDomain = 'node-restriction.kubernetes.io';
export const managedNodeLabelDomain = 'node.cluster.x-k8s.io';
/** Suffix of a template kind's name (InMemoryMachine → InMemoryMachineTemplate). */
export const templateSuffix = 'Template';
