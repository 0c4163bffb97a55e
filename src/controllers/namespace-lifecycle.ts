// Namespace deletion, as Kubernetes' namespace controller does it through the API: a namespace
// being deleted that still has the `kubernetes` finalizer in spec.finalizers gets every object of
// every namespaced kind in it deleted; once nothing is left, the finalizer is removed through the
// /finalize subresource, which lets the server remove the namespace.
import type { KubeObject } from '../api/meta.ts';
import type { ControllerDefinition, ManagerContext } from '../client/controller.ts';
import { defineController } from '../client/controller.ts';
import { namespacesResource } from '../client/resources.ts';
import { isApiError, isNotFound } from '../client/rest-client.ts';

export const NAMESPACE_FINALIZER = 'kubernetes';
/** How soon a namespace whose contents are still going away is looked at again. */
const CONTENT_REMAINING_REQUEUE_MS = 1000;

interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
}

const finalizersOf = (ns: Namespace) => ns.spec?.finalizers ?? [];

/** Deletes what is left in the namespace; returns the kinds that still have objects there. */
async function deleteContents(ctx: ManagerContext, namespace: string): Promise<string[]> {
  await ctx.discovery.refresh();
  const resources = (await ctx.discovery.preferredResources()).filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
  const remaining: string[] = [];
  await Promise.all(resources.map(async (resource) => {
    try {
      if (resource.verbs.includes('deletecollection')) {
        await ctx.client.deleteCollection(resource, { namespace, propagationPolicy: 'Background' });
      } else {
        const { items } = await ctx.client.listAll(resource, { namespace });
        for (const obj of items) {
          await ctx.client.delete(resource, obj.metadata.name!, { namespace, propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } })
            .catch((error) => { if (!isNotFound(error)) throw error; });
        }
      }
      const left = await ctx.client.list(resource, { namespace, limit: 1 });
      if (left.items.length > 0) remaining.push(resource.group ? `${resource.plural}.${resource.group}` : resource.plural);
    } catch (error) {
      // The kind went away (its CRD was deleted) while we were at it: nothing of it is left.
      if (!isApiError(error, 'NotFound') && !isApiError(error, 'MethodNotAllowed')) throw error;
    }
  }));
  return remaining.sort();
}

export const namespaceLifecycleController: ControllerDefinition = defineController({
  name: 'namespace-lifecycle',
  for: namespacesResource,
  concurrency: 2,
  async reconcile(name, ctx) {
    const cached = ctx.informer<Namespace>(namespacesResource).get(name);
    if (!cached?.metadata.deletionTimestamp || !finalizersOf(cached).includes(NAMESPACE_FINALIZER)) return;
    const remaining = await deleteContents(ctx, name);
    if (remaining.length > 0) {
      ctx.logger.info({ namespace: name, remaining }, 'namespace content is still being deleted');
      return { requeueAfter: CONTENT_REMAINING_REQUEUE_MS };
    }
    let latest: Namespace;
    try {
      latest = await ctx.client.get<Namespace>(namespacesResource, name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    if (!finalizersOf(latest).includes(NAMESPACE_FINALIZER)) return;
    await ctx.client.request({
      method: 'PUT',
      path: `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`,
      body: { ...latest, spec: { ...latest.spec, finalizers: finalizersOf(latest).filter((f) => f !== NAMESPACE_FINALIZER) } },
    });
    ctx.logger.info({ namespace: name }, 'namespace emptied and finalized');
  },
});
