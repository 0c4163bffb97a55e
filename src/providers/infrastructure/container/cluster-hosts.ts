// The /etc/hosts lines a machine of a Cluster needs: every other machine of the Cluster under its
// Machine's name (and its own host name, when that differs), at its address. Cluster software that
// names members after their Machines (etcd's peer and client URLs) resolves them this way, including
// machines added later: the lines are rewritten in running machines whenever the set changes.
import type { KubeObject } from '../../../api/meta.ts';
import { clusterNameLabel } from '../../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { ManagerContext, UpdatePredicate } from '../../../client/controller.ts';
import { objectsOfCluster } from '../../../controllers/cluster/resources.ts';
import type { HostEntry } from '../../../machines/runtime/index.ts';
import type { ContainerMachineObject } from './container-machine-controller.ts';
import { containerMachinesResource } from './resources.ts';

const clusterKey = (machine: KubeObject) => {
  const cluster = machine.metadata.labels?.[clusterNameLabel];
  return cluster ? `${machine.metadata.namespace}/${cluster}` : undefined;
};

/** The names a machine answers to: its owning Machine's (what members are named after) and its host name. */
function namesOf(machine: ContainerMachineObject): string[] {
  const owner = machine.metadata.ownerReferences?.find((r) => r.kind === 'Machine')?.name;
  const hostname = machine.spec.hostname ?? machine.metadata.name!;
  return [...new Set([owner ?? hostname, hostname])];
}

/** The other machines of `machine`'s Cluster that have an address and are not being deleted, sorted so the file only changes when the set does. */
export function clusterHostEntries(ctx: ManagerContext, machine: ContainerMachineObject): HostEntry[] {
  const key = clusterKey(machine);
  if (!key) return [];
  return objectsOfCluster(ctx.informer<ContainerMachineObject>(containerMachinesResource), key)
    .filter((m) => m.metadata.uid !== machine.metadata.uid && !m.metadata.deletionTimestamp && m.status?.network?.ip)
    .map((m) => ({ ip: m.status!.network!.ip, names: namesOf(m) }))
    .sort((a, b) => a.names[0].localeCompare(b.names[0]));
}

/** Maps a ContainerMachine to its Cluster's other machines, which list it in their /etc/hosts. */
export const clusterSiblingsOf = (ctx: ManagerContext) => (machine: KubeObject): string[] => {
  const key = clusterKey(machine);
  if (!key) return [];
  return objectsOfCluster(ctx.informer<ContainerMachineObject>(containerMachinesResource), key)
    .filter((m) => m.metadata.uid !== machine.metadata.uid)
    .map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
};

/** Only an address given or taken, or a deletion, changes the siblings' /etc/hosts. */
export const hostsEntryChanged: UpdatePredicate = (old, obj) =>
  (old as ContainerMachineObject).status?.network?.ip !== (obj as ContainerMachineObject).status?.network?.ip
  || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp;
