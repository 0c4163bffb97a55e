// CustomResourceDefinitions: validated, given their status at write time, and served (or no longer
// served) as soon as they are stored; removing one removes every object of its kind first.
import type { KubeObject } from '../../api/meta.ts';
import { resourceTypesFromCRD, validateCRD } from '../../api/builtin/custom-resource-definition.ts';
import { crdStatus } from '../crd-status.ts';
import { resourcePrefix } from '../object-store.ts';
import type { KindStrategy } from './strategy.ts';

export const customResourceDefinitionStrategy: KindStrategy = {
  prepareForCreate(crd, now) {
    crd.status = crdStatus(crd, undefined, now);
  },
  prepareForUpdate(crd, old, subresource, now) {
    if (subresource !== 'status') crd.status = crdStatus(crd, old, now);
  },
  validate(crd: KubeObject) {
    return validateCRD(crd);
  },
  async beforeRemoval(ctx, crd) {
    const types = resourceTypesFromCRD(crd);
    if (types.length === 0) return;
    const prefix = resourcePrefix(types[0]);
    let after: string | undefined;
    for (;;) {
      const page = await ctx.store.list(prefix, { limit: 500, after });
      // An object deleted concurrently is fine: it is gone either way.
      for (const kv of page.items) await ctx.store.delete(kv.key).catch(() => {});
      if (!page.more || page.items.length === 0) break;
      after = page.items[page.items.length - 1].key;
    }
  },
  afterWrite(ctx, crd, removed) {
    if (removed) ctx.registry.removeCRD(crd.metadata.name!);
    else ctx.registry.setCRD(crd);
  },
};
