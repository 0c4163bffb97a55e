// EtcdConfig: the bootstrap configuration of one etcd member. Its controller turns it into the
// bootstrap data of the owning Machine (the BootstrapConfig contract of Cluster API v1beta2:
// status.initialization.dataSecretCreated, status.dataSecretName): a cloud-config writing the member's
// certificates and settings and starting etcd, either as the first member of a new cluster or as a
// member joining one the control plane has already added it to.

import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum, stringMap } from '../../crd.ts';
import { conditions, conditionStatusPath, dnsSubdomainPattern, int32, observedGeneration } from '../../cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType } from '../../cluster.x-k8s.io/v1beta2/conditions.ts';
import { clusterLabelColumn } from '../../infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import { apiVersion, etcdBootstrapCRDLabels, group, version } from './common.ts';

/** An etcd release as `etcd --version` prints it, with or without a leading v. */
export const etcdVersionPattern = '^v?[0-9]+\\.[0-9]+\\.[0-9]+$';
/** An https URL with a host (name, IPv4, or [IPv6]) and a port, as etcd peer URLs are written. */
export const peerURLPattern = '^https://([A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}$';

export const EtcdUser = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z_][a-z0-9_-]*$', description: 'name of the user, created if missing.' }),
  sshAuthorizedKeys: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 16384, pattern: '^[^\\r\\n]+$' }), {
    maxItems: 100, description: 'sshAuthorizedKeys are the OpenSSH public keys allowed to log in as this user.', 'x-kubernetes-list-type': 'atomic',
  })),
});
export type EtcdUser = Static<typeof EtcdUser>;

const commands = (description: string) => Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 10240 }), { maxItems: 100, description, 'x-kubernetes-list-type': 'atomic' }));

/** The member-independent part of the configuration: what an EtcdCluster gives each of its members. */
export const etcdConfigSharedProperties = {
  etcd: Type.Optional(Type.Object({
    extraArgs: Type.Optional(stringMap({
      description: 'extraArgs are more etcd flags, by name without dashes (quota-backend-bytes: "8589934592"). Flags Slipway sets itself (names, URLs, data directory, TLS files, initial cluster) are refused.',
    })),
    cipherSuites: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^TLS_[A-Z0-9_]+$' }), {
      minItems: 1, maxItems: 64, description: 'cipherSuites restricts the TLS cipher suites etcd accepts (Go names, e.g. TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); default: Go\'s.', 'x-kubernetes-list-type': 'atomic',
    })),
  }, { description: 'etcd holds settings of the etcd server.' })),
  certificateValidityDays: Type.Optional(int32({ minimum: 1, maximum: 3650, description: 'certificateValidityDays is how long the member\'s server and peer certificates are valid. Defaults to 365.' })),
  users: Type.Optional(Type.Array(EtcdUser, { maxItems: 32, description: 'users to create on the machine.', 'x-kubernetes-list-type': 'atomic' })),
  preEtcdCommands: commands('preEtcdCommands run (with sh) before etcd starts.'),
  postEtcdCommands: commands('postEtcdCommands run (with sh) once etcd answers health checks.'),
  format: Type.Optional(stringEnum(['cloud-config'], { description: 'format of the bootstrap data; only cloud-config. Defaults to cloud-config.' })),
};

export const InitialClusterMember = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, pattern: dnsSubdomainPattern, description: 'name of the member: the name of its Machine.' }),
  peerURL: Type.Optional(Type.String({ maxLength: 512, pattern: peerURLPattern, description: 'peerURL the member is reached at by its peers. Defaults to https://<name>:2380.' })),
});
export type InitialClusterMember = Static<typeof InitialClusterMember>;

export const InitialClusterState = stringEnum(['new', 'existing'], {
  description: 'initialClusterState: new starts a cluster from the members in initialCluster (just this one when empty); existing joins a cluster that already lists this member (the control plane adds it as a learner first). Unset: the bootstrap data waits until it is set.',
});

export const EtcdConfigSpec = Type.Object({
  ...etcdConfigSharedProperties,
  version: Type.Optional(Type.String({ maxLength: 64, pattern: etcdVersionPattern, description: 'version of etcd the machine image must provide; the bootstrap fails, saying so, when /usr/bin/etcd is another version.' })),
  initialClusterState: Type.Optional(InitialClusterState),
  initialCluster: Type.Optional(Type.Array(InitialClusterMember, {
    maxItems: 16, description: 'initialCluster lists the other members etcd starts with (this member is added by the controller).', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
  })),
}, { description: 'spec is the desired state of EtcdConfig.' });
export type EtcdConfigSpec = Static<typeof EtcdConfigSpec>;

export const EtcdConfigStatus = Type.Object({
  initialization: Type.Optional(Type.Object({
    dataSecretCreated: Type.Optional(Type.Boolean({ description: 'dataSecretCreated is true once the bootstrap data Secret exists.' })),
  }, { minProperties: 1, description: 'initialization provides observations of the EtcdConfig initialization process.' })),
  dataSecretName: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'dataSecretName is the Secret holding the bootstrap data under key value.' })),
  conditions: Type.Optional(conditions('conditions represents the observations of an EtcdConfig\'s current state (Ready, DataSecretAvailable, CertificatesAvailable, Paused).')),
  observedGeneration: observedGeneration(),
}, { description: 'status is the observed state of EtcdConfig.' });
export type EtcdConfigStatus = Static<typeof EtcdConfigStatus>;

export const EtcdConfigSchema = kubeObject('EtcdConfig is the bootstrap configuration of one etcd member.', EtcdConfigSpec, EtcdConfigStatus);
export type EtcdConfig = Static<typeof EtcdConfigSchema>;

export const etcdConfigTypeMeta = { apiVersion, kind: 'EtcdConfig' } as const;

export const EtcdConfigConditionType = {
  Ready: ConditionType.Ready,
  DataSecretAvailable: 'DataSecretAvailable',
  CertificatesAvailable: 'CertificatesAvailable',
  Paused: ConditionType.Paused,
} as const;

export const EtcdConfigReason = {
  DataSecretAvailable: 'Available',
  DataSecretNotAvailable: 'NotAvailable',
  WaitingForMachine: 'WaitingForMachine',
  WaitingForCluster: 'WaitingForCluster',
  WaitingForControlPlane: 'WaitingForControlPlane',
  WaitingForMembership: 'WaitingForMembership',
  InvalidConfiguration: 'InvalidConfiguration',
  CertificatesAvailable: 'Available',
  CertificatesInternalError: 'InternalError',
  Ready: 'Ready',
  NotReady: 'NotReady',
} as const;

export const etcdConfigCRD = defineCRD({
  group,
  kind: 'EtcdConfig',
  plural: 'etcdconfigs',
  categories: ['cluster-api'],
  scope: 'Namespaced',
  labels: etcdBootstrapCRDLabels,
  versions: [{
    name: version,
    schema: EtcdConfigSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      clusterLabelColumn,
      { name: 'State', type: 'string', jsonPath: '.spec.initialClusterState', description: 'Whether the member starts a new cluster or joins an existing one' },
      { name: 'Data secret created', type: 'string', jsonPath: '.status.initialization.dataSecretCreated', description: 'The bootstrap data Secret exists' },
      { name: 'Ready', type: 'string', jsonPath: conditionStatusPath('Ready'), description: 'EtcdConfig is ready' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time duration since creation of the EtcdConfig' },
    ],
  }],
});
