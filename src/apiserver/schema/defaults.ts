// Structural defaulting as Kubernetes applies it to custom resources: a default fills a property
// that is absent from an object that is present, and replaces a null where null is not allowed
// (properties, list items and map values alike), recursing into the result. A null property
// without a default where null is not allowed is dropped instead.

import type { Schema } from '../../api/resource.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const replacesNull = (value: unknown, schema: Schema) => value === null && schema.nullable !== true && schema.default !== undefined;

/** Applies `schema`'s defaults to `obj` in place. */
export function applyDefaults(schema: Schema, obj: unknown): void {
  if (Array.isArray(obj)) {
    const items = schema.items;
    if (items === undefined) return;
    obj.forEach((item, i) => {
      if (replacesNull(item, items)) obj[i] = structuredClone(items.default);
      applyDefaults(items, obj[i]);
    });
    return;
  }
  if (!isObject(obj)) return;
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (!Object.hasOwn(obj, key)) {
      if (property.default !== undefined) obj[key] = structuredClone(property.default);
    } else if (obj[key] === null && property.nullable !== true) {
      if (property.default !== undefined) obj[key] = structuredClone(property.default);
      else delete obj[key];
    }
  }
  for (const key of Object.keys(obj)) {
    const declared = schema.properties !== undefined && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
    const valueSchema = declared ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (valueSchema === undefined) continue;
    if (declared === undefined && replacesNull(obj[key], valueSchema)) obj[key] = structuredClone(valueSchema.default);
    applyDefaults(valueSchema, obj[key]);
  }
}
