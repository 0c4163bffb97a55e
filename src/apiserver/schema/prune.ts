// Drop the fields a schema does not declare, as Kubernetes prunes structural schemas, and say
// which ones went: the server warns about them, or rejects the request with fieldValidation=Strict.

import type { Schema } from '../../api/resource.ts';
import { objectMetaSchema } from '../../api/builtin/object-meta.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Removes unknown fields from `obj` in place and returns their paths as Kubernetes words them
 * (`.spec.foo`, `.spec.ports[0].bar`). `obj` is an object's root: apiVersion and kind are always
 * kept and metadata is pruned to ObjectMeta, as for every x-kubernetes-embedded-resource.
 */
export function pruneUnknownFields(schema: Schema, obj: unknown): string[] {
  const removed: string[] = [];
  prune(schema, obj, '', true, removed);
  return removed;
}

function prune(schema: Schema, value: unknown, path: string, isResource: boolean, removed: string[]): void {
  if (Array.isArray(value)) {
    if (schema.items !== undefined) value.forEach((item, i) => prune(schema.items!, item, `${path}[${i}]`, schema.items!['x-kubernetes-embedded-resource'] === true, removed));
    return;
  }
  if (!isObject(value)) return;
  const preserveUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [key, child] of Object.entries(value)) {
    const childPath = `${path}.${key}`;
    const declared = schema.properties !== undefined && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    if (isResource && (key === 'apiVersion' || key === 'kind')) continue;
    if (isResource && key === 'metadata') {
      prune(objectMetaSchema, child, childPath, false, removed);
    } else if (declared !== undefined) {
      prune(declared, child, childPath, declared['x-kubernetes-embedded-resource'] === true, removed);
    } else if (typeof schema.additionalProperties === 'object') {
      prune(schema.additionalProperties, child, childPath, schema.additionalProperties['x-kubernetes-embedded-resource'] === true, removed);
    } else if (!preserveUnknown && schema.additionalProperties !== true) {
      delete value[key];
      removed.push(childPath);
    }
  }
}
