// The MachineHealthCheck controller (Cluster API's machinehealthcheck_controller.go): judges every
// target Machine (health.ts), counts expected and healthy machines, and — while
// remediation.triggerIf allows it — asks the Machines' owners to remediate the unhealthy ones
// (OwnerRemediated=False). Beyond triggerIf it marks them (HealthCheckSucceeded=False) and does
// nothing more, saying why in RemediationAllowed=False. It re-checks when the next timeout expires.
import { isDeepStrictEqual } from 'node:util';
import type { Condition } from '../../api/cluster.x-k8s.io/v1beta2/common.ts';
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineHealthCheck, MachineHealthCheckStatus } from '../../api/cluster.x-k8s.io/v1beta2/machine-health-check.ts';
import { clusterNameLabel } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { MachineConditionType, MachineHealthCheckConditionType, MachineHealthCheckReason } from '../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { KubeObject } from '../../api/meta.ts';
import { splitApiVersion } from '../../api/meta.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../client/controller.ts';
import { objectKey } from '../../client/informer.ts';
import { clustersResource, machinesResource } from '../cluster/resources.ts';
import { pausedCondition } from '../cluster/paused.ts';
import { ownerReferenceTo } from '../provider-contract/external.ts';
import { setCondition, type ConditionState } from '../provider-contract/conditions.ts';
import { checkHealth, type HealthTarget, type HealthVerdict } from './health.ts';
import { markMachine } from './machine-marks.ts';
import { remediationAllowance } from './remediation-allowed.ts';
import { machineHealthChecksResource } from './resources.ts';
import { healthCheckTargets, selects } from './targets.ts';

type MHC = MachineHealthCheck & KubeObject;
type MachineObject = Machine & KubeObject;

export function machineHealthCheckController(): ControllerDefinition {
  return defineController({
    name: 'machinehealthcheck',
    for: machineHealthChecksResource,
    concurrency: 2,
    reconcile: reconcileMachineHealthCheck,
  });
}

/** Keys of the health checks selecting a Machine. */
function healthChecksOfMachine(ctx: ManagerContext, machine: KubeObject): string[] {
  return ctx.informer<MHC>(machineHealthChecksResource).list().filter((mhc) => selects(mhc, machine)).map(objectKey);
}

/** Machines, Clusters and infrastructure machines (their nodes) change what a health check sees. */
function watchInputs(ctx: ManagerContext): (infrastructure: KubeObject) => string[] {
  ctx.watchResource(machinesResource, (machine) => healthChecksOfMachine(ctx, machine));
  ctx.watchResource(clustersResource, (cluster) => ctx.informer<MHC>(machineHealthChecksResource).list()
    .filter((mhc) => mhc.metadata.namespace === cluster.metadata.namespace && mhc.spec.clusterName === cluster.metadata.name).map(objectKey));
  return (infrastructure) => {
    const owner = infrastructure.metadata.ownerReferences?.find((r) => r.kind === 'Machine' && splitApiVersion(r.apiVersion).group === machinesResource.group);
    const machine = owner && ctx.informer(machinesResource).getByName(infrastructure.metadata.namespace, owner.name);
    return machine ? healthChecksOfMachine(ctx, machine) : [];
  };
}

