// `slipway describe cluster NAME`: instead of the generic describe page, a Cluster API Cluster is
// shown as `clusterctl describe cluster` shows it — the at-a-glance tree of the Cluster, its
// infrastructure, control plane and workers (printers/cluster-tree.ts). Every other kind keeps
// the generic page, so this wraps the generic describe handler rather than replacing it.
import { styleText } from 'node:util';
import type { KubeObject } from '../../api/meta.ts';
import { isNotFound, type ResourceRef } from '../../client/rest-client.ts';
import { connect, type Cluster } from '../connection.ts';
import { CliError, UsageError } from '../errors.ts';
import { parseResourceArgs } from '../resource-args.ts';
import { renderClusterTree, type ClusterObjects, type TreeStyle } from '../printers/cluster-tree.ts';
import { renderEtcdMembers } from '../printers/etcd-members.ts';
import { describe, type DescribeOptions } from './describe.ts';

const GROUP = 'cluster.x-k8s.io';
const core = (plural: string, kind: string): ResourceRef & { kind: string } => ({ group: GROUP, version: 'v1beta2', plural, namespaced: true, kind });
const CLUSTERS = core('clusters', 'Cluster');
const MACHINES = core('machines', 'Machine');
const MACHINE_SETS = core('machinesets', 'MachineSet');
const MACHINE_DEPLOYMENTS = core('machinedeployments', 'MachineDeployment');

interface ContractReference { apiGroup?: string; kind?: string; name?: string }

interface TreeFlags {
  'show-conditions'?: string;
  grouping: boolean;
  echo: boolean;
  'show-machinesets': boolean;
}

/** Colours for a stream: only on a TTY and without NO_COLOR (node's styleText checks both). */
function treeStyleFor(stream: NodeJS.WriteStream): TreeStyle {
  const paint = (format: Parameters<typeof styleText>[0]) => (text: string) => styleText(format, text, { stream });
  return { gray: paint('gray'), red: paint('red'), green: paint('green'), yellow: paint('yellow'), cyan: paint('cyan'), bold: paint('bold') };
}

const namesInOrder = <T extends KubeObject>(items: T[]) => [...items].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
const clusterNameOf = (object: KubeObject) => (object.spec as { clusterName?: string } | undefined)?.clusterName;

/** Objects of provider kinds (infrastructure machines, bootstrap configs), listed once per kind and found by name. */
class ProviderObjects {
  private readonly cluster: Cluster;
  private readonly namespace: string;
  private readonly byKind = new Map<string, Promise<Map<string, KubeObject>>>();

  constructor(cluster: Cluster, namespace: string) {
    this.cluster = cluster;
    this.namespace = namespace;
  }

  /** The object a contract reference names, or undefined when its kind is not served or it does not exist. */
  async get(ref: ContractReference | undefined): Promise<KubeObject | undefined> {
    if (!ref?.apiGroup || !ref.kind || !ref.name) return undefined;
    const key = `${ref.kind}.${ref.apiGroup}`;
    let objects = this.byKind.get(key);
    if (!objects) {
      objects = this.list(ref.apiGroup, ref.kind);
      this.byKind.set(key, objects);
    }
    return (await objects).get(ref.name);
  }

  private async list(group: string, kind: string): Promise<Map<string, KubeObject>> {
    // Any served version shows the same object; the preferred one is what discovery offers first.
    const served = (await this.cluster.discovery.preferredResources()).find((r) => r.group === group && r.kind === kind);
    if (!served) return new Map();
    const list = await this.cluster.list(served, { namespace: this.namespace });
    return new Map(list.items.map((item) => [item.metadata.name!, item]));
  }
}

