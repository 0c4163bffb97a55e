// Deleting a Machine on behalf of its MachineSet: conditional on the uid the decision was made for (a Machine
// re-created under the same name is not deleted by mistake), recorded in the expectations so the next reconcile
// waits until the cache shows the deletion.
import type { Machine } from '../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { ManagerContext } from '../../client/controller.ts';
import type { Informer } from '../../client/informer.ts';
import { isConflict, isNotFound } from '../../client/rest-client.ts';
import type { CacheExpectations } from './cache-expectations.ts';
import { machinesResource } from '../cluster/resources.ts';

export async function deleteMachine(ctx: ManagerContext, machine: Machine, informer: Informer<Machine>, expectations: CacheExpectations, key: string): Promise<void> {
  try {
    const answer = await ctx.client.delete(machinesResource, machine.metadata.name!, {
      namespace: machine.metadata.namespace,
      preconditions: { uid: machine.metadata.uid },
      propagationPolicy: 'Background',
    });
    if (answer.kind === 'Status') expectations.expectGone(key, informer, machine);
    else expectations.expectObserved(key, informer, answer as Machine);
  } catch (error) {
    // Already gone, or replaced by another Machine of the same name: nothing of ours left to delete.
    if (isNotFound(error) || isConflict(error)) return;
    throw error;
  }
}
