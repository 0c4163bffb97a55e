// Scale-up: for each missing Machine (several at a time, see in-parallel.ts), a name, then clones of the
// bootstrap config template (when the template has a configRef) and of the infrastructure machine template named
// like the Machine and owned by the MachineSet (the Machine controller takes the ownership over once the Machine
// exists), then the Machine itself. If the Machine cannot be created, the clones this attempt made are deleted at
// once, and clones left behind by a crash between the two are found and deleted later (cleanupOrphanedClones)
// because no Machine of the MachineSet points at them.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineSet } from '../../api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { templateSuffix } from '../../api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { OWNER_UID_INDEX } from '../../client/informer.ts';
import { cloneFromTemplate, deleteExternal, resolveReference, type ProviderReference } from '../provider-contract/external.ts';
import type { CacheExpectations } from './cache-expectations.ts';
import { machinesResource } from '../cluster/resources.ts';
import { MACHINE_SET_MANAGER, machineAnnotations, machineLabels, machineSetOwnerReference, newMachine } from './desired-machine.ts';
import { forEachInParallel } from './in-parallel.ts';
import { machineName } from './machine-naming.ts';

/** Names tried before settling for one a cached Machine has (its creation then fails, and the next reconcile tries again). */
const NAME_ATTEMPTS = 10;

/**
 * A generated name that no cached Machine has and no other creation of this reconcile took. Random names do
 * meet: a rollout of a thousand Machines draws one already in use about once in ten runs (27⁵ names).
 */
function unusedMachineName(ms: MachineSet, informer: Informer<Machine>, taken: Set<string>): string {
  let name = '';
  for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
    name = machineName(ms.spec.machineNaming?.template, { clusterName: ms.spec.clusterName, machineSetName: ms.metadata.name! });
    if (!taken.has(name) && !informer.getByName(ms.metadata.namespace, name)) break;
  }
  taken.add(name);
  return name;
}

export async function createMachines(ctx: ManagerContext, ms: MachineSet, count: number, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<void> {
  const namespace = ms.metadata.namespace!;
  const template = ms.spec.template.spec;
  const taken = new Set<string>();
  await forEachInParallel(Array.from({ length: count }, (_, i) => i), async (i) => {
    const name = unusedMachineName(ms, informer, taken);
    const created: ProviderReference[] = [];
    const clone = async (templateRef: ProviderReference) => {
      // An object already there under this random name is another Machine's, never an earlier attempt of this one: not ours to use or remove.
      const ref = await cloneFromTemplate(ctx, {
        templateRef, namespace, clusterName: ms.spec.clusterName, name, mustCreate: true,
        owner: machineSetOwnerReference(ms, false), labels: machineLabels(ms), annotations: machineAnnotations(ms),
      });
      created.push(ref);
      return ref;
    };
    try {
      const configRef = template.bootstrap.configRef ? await clone(template.bootstrap.configRef) : undefined;
      const infrastructureRef = await clone(template.infrastructureRef);
      const machine = await ctx.client.create<Machine>(machinesResource, newMachine(ms, name, { infrastructureRef, configRef }), { fieldManager: MACHINE_SET_MANAGER });
      expectations.expectObserved(key, informer, machine);
    } catch (error) {
      // Without its Machine a clone would leak: remove what this attempt created.
      await Promise.all(created.map((ref) => deleteExternal(ctx, ref, namespace).catch((cleanupError) => {
        ctx.logger.warn({ err: cleanupError, kind: ref.kind, name: ref.name }, 'failed to clean up a clone after Machine creation failed');
      })));
      ctx.recorder.event(ms, 'Warning', 'FailedCreate', `Failed to create Machine "${name}": ${(error as Error).message}`);
      throw new Error(`MachineSet ${namespace}/${ms.metadata.name}: failed to create Machine ${name} (${i + 1} of ${count}): ${(error as Error).message}`, { cause: error });
    }
    ctx.logger.info({ machine: name, replicas: ms.spec.replicas }, `Machine ${name} created (scale up, creating ${i + 1} of ${count})`);
    ctx.recorder.event(ms, 'Normal', 'SuccessfulCreate', `Created Machine "${name}"`);
  });
}

/**
 * Deletes infrastructure machines and bootstrap configs the MachineSet still owns that no Machine of it
 * references (left by a crash between cloning and creating the Machine). Call only with a cache that shows
 * every Machine this controller created (expectations satisfied), or a live clone would look orphaned.
 */
export async function cleanupOrphanedClones(ctx: ManagerContext, ms: MachineSet, machines: readonly Machine[]): Promise<void> {
  const namespace = ms.metadata.namespace!;
  const refs = [ms.spec.template.spec.infrastructureRef, ms.spec.template.spec.bootstrap.configRef].filter((ref): ref is NonNullable<typeof ref> => ref !== undefined);
  for (const templateRef of refs) {
    if (!templateRef.kind.endsWith(templateSuffix)) continue;
    const kind = templateRef.kind.slice(0, -templateSuffix.length);
    const resource = await resolveReference(ctx, { apiGroup: templateRef.apiGroup, kind });
    // The shared cache of the provider kind: started on first use; until it has synced, look again next time.
    const informer = ctx.informer(resource);
    if (!informer.hasSynced()) continue;
    const referenced = new Set(machines.map((machine) => (kind === machine.spec.infrastructureRef.kind ? machine.spec.infrastructureRef.name : machine.spec.bootstrap.configRef?.name)));
    for (const obj of informer.byIndex(OWNER_UID_INDEX, ms.metadata.uid!)) {
      if (obj.metadata.namespace !== namespace || obj.metadata.deletionTimestamp || referenced.has(obj.metadata.name!)) continue;
      await deleteExternal(ctx, { apiGroup: templateRef.apiGroup, kind, name: obj.metadata.name! }, namespace);
      ctx.logger.info({ kind, name: obj.metadata.name }, `deleted orphaned ${kind} ${obj.metadata.name} (no Machine references it)`);
    }
  }
}
