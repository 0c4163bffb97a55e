// ConfigMaps and Secrets marked `immutable: true`: their data can never change again, and the
// flag cannot be unset (only metadata may still change).
import type { KubeObject, StatusCause } from '../../api/meta.ts';
import { isDeepStrictEqual } from 'node:util';
import { fieldError } from '../../api/builtin/field-errors.ts';

const dataKey = /^[-._a-zA-Z0-9]+$/;

/** Keys of data/binaryData must be valid and not appear in both. */
export function validateDataKeys(obj: KubeObject, fields: string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    const map = obj[field];
    if (typeof map !== 'object' || map === null || Array.isArray(map)) continue;
    for (const key of Object.keys(map)) {
      if (!dataKey.test(key) || key === '.' || key === '..' || key.length > 253) {
        causes.push(fieldError.invalid(`${field}`, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"));
      } else if (seen.has(key)) {
        causes.push(fieldError.invalid(`${field}`, key, 'duplicate of key present in another data map'));
      }
      seen.add(key);
    }
  }
  return causes;
}

export function validateImmutable(obj: KubeObject, old: KubeObject | undefined, fields: string[]): StatusCause[] {
  if (old?.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (obj.immutable !== true) causes.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const field of fields) {
    if (!isDeepStrictEqual(obj[field] ?? {}, old[field] ?? {})) causes.push(fieldError.forbidden(field, 'field is immutable when `immutable` is set'));
  }
  return causes;
}
