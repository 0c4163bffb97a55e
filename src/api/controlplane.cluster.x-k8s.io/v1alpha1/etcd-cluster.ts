// EtcdCluster: a control plane that is an etcd cluster, one member per Machine (the ControlPlane
// contract of Cluster API v1beta2: spec.replicas, spec.version, status replica counts, selector,
// initialization.controlPlaneInitialized, the Available condition), with etcd's own view reported
// beside it: members, leader, alarms, endpoints.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum } from '../../crd.ts';
import {
  conditions, conditionStatusPath, contractVersionedObjectReference, dateTime, int32, int64, observedGeneration, replicaCounters, TemplateObjectMeta,
} from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { replicasScaleSubresource } from '../../cluster.x-k8s.io/v1beta2/machine-set.ts';
import { clusterLabelColumn } from '../../infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import { etcdConfigSharedProperties, etcdVersionPattern } from '../../bootstrap.cluster.x-k8s.io/v1alpha1/etcd-config.ts';
import { etcdControlPlaneCRDLabels, group, version } from './common.ts';

/**
 * Member counts etcd recommends: odd, up to seven. An even count tolerates no more failures than the
 * odd count below it (quorum of 4 is 3, of 3 is 2: both survive one loss) while adding a member that
 * every write must wait for, so it is refused; a rollout still surges to n+1 for a moment.
 */
export const ETCD_CLUSTER_SIZES = [1, 3, 5, 7] as const;
export const DEFAULT_ETCD_CLUSTER_SIZE = 3;

export const EtcdClusterSpec = Type.Object({
  replicas: Type.Optional(Type.Unsafe<number>({
    type: 'integer', format: 'int32', enum: [...ETCD_CLUSTER_SIZES], default: DEFAULT_ETCD_CLUSTER_SIZE,
    description: 'replicas is the number of etcd members: 1, 3, 5 or 7 (an even number adds no fault tolerance). Defaults to 3.',
  })),
  version: Type.String({ maxLength: 64, pattern: etcdVersionPattern, description: 'version of etcd the members run (e.g. 3.4.23); the machine image must provide it. Changing it rolls the members out.' }),
  machineTemplate: Type.Object({
    metadata: Type.Optional(TemplateObjectMeta),
    spec: Type.Object({
      infrastructureRef: contractVersionedObjectReference('infrastructureRef is the infrastructure machine template the members\' machines are cloned from; pointing it at another template rolls the members out.'),
    }, { description: 'spec of the members\' Machines.' }),
  }, { description: 'machineTemplate describes the Machines of the members.' }),
  etcdConfigSpec: Type.Optional(Type.Object(etcdConfigSharedProperties, { description: 'etcdConfigSpec is the EtcdConfig every member is bootstrapped with (the member fields are the controller\'s).' })),
  rollout: Type.Optional(Type.Object({
    after: Type.Optional(dateTime('after rolls out every member created before this time, even without a change.')),
    before: Type.Optional(Type.Object({
      certificatesExpiryDays: Type.Optional(int32({ minimum: 7, description: 'certificatesExpiryDays rolls out a member whose certificates expire within this many days.' })),
    }, { description: 'before rolls out members that meet these criteria.' })),
    strategy: Type.Optional(Type.Object({
      type: Type.Optional(stringEnum(['RollingUpdate'], { description: 'type of rollout; only RollingUpdate. Defaults to RollingUpdate.' })),
      rollingUpdate: Type.Optional(Type.Object({
        maxSurge: Type.Optional(Type.Unsafe<number>({
          type: 'integer', format: 'int32', enum: [0, 1], default: 1,
          description: 'maxSurge: 1 adds the replacement member before removing an old one (quorum never shrinks); 0 removes first (no extra machine; needs at least 3 members). Defaults to 1.',
        })),
      }, { description: 'rollingUpdate configures the rolling update.' })),
    }, { description: 'strategy says how members are replaced.' })),
  }, { description: 'rollout controls when and how members are replaced.' })),
}, { description: 'spec is the desired state of EtcdCluster.' });
export type EtcdClusterSpec = Static<typeof EtcdClusterSpec>;

