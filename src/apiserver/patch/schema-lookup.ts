// How patching and apply read a Schema: the sub-schema of a property or list item, list and map
// semantics (x-kubernetes-list-type / map-type, falling back to the strategic-merge-patch
// annotations the way Kubernetes converts its built-in OpenAPI), and the standard ObjectMeta,
// whose merge semantics are the same for every kind.

import type { Schema } from '../../api/resource.ts';
import { objectMetaSchema } from '../../api/builtin/object-meta.ts';

export type ListSemantics = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/** The kind's schema with `metadata` replaced by the standard ObjectMeta schema. */
export function withObjectMeta(schema: Schema): Schema {
  return { ...schema, type: 'object', properties: { ...schema.properties, metadata: objectMetaSchema } };
}

/** True when `key` is a declared property (a struct field) rather than a free-form map key. */
export function declaresProperty(schema: Schema | undefined, key: string): boolean {
  return schema?.properties !== undefined && Object.hasOwn(schema.properties, key);
}

export function propertySchema(schema: Schema | undefined, key: string): Schema | undefined {
  if (schema === undefined) return undefined;
  if (declaresProperty(schema, key)) return schema.properties![key];
  return typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
}

export function itemSchema(schema: Schema | undefined): Schema | undefined {
  return schema?.items;
}

/** Patch strategies of a field ("merge,retainKeys" → ["merge", "retainKeys"]). */
export function patchStrategies(schema: Schema | undefined): string[] {
  const strategy = schema?.['x-kubernetes-patch-strategy'];
  return strategy ? strategy.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

/** Server-side apply semantics of a list; lists without any annotation are atomic. */
export function listSemantics(schema: Schema | undefined): ListSemantics {
  const listType = schema?.['x-kubernetes-list-type'];
  if (listType === 'set') return { type: 'set' };
  if (listType === 'map') {
    const keys = schema?.['x-kubernetes-list-map-keys'] ?? [];
    return keys.length > 0 ? { type: 'map', keys } : { type: 'atomic' };
  }
  if (listType === 'atomic') return { type: 'atomic' };
  // Kubernetes' OpenAPI→SMD conversion treats a "merge" patch strategy as an associative list.
  if (patchStrategies(schema).includes('merge')) {
    const mergeKey = schema?.['x-kubernetes-patch-merge-key'];
    return mergeKey ? { type: 'map', keys: [mergeKey] } : { type: 'set' };
  }
  return { type: 'atomic' };
}

export function isAtomicMap(schema: Schema | undefined): boolean {
  return schema?.['x-kubernetes-map-type'] === 'atomic';
}
