// Per-kind behaviour on top of the generic write path, like kube-apiserver's REST strategies:
// server-set fields, extra validation, what holds a deletion back, and reactions to writes.
import type { KubeObject, StatusCause } from '../../api/meta.ts';
import type { ApiContext } from '../api-context.ts';

export interface KindStrategy {
  /** Fills server-managed fields of a new object (before defaulting and validation). */
  prepareForCreate?(obj: KubeObject, now: string): void;
  /** Restores what an update through `subresource` (undefined: the main endpoint) may not change. */
  prepareForUpdate?(obj: KubeObject, old: KubeObject, subresource: string | undefined, now: string): void;
  /** Violations beyond metadata and schema rules. */
  validate?(obj: KubeObject, old: KubeObject | undefined): StatusCause[];
  /** Whether something other than metadata.finalizers still holds the object's removal back. */
  blocksRemoval?(obj: KubeObject): boolean;
  /** Marks the object as being deleted (called once, when deletionTimestamp is set). */
  beginDeletion?(obj: KubeObject): void;
  /** Runs just before the object is removed from the store. */
  beforeRemoval?(ctx: ApiContext, obj: KubeObject): Promise<void>;
  /** Runs after the object was stored (`removed`: deleted from the store). */
  afterWrite?(ctx: ApiContext, obj: KubeObject, removed: boolean): void;
}
