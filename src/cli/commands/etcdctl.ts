// `slipway etcdctl CLUSTER -- ARGS`: the host's etcdctl against a Cluster whose control plane is an
// EtcdCluster, with every member as an endpoint and the cluster's client certificate (Secret
// `<cluster>-apiserver-etcd-client`), written to a private temporary directory for the run only.
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound, type ResourceRef } from '../../client/rest-client.ts';
import { secretsResource } from '../../client/resources.ts';
import type { CertificatePurpose, CertificateSecret } from '../../pki/cluster-certificates.ts';
import { connect } from '../connection.ts';
import { CliError } from '../errors.ts';
import type { GlobalOptions } from '../global-options.ts';

interface EtcdctlOptions extends GlobalOptions {
  cluster: string;
  args: string[];
}

const CLUSTERS: ResourceRef = { group: 'cluster.x-k8s.io', version: 'v1beta2', plural: 'clusters', namespaced: true };
const MACHINES: ResourceRef = { group: 'cluster.x-k8s.io', version: 'v1beta2', plural: 'machines', namespaced: true };
const ETCD_CLUSTERS: ResourceRef = { group: 'controlplane.cluster.x-k8s.io', version: 'v1alpha1', plural: 'etcdclusters', namespaced: true };

interface MachineLike extends KubeObject { status?: { addresses?: { type: string; address: string }[] } }

export async function etcdctl(argv: EtcdctlOptions): Promise<void> {
  // Loaded here, not with the command table: the PKI's X.509 library would slow every other command's start.
  const { CertificatePurpose, certificateSecretName, keyPairFromSecret } = await import('../../pki/cluster-certificates.ts');
  const { runHostEtcdctl } = await import('../../machines/etcdctl/host-etcdctl.ts');
  const cluster = await connect(argv);
  const namespace = cluster.namespace;
  const name = argv.cluster;
  const get = async <T extends KubeObject>(resource: ResourceRef, objectName: string, what: string, hint: string): Promise<T> => {
    try {
      return await cluster.client.get<T>(resource, objectName, namespace);
    } catch (error) {
      if (isNotFound(error)) throw new CliError(`${what} not found in namespace "${namespace}"`, hint);
      throw error;
    }
  };
  const root = await get<KubeObject & { spec: { controlPlaneRef?: { kind?: string; name?: string } } }>(CLUSTERS, name, `cluster "${name}"`, 'list clusters with `slipway get clusters -A`');
  const ref = root.spec.controlPlaneRef;
  if (ref?.kind !== 'EtcdCluster' || !ref.name) throw new CliError(`cluster "${name}" has no EtcdCluster control plane`, 'etcdctl works on clusters whose spec.controlPlaneRef names an EtcdCluster');
  const etcdCluster = await get<KubeObject & { status?: { members?: { machine?: string }[] } }>(ETCD_CLUSTERS, ref.name, `EtcdCluster "${ref.name}"`, 'the Cluster names a control plane that does not exist');
  const memberMachines = new Set((etcdCluster.status?.members ?? []).map((m) => m.machine).filter((m): m is string => Boolean(m)));
  const machines = (await cluster.client.listAll<MachineLike>(MACHINES, { namespace })).items.filter((m) => memberMachines.has(m.metadata.name!));
  const members = machines.flatMap((m) => {
    const address = m.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return address ? [{ name: m.metadata.name!, address }] : [];
  });
  if (members.length === 0) throw new CliError(`cluster "${name}" has no etcd member with an address yet`, `see \`slipway describe cluster ${name}\``);
  const secret = (purpose: CertificatePurpose) => get<CertificateSecret>(secretsResource, certificateSecretName(name, purpose), `Secret "${certificateSecretName(name, purpose)}"`, 'the first member\'s bootstrap creates it');
  const ca = keyPairFromSecret(await secret(CertificatePurpose.EtcdCA));
  const client = keyPairFromSecret(await secret(CertificatePurpose.APIServerEtcdClient));
  const { args } = argv;
  const result = await runHostEtcdctl({ members, ca: ca.cert, cert: client.cert, key: client.key, args, stdio: 'inherit' });
  process.exitCode = result.code;
}
