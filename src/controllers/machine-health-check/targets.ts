// The Machines a MachineHealthCheck watches over: those of its cluster (cluster-name label) in its
// namespace matching its selector, minus the paused ones and those with the skip-remediation
// annotation (as Cluster API's getTargetsFromMHC), each with the node its infrastructure reports.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineHealthCheck } from '../../api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';
import { clusterNameLabel, machineSkipRemediationAnnotation, pausedAnnotation } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { ResourceRef } from '../../client/rest-client.ts';
import { machinesResource, objectsOfCluster } from '../cluster/resources.ts';
import { selectorMatches } from '../machine-set/label-selector.ts';
import { getExternal, resolveReference, UnknownProviderKindError } from '../provider-contract/external.ts';
import { infraMachine } from '../provider-contract/contract.ts';
import type { HealthTarget } from './health.ts';

type MachineObject = Machine & KubeObject;

/** Whether the health check selects the Machine at all (before the skip rules). */
export function selects(mhc: MachineHealthCheck & KubeObject, machine: KubeObject): boolean {
  return machine.metadata.namespace === mhc.metadata.namespace
    && machine.metadata.labels?.[clusterNameLabel] === mhc.spec.clusterName
    && selectorMatches(mhc.spec.selector, machine.metadata.labels);
}

const skipped = (machine: KubeObject) => {
  const annotations = machine.metadata.annotations ?? {};
  return pausedAnnotation in annotations || machineSkipRemediationAnnotation in annotations;
};

/**
 * The targets, read from the shared caches. Each infrastructure kind met is watched from now on
 * (its changes re-queue the keys `mapInfrastructure` returns), so node changes are seen at once.
 */
export async function healthCheckTargets(
  ctx: ManagerContext,
  mhc: MachineHealthCheck & KubeObject,
  mapInfrastructure: (obj: KubeObject) => string[],
): Promise<HealthTarget[]> {
  const machines = ctx.informer<MachineObject>(machinesResource);
  await machines.waitForSync(ctx.signal);
  const selected = objectsOfCluster(machines, `${mhc.metadata.namespace}/${mhc.spec.clusterName}`)
    .filter((m) => selects(mhc, m) && !skipped(m));

  const synced = new Set<string>();
  const targets: HealthTarget[] = [];
  for (const machine of selected) {
    const ref = machine.spec.infrastructureRef;
    let resource: ResourceRef;
    try {
      resource = await resolveReference(ctx, ref);
    } catch (error) {
      // A provider that is not installed reports no node: the startup timeout judges the Machine.
      if (!(error instanceof UnknownProviderKindError)) throw error;
      targets.push({ machine, node: undefined });
      continue;
    }
    const resourceKey = `${resource.group}/${resource.version}/${resource.plural}`;
    if (!synced.has(resourceKey)) {
      ctx.watchResource(resource, mapInfrastructure);
      await ctx.informer(resource).waitForSync(ctx.signal);
      synced.add(resourceKey);
    }
    const infrastructure = await getExternal(ctx, ref, machine.metadata.namespace!);
    targets.push({ machine, node: infraMachine.node(infrastructure) });
  }
  return targets;
}
