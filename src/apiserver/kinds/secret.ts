// Secrets: stringData is write-only and merged into data (base64) on every write; the type
// defaults to Opaque and never changes; data values must be base64.
import type { KubeObject, StatusCause } from '../../api/meta.ts';
import { fieldError } from '../../api/builtin/field-errors.ts';
import type { KindStrategy } from './strategy.ts';
import { validateDataKeys, validateImmutable } from './immutable-data.ts';

const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function mergeStringData(secret: KubeObject): void {
  const stringData = secret.stringData;
  if (typeof stringData !== 'object' || stringData === null || Array.isArray(stringData)) return;
  const entries = Object.entries(stringData);
  // Leave badly typed stringData in place for validation to report.
  if (entries.some(([, v]) => typeof v !== 'string')) return;
  const data = typeof secret.data === 'object' && secret.data !== null && !Array.isArray(secret.data) ? { ...(secret.data as Record<string, unknown>) } : {};
  for (const [key, value] of entries) data[key] = Buffer.from(value as string, 'utf8').toString('base64');
  secret.data = data;
  delete secret.stringData;
}

export const secretStrategy: KindStrategy = {
  prepareForCreate(secret) {
    mergeStringData(secret);
    if (secret.type === undefined || secret.type === '') secret.type = 'Opaque';
  },
  prepareForUpdate(secret, old) {
    mergeStringData(secret);
    if (secret.type === undefined || secret.type === '') secret.type = old.type;
  },
  validate(secret, old) {
    const causes: StatusCause[] = [...validateDataKeys(secret, ['data']), ...validateImmutable(secret, old, ['data'])];
    const data = secret.data;
    if (typeof data === 'object' && data !== null && !Array.isArray(data)) {
      for (const [key, value] of Object.entries(data)) {
        if (typeof value === 'string' && !base64.test(value)) causes.push(fieldError.invalid(`data.${key}`, '<secret value>', 'must be a base64-encoded string'));
      }
    }
    if (old && secret.type !== old.type) causes.push(fieldError.invalid('type', secret.type, 'field is immutable'));
    return causes;
  },
};
