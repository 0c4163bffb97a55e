// Cluster certificates stored as Cluster API stores them (util/secret): one Secret per purpose named
// `<cluster>-<purpose>`, type cluster.x-k8s.io/secret, the PEM certificate and key under tls.crt and
// tls.key, labelled with the cluster name and owned by the object managing the cluster's PKI. A CA
// Secret created by a user beforehand is used as it is, as Cluster API does.
import type { KubeObject, OwnerReference } from '../api/meta.ts';
import { clusterNameLabel, clusterSecretType } from '../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { CertificateError } from './inspection.ts';
import type { KeyPair } from './keys.ts';

/** The purposes Slipway stores, with Cluster API's names (the Secret is `<cluster>-<purpose>`). */
export const CertificatePurpose = {
  /** The etcd cluster's CA: signs member and client certificates. */
  EtcdCA: 'etcd',
  /** The client certificate for etcd's users (kube-apiserver, etcdctl), as Cluster API's external-etcd convention names it. */
  APIServerEtcdClient: 'apiserver-etcd-client',
} as const;
export type CertificatePurpose = (typeof CertificatePurpose)[keyof typeof CertificatePurpose];

export const TLS_CERT_KEY = 'tls.crt';
export const TLS_PRIVATE_KEY_KEY = 'tls.key';

export interface CertificateSecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

export function certificateSecretName(clusterName: string, purpose: CertificatePurpose): string {
  return `${clusterName}-${purpose}`;
}

export interface CertificateSecretInput {
  namespace: string;
  clusterName: string;
  purpose: CertificatePurpose;
  pair: KeyPair;
  owner?: OwnerReference;
}

export function certificateSecret(input: CertificateSecretInput): CertificateSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: certificateSecretName(input.clusterName, input.purpose),
      namespace: input.namespace,
      labels: { [clusterNameLabel]: input.clusterName },
      ...(input.owner ? { ownerReferences: [input.owner] } : {}),
    },
    type: clusterSecretType,
    data: {
      [TLS_CERT_KEY]: Buffer.from(input.pair.cert).toString('base64'),
      [TLS_PRIVATE_KEY_KEY]: Buffer.from(input.pair.key).toString('base64'),
    },
  };
}

/** The certificate and key a Secret holds; throws CertificateError naming the Secret when either is missing. */
export function keyPairFromSecret(secret: CertificateSecret): KeyPair {
  const what = `Secret ${secret.metadata.namespace}/${secret.metadata.name}`;
  const read = (key: string) => {
    const value = secret.data?.[key];
    if (typeof value !== 'string' || value === '') throw new CertificateError(`${what} has no ${key}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  return { cert: read(TLS_CERT_KEY), key: read(TLS_PRIVATE_KEY_KEY) };
}
