// StatusCause constructors worded as Kubernetes' field errors (k8s.io/apimachinery
// util/validation/field), so clients and people see the messages they know.

import type { StatusCause } from '../meta.ts';

/** A bad value rendered as Kubernetes does: strings quoted, numbers and booleans bare, others as JSON. */
export function renderValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const json = JSON.stringify(value);
  return json.length > 200 ? `${json.slice(0, 200)}...` : json;
}

function cause(reason: string, field: string, message: string): StatusCause {
  return field === '' ? { reason, message } : { reason, message, field };
}

const withDetail = (head: string, detail: string) => (detail === '' ? head : `${head}: ${detail}`);

export const fieldError = {
  required: (field: string, detail = '') => cause('FieldValueRequired', field, withDetail('Required value', detail)),
  invalid: (field: string, value: unknown, detail: string) => cause('FieldValueInvalid', field, withDetail(`Invalid value: ${renderValue(value)}`, detail)),
  typeInvalid: (field: string, value: unknown, detail: string) => cause('FieldValueTypeInvalid', field, withDetail(`Invalid value: ${renderValue(value)}`, detail)),
  notSupported: (field: string, value: unknown, supported: unknown[]) =>
    cause('FieldValueNotSupported', field, withDetail(`Unsupported value: ${renderValue(value)}`, supported.length === 0 ? '' : `supported values: ${supported.map((v) => (typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(JSON.stringify(v)))).join(', ')}`)),
  forbidden: (field: string, detail: string) => cause('FieldValueForbidden', field, withDetail('Forbidden', detail)),
  duplicate: (field: string, value: unknown) => cause('FieldValueDuplicate', field, `Duplicate value: ${renderValue(value)}`),
  tooLong: (field: string, max: number) => cause('FieldValueTooLong', field, `Too long: may not be more than ${max} bytes`),
  tooMany: (field: string, actual: number, max: number) => cause('FieldValueTooMany', field, `Too many: ${actual}: must have at most ${max} items`),
};

/** Kubernetes' field path syntax: `spec.ports[0].port`. */
export function childPath(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