/** Reads a Cluster and everything its tree shows. */
export async function readClusterObjects(cluster: Cluster, namespace: string, name: string): Promise<ClusterObjects> {
  let root: KubeObject;
  try {
    root = await cluster.get(CLUSTERS, namespace, name);
  } catch (error) {
    if (isNotFound(error)) throw new CliError(`cluster "${name}" not found in namespace "${namespace}"`, 'list clusters with `slipway get clusters -A`');
    throw error;
  }
  const spec = root.spec as { infrastructureRef?: ContractReference; controlPlaneRef?: ContractReference };
  const providers = new ProviderObjects(cluster, namespace);
  // Members are found by spec.clusterName (required on each kind), not by label: labels are
  // added by controllers, and a just-applied object may not carry them yet.
  const [infrastructure, controlPlane, machineDeployments, machineSets, machines] = await Promise.all([
    providers.get(spec.infrastructureRef),
    providers.get(spec.controlPlaneRef),
    ...[MACHINE_DEPLOYMENTS, MACHINE_SETS, MACHINES].map(async (resource) =>
      namesInOrder((await cluster.list(resource, { namespace })).items.filter((o) => clusterNameOf(o) === name))),
  ]) as [KubeObject | undefined, KubeObject | undefined, KubeObject[], KubeObject[], KubeObject[]];

  const machineInfrastructure = new Map<string, KubeObject>();
  const machineBootstrap = new Map<string, KubeObject>();
  await Promise.all(machines.map(async (machine) => {
    const machineSpec = machine.spec as { infrastructureRef?: ContractReference; bootstrap?: { configRef?: ContractReference } };
    const [infra, bootstrap] = await Promise.all([providers.get(machineSpec.infrastructureRef), providers.get(machineSpec.bootstrap?.configRef)]);
    if (infra) machineInfrastructure.set(machine.metadata.uid!, infra);
    if (bootstrap) machineBootstrap.set(machine.metadata.uid!, bootstrap);
  }));
  return { cluster: root, infrastructure, controlPlane, machineDeployments, machineSets, machines, machineInfrastructure, machineBootstrap };
}

/** True when the typed kind is Cluster API's Cluster on this server. */
async function namesClusterApiCluster(cluster: Cluster, typed: string): Promise<boolean> {
  const resource = await cluster.discovery.lookup(typed);
  return resource?.group === GROUP && resource.kind === 'Cluster';
}

/** `slipway describe`: Cluster API Clusters as the cluster tree, everything else as the generic page. */
export async function describeWithClusterTree(argv: DescribeOptions & TreeFlags): Promise<void> {
  const [selection, ...more] = parseResourceArgs([argv.resource, ...argv.names]);
  const showConditions = argv['show-conditions'];
  if (showConditions !== undefined && showConditions.split(',').some((f) => f.trim() !== f || f === '')) {
    throw new UsageError(`invalid --show-conditions value "${showConditions}"`, 'give comma separated kinds or Kind/name without spaces, or "all"');
  }
  const cluster = await connect(argv);
  if (more.length > 0 || !(await namesClusterApiCluster(cluster, selection.kind))) {
    const treeFlag = argv['show-conditions'] !== undefined ? '--show-conditions' : argv.echo ? '--echo' : argv['show-machinesets'] ? '--show-machinesets' : undefined;
    if (treeFlag) throw new UsageError(`${treeFlag} only applies to Cluster API clusters`, `e.g. \`slipway describe cluster NAME ${treeFlag}\``);
    await describe(argv);
    return;
  }
  const namespace = cluster.namespace;
  const names = selection.names.length > 0
    ? selection.names
    : (await cluster.list(CLUSTERS, { namespace, labelSelector: argv.selector })).items.map((c) => c.metadata.name!).sort();
  if (names.length === 0) {
    process.stderr.write(`No resources found in ${namespace} namespace.\n`);
    return;
  }
  const style = treeStyleFor(process.stdout);
  const trees: string[] = [];
  for (const name of names) {
    const objects = await readClusterObjects(cluster, namespace, name);
    trees.push(renderClusterTree(objects, { showConditions, grouping: argv.grouping, echo: argv.echo, showMachineSets: argv['show-machinesets'], style }) + renderEtcdMembers(objects.controlPlane));
  }
  process.stdout.write(trees.join('\n'));
}
