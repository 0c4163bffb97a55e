// The rules every object's metadata must follow, beyond its schema's types (Kubernetes'
// ValidateObjectMeta): names, namespace, labels, annotations, owner references, finalizers.
// Fields of the wrong JSON type are left to schema validation, so each problem is reported once.

import type { StatusCause } from '../../api/meta.ts';
import type { ResourceType } from '../../api/resource.ts';
import { childPath, fieldError, indexPath } from '../../api/builtin/field-errors.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../../api/builtin/names.ts';

/** Which rule an object's name follows: DNS-1123 subdomain for most kinds, DNS-1123 label for Namespaces. */
export type NameRule = 'subdomain' | 'label';

export interface ObjectMetaValidationOptions {
  /** On create a generateName may stand in for the name (the server generates one). */
  isCreate: boolean;
  /** Defaults to 'subdomain'; use nameRuleFor(type). */
  nameRule?: NameRule;
}

/** Annotations may hold at most this many bytes in total, keys and values together. */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

export function nameRuleFor(type: ResourceType): NameRule {
  return type.group === '' && type.kind === 'Namespace' ? 'label' : 'subdomain';
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const nameChecks: Record<NameRule, (value: string) => string[]> = { subdomain: isDNS1123Subdomain, label: isDNS1123Label };

export function validateObjectMeta(meta: unknown, namespaced: boolean, opts: ObjectMetaValidationOptions): StatusCause[] {
  if (!isObject(meta)) return meta === undefined ? [fieldError.required('metadata')] : [];
  const causes: StatusCause[] = [];
  const checkName = nameChecks[opts.nameRule ?? 'subdomain'];

  const { name, generateName, namespace } = meta;
  const hasGenerateName = typeof generateName === 'string' && generateName !== '';
  if (hasGenerateName) {
    // A prefix may end in '-': check it as if a generated suffix followed.
    const masked = generateName.length > 1 && generateName.endsWith('-') ? `${generateName.slice(0, -1)}a` : generateName;
    for (const m of checkName(masked)) causes.push(fieldError.invalid('metadata.generateName', generateName, m));
  }
  if (name === undefined || name === '') {
    if (!(opts.isCreate && hasGenerateName)) causes.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else if (typeof name === 'string') {
    for (const m of checkName(name)) causes.push(fieldError.invalid('metadata.name', name, m));
  }

  if (namespaced) {
    if (namespace === undefined || namespace === '') causes.push(fieldError.required('metadata.namespace'));
    else if (typeof namespace === 'string') for (const m of isDNS1123Label(namespace)) causes.push(fieldError.invalid('metadata.namespace', namespace, m));
  } else if (namespace !== undefined && namespace !== '') {
    causes.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  }

  for (const field of ['generation', 'deletionGracePeriodSeconds'] as const) {
    const value = meta[field];
    if (typeof value === 'number' && value < 0) causes.push(fieldError.invalid(`metadata.${field}`, value, 'must be greater than or equal to 0'));
  }

  causes.push(...validateLabels(meta.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  causes.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  causes.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  causes.push(...validateManagedFields(meta.managedFields, 'metadata.managedFields'));
  return causes;
}

function validateLabels(labels: unknown, path: string): StatusCause[] {
  if (!isObject(labels)) return [];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const m of isQualifiedName(key)) causes.push(fieldError.invalid(path, key, m));
    if (typeof value === 'string') for (const m of isValidLabelValue(value)) causes.push(fieldError.invalid(path, value, m));
  }
  return causes;
}

function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  if (!isObject(annotations)) return [];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    // Annotation keys are case-insensitive qualified names.
    for (const m of isQualifiedName(key.toLowerCase())) causes.push(fieldError.invalid(path, key, m));
    size += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (size > totalAnnotationSizeLimitBytes) causes.push(fieldError.tooLong(path, totalAnnotationSizeLimitBytes));
  return causes;
}

/** Kinds that may never own another object. */
const bannedOwners = new Set(['v1/Event']);

function validateOwnerReferences(references: unknown, path: string): StatusCause[] {
  if (!Array.isArray(references)) return [];
  const causes: StatusCause[] = [];
  let firstController = '';
  references.forEach((reference, i) => {
    if (!isObject(reference)) return;
    const at = indexPath(path, i);
    // Absent fields are the schema's "Required value"; present but empty ones are reported here.
    const apiVersion = typeof reference.apiVersion === 'string' ? reference.apiVersion : undefined;
    const version = apiVersion?.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') causes.push(fieldError.invalid(childPath(at, 'apiVersion'), apiVersion, 'version must not be empty'));
    for (const field of ['kind', 'name', 'uid'] as const) {
      if (reference[field] === '') causes.push(fieldError.invalid(childPath(at, field), '', `${field} must not be empty`));
    }
    if (bannedOwners.has(`${apiVersion}/${String(reference.kind)}`)) causes.push(fieldError.invalid(at, reference, `${apiVersion}, Kind=${String(reference.kind)} is disallowed from being an owner`));
    if (reference.controller === true) {
      const current = `${String(reference.kind)}/${String(reference.name)}`;
      if (firstController === '') firstController = current;
      else causes.push(fieldError.invalid(path, references, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
    }
  });
  return causes;
}

function validateFinalizers(finalizers: unknown, path: string): StatusCause[] {
  if (!Array.isArray(finalizers)) return [];
  const causes: StatusCause[] = [];
  finalizers.forEach((finalizer, i) => {
    if (typeof finalizer === 'string') for (const m of isQualifiedName(finalizer)) causes.push(fieldError.invalid(indexPath(path, i), finalizer, m));
  });
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    causes.push(fieldError.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return causes;
}

function validateManagedFields(entries: unknown, path: string): StatusCause[] {
  if (!Array.isArray(entries)) return [];
  const causes: StatusCause[] = [];
  entries.forEach((entry, i) => {
    if (!isObject(entry)) return;
    const at = indexPath(path, i);
    if (entry.operation !== 'Apply' && entry.operation !== 'Update') causes.push(fieldError.notSupported(childPath(at, 'operation'), entry.operation ?? '', ['Apply', 'Update']));
    if (entry.fieldsType !== undefined && entry.fieldsType !== 'FieldsV1') causes.push(fieldError.notSupported(childPath(at, 'fieldsType'), entry.fieldsType, ['FieldsV1']));
  });
  return causes;
}