async function reconcileMachineHealthCheck(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> {
  let mhc = ctx.informer<MHC>(machineHealthChecksResource).get(key);
  if (!mhc || mhc.metadata.deletionTimestamp) return;
  const mapInfrastructure = watchInputs(ctx);
  const clusters = ctx.informer(clustersResource);
  await clusters.waitForSync(ctx.signal);
  const cluster = clusters.getByName(mhc.metadata.namespace, mhc.spec.clusterName);
  if (!cluster) {
    // Not an error to retry: the Cluster's creation brings this health check back (watchInputs), and
    // one being deleted with its Cluster would only fill the log until the garbage collector removes it.
    ctx.recorder.event(mhc, 'Warning', 'ClusterNotFound', `Cluster ${mhc.metadata.namespace}/${mhc.spec.clusterName} does not exist: nothing is checked until it does (create it, or fix spec.clusterName)`);
    return;
  }

  const paused = pausedCondition(mhc, cluster);
  if (paused.status === 'True') {
    await writeStatus(ctx, mhc, { ...mhc.status, conditions: withConditions(mhc, [paused]) });
    return;
  }
  mhc = await ensureBelongsToCluster(ctx, mhc, cluster);

  const nowMs = Date.now();
  const targets = await healthCheckTargets(ctx, mhc, mapInfrastructure);
  const verdicts = targets.map((target) => ({ target, verdict: checkHealth(target, { cluster, checks: mhc!.spec.checks ?? {}, nowMs }) }));
  const healthy = verdicts.filter((v) => v.verdict.state === 'healthy');
  const unhealthy = verdicts.filter((v) => v.verdict.state === 'unhealthy');
  const nextChecks = verdicts.map((v) => (v.verdict.state === 'pending' ? v.verdict.nextCheckMs : undefined)).filter((ms): ms is number => ms !== undefined);

  const allowance = remediationAllowance(mhc.spec.remediation, targets.length, healthy.length);
  const remediationAllowed: ConditionState = allowance.allowed
    ? { type: MachineHealthCheckConditionType.RemediationAllowed, status: 'True', reason: MachineHealthCheckReason.RemediationAllowed }
    : { type: MachineHealthCheckConditionType.RemediationAllowed, status: 'False', reason: MachineHealthCheckReason.TooManyUnhealthy, message: allowance.message };
  // As Cluster API, on every reconcile that holds remediation back (the recorder aggregates repeats).
  if (!allowance.allowed && unhealthy.length > 0) ctx.recorder.event(mhc, 'Warning', 'RemediationRestricted', allowance.message!);

  const errors: unknown[] = [];
  const mark = async (target: HealthTarget, verdict: HealthVerdict, requestRemediation: boolean) => {
    if (verdict.state === 'pending') return;
    try {
      const changed = await markMachine(ctx, target.machine as MachineObject, verdict.condition, requestRemediation);
      if (verdict.state === 'unhealthy' && changed.length > 0) {
        ctx.recorder.event(target.machine, 'Normal', 'MachineMarkedUnhealthy', `Machine ${target.machine.metadata.namespace}/${target.machine.metadata.name} has been marked as unhealthy by ${mhc!.metadata.namespace}/${mhc!.metadata.name}${changed.includes(MachineConditionType.OwnerRemediated) ? ' (remediation requested from its owner)' : ''}`);
      }
    } catch (error) {
      errors.push(error);
    }
  };
  await Promise.all([
    ...unhealthy.map(({ target, verdict }) => mark(target, verdict, allowance.allowed)),
    ...healthy.map(({ target, verdict }) => mark(target, verdict, false)),
  ]);

  await writeStatus(ctx, mhc, {
    ...mhc.status,
    expectedMachines: targets.length,
    currentHealthy: healthy.length,
    remediationsAllowed: Math.max(0, allowance.remaining),
    targets: targets.map((t) => t.machine.metadata.name!).sort(),
    conditions: withConditions(mhc, [paused, remediationAllowed]),
    ...(errors.length === 0 && mhc.metadata.generation ? { observedGeneration: mhc.metadata.generation } : {}),
  });
  if (errors.length > 0) throw new AggregateError(errors, `marking ${errors.length} Machine(s) of MachineHealthCheck ${key} failed: ${(errors[0] as Error).message}`);
  return nextChecks.length > 0 ? { requeueAfter: Math.min(...nextChecks) } : undefined;
}

function withConditions(mhc: MHC, states: ConditionState[]): Condition[] {
  // setCondition always writes a message, as the schema requires.
  return states.reduce<Condition[]>((list, state) => setCondition(list, state, mhc.metadata.generation) as Condition[], mhc.status?.conditions ?? []);
}

async function writeStatus(ctx: ManagerContext, mhc: MHC, status: MachineHealthCheckStatus): Promise<void> {
  if (isDeepStrictEqual(status, mhc.status ?? {})) return;
  await ctx.client.updateStatus(machineHealthChecksResource, { ...mhc, status });
}

/** As Cluster API: a health check carries its cluster's name label and is owned by the Cluster (deleted with it). */
async function ensureBelongsToCluster(ctx: ManagerContext, mhc: MHC, cluster: KubeObject): Promise<MHC> {
  const owners = mhc.metadata.ownerReferences ?? [];
  const owned = owners.some((r) => r.uid === cluster.metadata.uid);
  if (owned && mhc.metadata.labels?.[clusterNameLabel] === mhc.spec.clusterName) return mhc;
  return ctx.client.update<MHC>(machineHealthChecksResource, {
    ...mhc,
    metadata: {
      ...mhc.metadata,
      labels: { ...mhc.metadata.labels, [clusterNameLabel]: mhc.spec.clusterName },
      ownerReferences: owned ? owners : [...owners.filter((r) => !(r.kind === 'Cluster' && splitApiVersion(r.apiVersion).group === clustersResource.group)), ownerReferenceTo(cluster)],
    },
  });
}
