// Validate an object against its kind's OpenAPI v3 schema with ajv, reporting every violation as
// a Kubernetes StatusCause (field path `spec.ports[0].port`, message worded as kube-openapi does).
// The Kubernetes schema dialect (boolean exclusiveMinimum, nullable, int-or-string, formats) is
// translated to plain JSON Schema once per schema.

import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import type { StatusCause } from '../../api/meta.ts';
import type { Schema } from '../../api/resource.ts';
import { fieldError } from '../../api/builtin/field-errors.ts';
import { isDNS1123Subdomain } from '../../api/builtin/names.ts';
import { isValidPattern } from '../../api/builtin/custom-resource-definition.ts';

const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true, logger: false, validateSchema: false });

// The formats Kubernetes checks; any other format is documentation only (as in Kubernetes).
const stringFormats: Record<string, (value: string) => boolean> = {
  byte: (v) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  'date-time': (v) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  uuid: (v) => /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(v),
  ipv4: (v) => isIPv4(v),
  ipv6: (v) => isIPv6(v),
  cidr: (v) => {
    const [ip, bits, extra] = v.split('/');
    if (extra !== undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
    return (isIPv4(ip) && Number(bits) <= 32) || (isIPv6(ip) && Number(bits) <= 128);
  },
  hostname: (v) => isDNS1123Subdomain(v).length === 0,
  mac: (v) => /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/.test(v),
};
for (const [name, validate] of Object.entries(stringFormats)) ajv.addFormat(name, { type: 'string', validate });
ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n <= 2 ** 31 - 1 });
ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
const knownFormats = new Set([...Object.keys(stringFormats), 'int32', 'int64']);

/** The Kubernetes dialect of a schema node, translated to the JSON Schema ajv checks. */
function toJsonSchema(schema: Schema): AnySchemaObject {
  const out: AnySchemaObject = {};
  const types: string[] = schema['x-kubernetes-int-or-string'] ? ['integer', 'string'] : schema.type ? [schema.type] : [];
  if (types.length > 0) {
    if (schema.nullable) types.push('null');
    out.type = types.length === 1 ? types[0] : types;
  }
  if (schema.format !== undefined && knownFormats.has(schema.format)) out.format = schema.format;
  if (schema.enum !== undefined) out.enum = schema.nullable && !schema.enum.includes(null) ? [...schema.enum, null] : schema.enum;
  // OpenAPI 3.0's exclusiveMinimum/Maximum are flags on minimum/maximum; JSON Schema's are numbers.
  if (schema.minimum !== undefined) out[schema.exclusiveMinimum ? 'exclusiveMinimum' : 'minimum'] = schema.minimum;
  if (schema.maximum !== undefined) out[schema.exclusiveMaximum ? 'exclusiveMaximum' : 'maximum'] = schema.maximum;
  for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key];
  }
  // A pattern JavaScript cannot compile (RE2-only syntax) is left unchecked rather than failing every request.
  if (schema.pattern !== undefined && isValidPattern(schema.pattern)) out.pattern = schema.pattern;
  const required = new Set(schema.required ?? []);
  if (schema['x-kubernetes-embedded-resource']) for (const field of ['apiVersion', 'kind']) required.add(field);
  if (required.size > 0) out.required = [...required];
  if (schema.properties !== undefined) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, toJsonSchema(v)]));
  if (schema.additionalProperties !== undefined) out.additionalProperties = typeof schema.additionalProperties === 'boolean' ? schema.additionalProperties : toJsonSchema(schema.additionalProperties);
  if (schema.items !== undefined) out.items = toJsonSchema(schema.items);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (schema[key] !== undefined) out[key] = schema[key]!.map(toJsonSchema);
  }
  if (schema.not !== undefined) out.not = toJsonSchema(schema.not);
  return out;
}

const compiled = new WeakMap<Schema, ValidateFunction>();

