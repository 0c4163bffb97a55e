// The certificate Secrets of a cluster that bootstrap and control-plane providers share, found or
// created through the API. Several reconciles (of one controller or of several) may race to create
// or renew one: a write is a create, or an update at the version read, and whoever loses reads back
// and uses the winner's certificate, so every caller ends up with the one stored.
import type { OwnerReference } from '../api/meta.ts';
import { isAlreadyExists, isConflict, isNotFound, type RestClient } from '../client/rest-client.ts';
import { secretsResource } from '../client/resources.ts';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority, type KeyPair } from '../pki/certificates.ts';
import { CertificatePurpose, certificateSecret, certificateSecretName, keyPairFromSecret, type CertificateSecret } from '../pki/cluster-certificates.ts';
import { renewalReason } from '../pki/renewal.ts';
import { CertificateError, parseCertificate } from '../pki/inspection.ts';
import { keyMatchesCertificate } from '../pki/keys.ts';

export interface ClusterIdentity {
  namespace: string;
  name: string;
}

/** The common name of the etcd client certificate, as kubeadm names the API server's. */
export const ETCD_CLIENT_COMMON_NAME = 'kube-apiserver-etcd-client';

// A lost race costs one read; more rounds than this mean something keeps rewriting the Secret.
const MAX_ROUNDS = 5;

interface CertificateSecretSpec {
  cluster: ClusterIdentity;
  purpose: CertificatePurpose;
  owner?: OwnerReference;
  generate(): Promise<KeyPair>;
  /** Throws when the stored pair is unusable (it is then reported, never overwritten). */
  check(pair: KeyPair, what: string): KeyPair;
  /** Why a stored pair must be replaced now, if it must. */
  renewal?(pair: KeyPair): string | undefined;
}

async function readSecret(client: RestClient, namespace: string, name: string): Promise<CertificateSecret | undefined> {
  try {
    return await client.get<CertificateSecret>(secretsResource, name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function ensureCertificateSecret(client: RestClient, spec: CertificateSecretSpec): Promise<KeyPair> {
  const { namespace, name: clusterName } = spec.cluster;
  const name = certificateSecretName(clusterName, spec.purpose);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const existing = await readSecret(client, namespace, name);
    if (!existing) {
      const pair = await spec.generate();
      try {
        await client.create(secretsResource, certificateSecret({ namespace, clusterName, purpose: spec.purpose, pair, owner: spec.owner }));
        return pair;
      } catch (error) {
        if (isAlreadyExists(error)) continue;
        throw error;
      }
    }
    const pair = spec.check(keyPairFromSecret(existing), `Secret ${namespace}/${name}`);
    if (spec.renewal?.(pair) === undefined) return pair;
    const renewed = await spec.generate();
    const { data } = certificateSecret({ namespace, clusterName, purpose: spec.purpose, pair: renewed });
    try {
      await client.update(secretsResource, { ...existing, data: { ...existing.data, ...data } });
      return renewed;
    } catch (error) {
      if (isConflict(error)) continue;
      throw error;
    }
  }
  throw new Error(`Secret ${namespace}/${name} changed ${MAX_ROUNDS} times while it was being read; try again`);
}

/**
 * The cluster's etcd CA from Secret `<cluster>-etcd`, created when missing. An existing one (possibly
 * provided by the user) is used as it is, and never replaced: a CA it cannot use is an error to report.
 */
export function ensureEtcdCertificateAuthority(client: RestClient, cluster: ClusterIdentity, owner?: OwnerReference): Promise<KeyPair> {
  return ensureCertificateSecret(client, {
    cluster,
    purpose: CertificatePurpose.EtcdCA,
    owner,
    generate: () => createCertificateAuthority(`${cluster.name}-etcd-ca`),
    check: (pair, what) => loadCertificateAuthority(pair, what),
  });
}

/**
 * The client certificate for the cluster's etcd users from Secret `<cluster>-apiserver-etcd-client`,
 * created when missing and re-issued in place when due (a third of its life left, or issued by
 * another CA than `ca`).
 */
export function ensureEtcdClientCertificate(client: RestClient, cluster: ClusterIdentity, ca: KeyPair, owner?: OwnerReference): Promise<KeyPair> {
  return ensureCertificateSecret(client, {
    cluster,
    purpose: CertificatePurpose.APIServerEtcdClient,
    owner,
    generate: () => issueCertificate(ca, { commonName: ETCD_CLIENT_COMMON_NAME, usages: ['client'] }),
    check: (pair, what) => {
      if (!keyMatchesCertificate(parseCertificate(pair.cert, what), pair.key)) throw new CertificateError(`${what}: the private key is not the certificate's key`);
      return pair;
    },
    renewal: (pair) => renewalReason(pair.cert, { ca: ca.cert }),
  });
}
