// Custom resource kinds are written once as TypeBox schemas: TypeScript derives their types with
// Static<>, and defineCRD turns the same schemas into apiextensions.k8s.io/v1 CustomResourceDefinitions
// whose openAPIV3Schema is the plain structural OpenAPI v3 Kubernetes requires.

import Type, { type TEnum, type TSchema, type TSchemaOptions, type TUnsafe } from 'typebox';
import type { KubeObject, ObjectMeta } from './meta.ts';
import type { PrinterColumn, ScaleSubresource, Schema } from './resource.ts';

/** A string restricted to `values`; typed as their union. (Type.Enum alone leaves out `type`, which structural schemas need.) */
export function stringEnum<const Values extends string[]>(values: readonly [...Values], options: TSchemaOptions = {}): TEnum<Values> {
  return Type.Enum(values, { ...options, type: 'string' });
}

/** Kubernetes' IntOrString (e.g. maxSurge: 1 or "25%"). */
export function intOrString(options: TSchemaOptions = {}): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ ...options, 'x-kubernetes-int-or-string': true });
}

/** map[string]string, written with additionalProperties (TypeBox's Record would use patternProperties, which CRDs reject). */
export function stringMap(options: TSchemaOptions = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ ...options, type: 'object', additionalProperties: { type: 'string' } });
}

/**
 * A kind's root schema. The envelope fields are required in the TypeScript type (the API server always
 * sets them), but like controller-gen's output only `spec` is required in the published schema; the
 * API server substitutes its own full ObjectMeta schema for `metadata`.
 */
export function kubeObject<Spec extends TSchema, Status extends TSchema>(description: string, spec: Spec, status: Status) {
  return Type.Object({
    apiVersion: Type.Unsafe<string>({ type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' }),
    kind: Type.Unsafe<string>({ type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' }),
    metadata: Type.Unsafe<ObjectMeta>({ type: 'object' }),
    spec,
    status: Type.Optional(status),
  }, { description, required: ['spec'] });
}

// Every keyword a CRD's JSONSchemaProps accepts; anything else TypeBox might emit ($ref, const,
// patternProperties, $id…) is refused rather than silently published.
const structuralKeywords = new Set<string>([
  'type', 'format', 'title', 'description', 'properties', 'additionalProperties', 'items', 'required', 'enum', 'default',
  'nullable', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'multipleOf', 'allOf', 'anyOf', 'oneOf', 'not', 'example',
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-validations',
]);

/**
 * The JSON a TypeBox schema serializes to (TypeBox's own markers are non-enumerable or symbols and
 * vanish), checked keyword by keyword. Throws naming the path of the first non-structural construct.
 */
export function toStructuralSchema(schema: TSchema, path = 'openAPIV3Schema'): Schema {
  const plain: unknown = JSON.parse(JSON.stringify(schema));
  checkStructural(plain, path);
  return plain as Schema;
}

function checkStructural(node: unknown, path: string): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`${path}: a schema must be an object`);
  const schema = node as Record<string, unknown>;
  for (const key of Object.keys(schema)) {
    if (!structuralKeywords.has(key)) throw new Error(`${path}: "${key}" is not allowed in a CRD's structural schema`);
  }
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !intOrString && !preserve) throw new Error(`${path}: every field needs a type`);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    // Structural schemas may only use these for extra value checks, never to declare types or fields.
    for (const branch of (schema[key] as Record<string, unknown>[] | undefined) ?? []) {
      if ('type' in branch || 'properties' in branch || 'items' in branch || 'additionalProperties' in branch) {
        throw new Error(`${path}: ${key} may not declare type, properties, items or additionalProperties`);
      }
    }
  }
  for (const [name, child] of Object.entries((schema.properties as Record<string, unknown> | undefined) ?? {})) checkStructural(child, `${path}.properties.${name}`);
  if (schema.items !== undefined) checkStructural(schema.items, `${path}.items`);
  if (typeof schema.additionalProperties === 'object') checkStructural(schema.additionalProperties, `${path}.additionalProperties`);
  if (schema.additionalProperties === false) throw new Error(`${path}: additionalProperties may not be false in a CRD schema`);
  if (schema.properties !== undefined && typeof schema.additionalProperties === 'object') throw new Error(`${path}: properties and additionalProperties are mutually exclusive`);
  if (schema.type === 'array' && schema.items === undefined) throw new Error(`${path}: an array needs items`);
  const required = (schema.required as string[] | undefined) ?? [];
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  for (const name of required) if (!(name in properties)) throw new Error(`${path}: required field "${name}" is not among its properties`);
}

export interface CRDVersionDefinition {
  name: string;
  /** A kind's root schema, usually built with kubeObject(). */
  schema: TSchema;
  served?: boolean;
  storage: boolean;
  deprecated?: boolean;
  subresources?: { status?: boolean; scale?: ScaleSubresource };
  printerColumns?: PrinterColumn[];
}

export interface CRDDefinition {
  group: string;
  kind: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  scope: 'Namespaced' | 'Cluster';
  /** Labels on the CRD object itself, e.g. the `cluster.x-k8s.io/<contract>` version mapping providers publish. */
  labels?: Record<string, string>;
  versions: CRDVersionDefinition[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition, ready to create on the API server. */
export function defineCRD(definition: CRDDefinition): KubeObject {
  const { group, kind, plural, scope, versions } = definition;
  const storageVersions = versions.filter((v) => v.storage).map((v) => v.name);
  if (storageVersions.length !== 1) throw new Error(`CRD ${plural}.${group}: exactly one storage version is needed, got ${storageVersions.length}`);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, ...(definition.labels ? { labels: { ...definition.labels } } : {}) },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular: definition.singular ?? kind.toLowerCase(),
        ...(definition.shortNames?.length ? { shortNames: [...definition.shortNames] } : {}),
        ...(definition.categories?.length ? { categories: [...definition.categories] } : {}),
      },
      scope,
      versions: versions.map((v) => ({
        name: v.name,
        served: v.served ?? true,
        storage: v.storage,
        ...(v.deprecated ? { deprecated: true } : {}),
        schema: { openAPIV3Schema: toStructuralSchema(v.schema, `${plural}.${group} ${v.name} openAPIV3Schema`) },
        subresources: {
          ...(v.subresources?.status ? { status: {} } : {}),
          ...(v.subresources?.scale ? { scale: { ...v.subresources.scale } } : {}),
        },
        ...(v.printerColumns?.length ? { additionalPrinterColumns: v.printerColumns.map((c) => ({ ...c })) } : {}),
      })),
    },
  };
}