function validatorFor(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    const jsonSchema = toJsonSchema(schema);
    validate = ajv.compile(jsonSchema);
    // Our WeakMap is the cache; ajv's own would keep every schema ever compiled alive.
    ajv.removeSchema(jsonSchema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function validateAgainstSchema(schema: Schema, obj: unknown): StatusCause[] {
  const validate = validatorFor(schema);
  if (validate(obj)) return [];
  return withoutBranchErrors(validate.errors ?? []).map((error) => toCause(error, obj));
}

/** A failed anyOf/oneOf/not is reported once, not together with each alternative's own failures. */
function withoutBranchErrors(errors: ErrorObject[]): ErrorObject[] {
  const composites = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf' || e.keyword === 'not');
  return errors.filter((e) => !composites.some((c) => c !== e && e.schemaPath.startsWith(`${c.schemaPath}/`) && e.instancePath.startsWith(c.instancePath)));
}

/** The JSON pointer's segments as a Kubernetes field path, and the value found there. */
function locate(instancePath: string, root: unknown): { path: string; value: unknown } {
  let path = '';
  let value = root;
  if (instancePath === '') return { path, value };
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      path += `[${segment}]`;
      value = value[Number(segment)];
    } else {
      path = path === '' ? segment : `${path}.${segment}`;
      value = (value as Record<string, unknown> | undefined)?.[segment];
    }
  }
  return { path, value };
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function toCause(error: ErrorObject, root: unknown): StatusCause {
  const { path, value } = locate(error.instancePath, root);
  const subject = path === '' ? 'body' : `${path} in body`;
  const params = error.params as Record<string, any>;
  switch (error.keyword) {
    case 'required':
      return fieldError.required(path === '' ? params.missingProperty : `${path}.${params.missingProperty}`);
    case 'type': {
      const expected = Array.isArray(params.type) ? params.type.filter((t: string) => t !== 'null').join(',') : params.type;
      return fieldError.typeInvalid(path, value, `${subject} must be of type ${expected}: ${JSON.stringify(jsonType(value))}`);
    }
    case 'enum':
      return fieldError.notSupported(path, value, (params.allowedValues as unknown[]).filter((v) => v !== null));
    case 'maxLength':
      return fieldError.tooLong(path, params.limit);
    case 'maxItems':
      return fieldError.tooMany(path, Array.isArray(value) ? value.length : -1, params.limit);
    case 'maxProperties':
      return fieldError.tooMany(path, typeof value === 'object' && value !== null ? Object.keys(value).length : -1, params.limit);
    case 'additionalProperties':
      return fieldError.forbidden(path === '' ? params.additionalProperty : `${path}.${params.additionalProperty}`, `${path === '' ? '' : `${path}.`}${params.additionalProperty} in body is a forbidden property`);
    default:
      return fieldError.invalid(path, value, `${subject} ${describe(error, params, value)}`);
  }
}

function describe(error: ErrorObject, params: Record<string, any>, value: unknown): string {
  switch (error.keyword) {
    case 'minimum': return `should be greater than or equal to ${params.limit}`;
    case 'exclusiveMinimum': return `should be greater than ${params.limit}`;
    case 'maximum': return `should be less than or equal to ${params.limit}`;
    case 'exclusiveMaximum': return `should be less than ${params.limit}`;
    case 'minLength': return `should be at least ${params.limit} chars long`;
    case 'minItems': return `should have at least ${params.limit} items`;
    case 'minProperties': return `should have at least ${params.limit} properties`;
    case 'uniqueItems': return "shouldn't contain duplicates";
    case 'pattern': return `should match '${params.pattern}'`;
    case 'format': return `must be of type ${params.format}: ${JSON.stringify(typeof value === 'string' ? value : String(value))}`;
    case 'anyOf': return 'must validate at least one schema (anyOf)';
    case 'oneOf': return 'must validate one and only one schema (oneOf)';
    case 'not': return 'must not validate the schema (not)';
    default: return error.message ?? `failed ${error.keyword} validation`;
  }
}