export const EtcdClusterMemberStatus = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'name of the member (its Machine\'s name); absent for a learner that has not started yet.' })),
  id: Type.String({ minLength: 1, maxLength: 16, pattern: '^[0-9a-f]+$', description: 'id of the member in etcd, in hex as etcdctl prints it.' }),
  machine: Type.Optional(Type.String({ maxLength: 253, description: 'machine is the Machine running the member; absent for a member no Machine accounts for (it is removed).' })),
  learner: Type.Boolean({ description: 'learner is true until the member is promoted to a voting member.' }),
  leader: Type.Boolean({ description: 'leader is true for the raft leader.' }),
  reachable: Type.Boolean({ description: 'reachable is true when the member answered its status request.' }),
  healthy: Type.Boolean({ description: 'healthy is true when the member answered its health check.' }),
  version: Type.Optional(Type.String({ maxLength: 64, description: 'version of etcd the member runs.' })),
  dbSizeBytes: Type.Optional(int64({ minimum: 0, description: 'dbSizeBytes is the size of the member\'s backend database.' })),
  alarms: Type.Optional(Type.Array(stringEnum(['NOSPACE', 'CORRUPT']), { maxItems: 2, description: 'alarms raised for the member.', 'x-kubernetes-list-type': 'set' })),
  message: Type.Optional(Type.String({ maxLength: 1024, description: 'message says what is wrong with the member, when something is.' })),
});
export type EtcdClusterMemberStatus = Static<typeof EtcdClusterMemberStatus>;

export const EtcdClusterStatus = Type.Object({
  conditions: Type.Optional(conditions('conditions represents the observations of an EtcdCluster\'s current state (Available, EtcdClusterHealthy, MachinesReady, MachinesUpToDate, RollingOut, ScalingUp, ScalingDown, Remediating, Deleting, Paused).')),
  initialization: Type.Optional(Type.Object({
    controlPlaneInitialized: Type.Optional(Type.Boolean({ description: 'controlPlaneInitialized is true once the first member answers; Cluster API copies it into the Cluster.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the EtcdCluster initialization process.' })),
  ...replicaCounters,
  version: Type.Optional(Type.String({ maxLength: 64, description: 'version is the lowest etcd version the members run.' })),
  endpoints: Type.Optional(Type.Array(Type.String({ maxLength: 512 }), { maxItems: 16, description: 'endpoints are the members\' client URLs (https://<machine>:2379), for etcd\'s users.', 'x-kubernetes-list-type': 'atomic' })),
  leader: Type.Optional(Type.String({ maxLength: 253, description: 'leader is the name of the member leading the cluster.' })),
  members: Type.Optional(Type.Array(EtcdClusterMemberStatus, { maxItems: 16, description: 'members as etcd reports them.', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'] })),
  observedGeneration: observedGeneration(),
}, { description: 'status is the observed state of EtcdCluster.' });
export type EtcdClusterStatus = Static<typeof EtcdClusterStatus>;

export const EtcdClusterSchema = kubeObject('EtcdCluster is a control plane made of an etcd cluster, one member per Machine.', EtcdClusterSpec, EtcdClusterStatus);
export type EtcdCluster = Static<typeof EtcdClusterSchema>;

export const etcdClusterCRD = defineCRD({
  group,
  kind: 'EtcdCluster',
  plural: 'etcdclusters',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: etcdControlPlaneCRDLabels,
  versions: [{
    name: version,
    schema: EtcdClusterSchema,
    storage: true,
    subresources: { status: true, scale: replicasScaleSubresource },
    printerColumns: [
      clusterLabelColumn,
      { name: 'Initialized', type: 'boolean', jsonPath: '.status.initialization.controlPlaneInitialized', description: 'The first member answers' },
      { name: 'Healthy', type: 'string', jsonPath: conditionStatusPath('EtcdClusterHealthy'), description: 'Every member is healthy' },
      { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas', description: 'The desired number of members' },
      { name: 'Current', type: 'integer', jsonPath: '.status.replicas', description: 'The number of member machines', priority: 10 },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas', description: 'The number of member machines with Ready condition true' },
      { name: 'Available', type: 'integer', jsonPath: '.status.availableReplicas', description: 'The number of member machines with Available condition true' },
      { name: 'Up-to-date', type: 'integer', jsonPath: '.status.upToDateReplicas', description: 'The number of member machines with UpToDate condition true' },
      { name: 'Leader', type: 'string', jsonPath: '.status.leader', description: 'The member leading the cluster', priority: 10 },
      { name: 'Paused', type: 'string', jsonPath: conditionStatusPath('Paused'), description: 'Reconciliation paused', priority: 10 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the EtcdCluster' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version', description: 'etcd version' },
    ],
  }],
});
