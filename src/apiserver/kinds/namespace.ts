// Namespaces: spec.finalizers (the `kubernetes` finalizer) holds deletion back until the namespace
// controller has emptied the namespace and cleared it through the /finalize subresource.
import type { KubeObject } from '../../api/meta.ts';
import type { KindStrategy } from './strategy.ts';

type NamespaceSpec = { finalizers?: string[] };
type NamespaceStatus = { phase?: string };

const spec = (ns: KubeObject) => (ns.spec ?? {}) as NamespaceSpec;

export const namespaceStrategy: KindStrategy = {
  prepareForCreate(ns) {
    const finalizers = spec(ns).finalizers;
    ns.spec = { ...spec(ns), finalizers: Array.isArray(finalizers) && finalizers.includes('kubernetes') ? finalizers : [...(Array.isArray(finalizers) ? finalizers : []), 'kubernetes'] };
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate(ns, old, subresource) {
    // spec.finalizers changes only through /finalize; status only through /status.
    if (subresource !== 'finalize') ns.spec = { ...spec(ns), finalizers: spec(old).finalizers };
    if (subresource !== 'status') ns.status = old.status;
    if (ns.metadata.deletionTimestamp) ns.status = { ...(ns.status as NamespaceStatus), phase: 'Terminating' };
  },
  blocksRemoval(ns) {
    return (spec(ns).finalizers ?? []).length > 0;
  },
  beginDeletion(ns) {
    ns.status = { ...(ns.status as NamespaceStatus), phase: 'Terminating' };
  },
};
