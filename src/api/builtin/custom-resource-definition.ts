// apiextensions.k8s.io/v1 CustomResourceDefinition: its own schema, the ResourceTypes a CRD
// defines, and the checks a CRD must pass before it is stored.

import type { KubeObject, StatusCause } from '../meta.ts';
import type { PrinterColumn, ResourceType, Schema } from '../resource.ts';
import { childPath, fieldError, indexPath } from './field-errors.ts';
import { isDNS1035Label, isDNS1123Subdomain } from './names.ts';
import { objectSchema, withObjectEnvelope } from './object-meta.ts';

const stringList = (description: string): Schema => ({ type: 'array', description, items: { type: 'string' }, 'x-kubernetes-list-type': 'atomic' });

const namesSchema: Schema = {
  type: 'object',
  description: 'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition',
  required: ['plural', 'kind'],
  properties: {
    plural: { type: 'string', description: 'plural is the plural name of the resource to serve. The custom resources are served under `/apis/<group>/<version>/.../<plural>`. Must be all lowercase.' },
    singular: { type: 'string', description: 'singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.' },
    kind: { type: 'string', description: 'kind is the serialized kind of the resource. It is normally CamelCase and singular.' },
    listKind: { type: 'string', description: 'listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".' },
    shortNames: stringList('shortNames are short names for the resource, exposed in API discovery documents, and used by clients to support invocations like `kubectl get <shortname>`. It must be all lowercase.'),
    categories: stringList('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\'). This is published in API discovery documents, and used by clients to support invocations like `kubectl get all`.'),
  },
};

const printerColumnSchema: Schema = {
  type: 'object',
  description: 'CustomResourceColumnDefinition specifies a column for server side printing.',
  required: ['name', 'type', 'jsonPath'],
  properties: {
    name: { type: 'string', description: 'name is a human readable name for the column.' },
    type: { type: 'string', description: 'type is an OpenAPI type definition for this column.' },
    format: { type: 'string', description: 'format is an optional OpenAPI type definition for this column.' },
    description: { type: 'string', description: 'description is a human readable description of this column.' },
    priority: { type: 'integer', format: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority.' },
    jsonPath: { type: 'string', description: 'jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.' },
  },
};

const versionSchema: Schema = {
  type: 'object',
  description: 'CustomResourceDefinitionVersion describes a version for CRD.',
  required: ['name', 'served', 'storage'],
  properties: {
    name: { type: 'string', description: 'name is the version name, e.g. “v1”, “v2beta1”, etc.' },
    served: { type: 'boolean', description: 'served is a flag enabling/disabling this version from being served via REST APIs' },
    storage: { type: 'boolean', description: 'storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.' },
    deprecated: { type: 'boolean', description: 'deprecated indicates this version of the custom resource API is deprecated.' },
    deprecationWarning: { type: 'string', description: 'deprecationWarning overrides the default warning returned to API clients.' },
    schema: {
      type: 'object',
      description: 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.',
      properties: {
        openAPIV3Schema: {
          type: 'object',
          description: 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.',
          'x-kubernetes-preserve-unknown-fields': true,
        },
      },
    },
    subresources: {
      type: 'object',
      description: 'subresources specify what subresources this version of the defined custom resource have.',
      properties: {
        status: { type: 'object', description: 'status indicates the custom resource should serve a `/status` subresource.' },
        scale: {
          type: 'object',
          description: 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.',
          required: ['specReplicasPath', 'statusReplicasPath'],
          properties: {
            specReplicasPath: { type: 'string', description: 'specReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `spec.replicas`.' },
            statusReplicasPath: { type: 'string', description: 'statusReplicasPath defines the JSON path inside of a custom resource that corresponds to Scale `status.replicas`.' },
            labelSelectorPath: { type: 'string', description: 'labelSelectorPath defines the JSON path inside of a custom resource that corresponds to Scale `status.selector`.' },
          },
        },
      },
    },
    additionalPrinterColumns: { type: 'array', description: 'additionalPrinterColumns specifies additional columns returned in Table output.', items: printerColumnSchema, 'x-kubernetes-list-type': 'atomic' },
    selectableFields: {
      type: 'array',
      description: 'selectableFields specifies paths to fields that may be used as field selectors.',
      items: { type: 'object', required: ['jsonPath'], properties: { jsonPath: { type: 'string', description: 'jsonPath is a simple JSON path which is evaluated against each custom resource to produce a field selector value.' } } },
      'x-kubernetes-list-type': 'atomic',
    },
  },
};

const conversionSchema: Schema = {
  type: 'object',
  default: { strategy: 'None' },
  description: 'conversion defines conversion settings for the CRD.',
  required: ['strategy'],
  properties: {
    strategy: { type: 'string', description: 'strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`: The converter only change the apiVersion and would not touch any other field in the custom resource. - `"Webhook"`: API Server will call to an external webhook to do the conversion.' },
    webhook: {
      type: 'object',
      description: 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.',
      properties: {
        clientConfig: {
          type: 'object',
          description: 'clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.',
          properties: {
            url: { type: 'string', description: 'url gives the location of the webhook, in standard URL form (`scheme://host:port/path`).' },
            caBundle: { type: 'string', format: 'byte', description: 'caBundle is a PEM encoded CA bundle which will be used to validate the webhook\'s server certificate.' },
            service: {
              type: 'object',
              description: 'service is a reference to the service for this webhook.',
              required: ['namespace', 'name'],
              properties: {
                namespace: { type: 'string', description: 'namespace is the namespace of the service.' },
                name: { type: 'string', description: 'name is the name of the service.' },
                path: { type: 'string', description: 'path is an optional URL path at which the webhook will be contacted.' },
                port: { type: 'integer', format: 'int32', description: 'port is an optional service port at which the webhook will be contacted.' },
              },
            },
          },
        },
        conversionReviewVersions: stringList('conversionReviewVersions is an ordered list of preferred `ConversionReview` versions the Webhook expects.'),
      },
    },
  },
};

export const customResourceDefinitionType: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  schema: objectSchema('CustomResourceDefinition represents a resource that should be exposed on the API server. Its name MUST be in the format <.spec.name>.<.spec.group>.', {
    spec: {
      type: 'object',
      description: 'spec describes how the user wants the resources to appear',
      required: ['group', 'names', 'scope', 'versions'],
      properties: {
        group: { type: 'string', description: 'group is the API group of the defined custom resource. The custom resources are served under `/apis/<group>/...`. Must match the name of the CustomResourceDefinition (in the form `<names.plural>.<group>`).' },
        names: namesSchema,
        scope: { type: 'string', description: 'scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.' },
        versions: { type: 'array', description: 'versions is the list of all API versions of the defined custom resource.', items: versionSchema, 'x-kubernetes-list-type': 'atomic' },
        conversion: conversionSchema,
        preserveUnknownFields: { type: 'boolean', description: 'preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage.' },
      },
    },
    status: {
      type: 'object',
      description: 'status indicates the actual state of the CustomResourceDefinition',
      properties: {
        conditions: {
          type: 'array',
          description: 'conditions indicate state for particular aspects of a CustomResourceDefinition',
          items: {
            type: 'object',
            description: 'CustomResourceDefinitionCondition contains details for the current condition of this pod.',
            required: ['type', 'status'],
            properties: {
              type: { type: 'string', description: 'type is the type of the condition. Types include Established, NamesAccepted and Terminating.' },
              status: { type: 'string', description: 'status is the status of the condition. Can be True, False, Unknown.' },
              lastTransitionTime: { type: 'string', format: 'date-time', description: 'lastTransitionTime last time the condition transitioned from one status to another.' },
              reason: { type: 'string', description: "reason is a unique, one-word, CamelCase reason for the condition's last transition." },
              message: { type: 'string', description: 'message is a human-readable message indicating details about last transition.' },
              observedGeneration: { type: 'integer', format: 'int64', description: 'observedGeneration represents the .metadata.generation that the condition was set based upon.' },
            },
          },
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        },
        acceptedNames: namesSchema,
        storedVersions: stringList('storedVersions lists all versions of CustomResources that were ever persisted.'),
      },
    },
  }, ['spec']),
  subresources: { status: true },
  printerColumns: [{ name: 'Created At', type: 'string', format: 'date-time', jsonPath: '.metadata.creationTimestamp' }],
  builtin: true,
  storageVersion: 'v1',
};

// --- reading a CRD object (already schema-validated, but read defensively) ---

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json => (isObject(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => list(v).filter((s): s is string => typeof s === 'string');

/** The age column Kubernetes shows for a custom resource whose CRD declares no printer columns. */
const defaultPrinterColumns: PrinterColumn[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];

const printerColumnTypes = ['integer', 'number', 'string', 'boolean', 'date'] as const;

/** One ResourceType per served version of the CRD. */
export function resourceTypesFromCRD(crd: KubeObject): ResourceType[] {
  const spec = obj(crd.spec);
  const names = obj(spec.names);
  const kind = str(names.kind);
  const versions = list(spec.versions).map(obj);
  const storageVersion = str((versions.find((v) => v.storage === true) ?? versions[0])?.name);
  return versions.filter((v) => v.served === true).map((v): ResourceType => {
    const subresources = obj(v.subresources);
    const scale = isObject(subresources.scale) ? subresources.scale : undefined;
    const columns = list(v.additionalPrinterColumns).map(obj);
    return {
      group: str(spec.group),
      version: str(v.name),
      kind,
      listKind: str(names.listKind) || `${kind}List`,
      plural: str(names.plural),
      singular: str(names.singular) || kind.toLowerCase(),
      shortNames: strings(names.shortNames),
      categories: strings(names.categories),
      namespaced: spec.scope === 'Namespaced',
      // A private copy: the ResourceType must not change when the CRD object it came from does.
      schema: withObjectEnvelope(structuredClone(obj(obj(v.schema).openAPIV3Schema)) as Schema),
      subresources: {
        ...(isObject(subresources.status) ? { status: true } : {}),
        ...(scale ? { scale: { specReplicasPath: str(scale.specReplicasPath), statusReplicasPath: str(scale.statusReplicasPath), ...(typeof scale.labelSelectorPath === 'string' ? { labelSelectorPath: scale.labelSelectorPath } : {}) } } : {}),
      },
      printerColumns: columns.length === 0 ? defaultPrinterColumns : columns.map((c) => {
        const column: PrinterColumn = { name: str(c.name), type: c.type as PrinterColumn['type'], jsonPath: str(c.jsonPath) };
        if (typeof c.description === 'string') column.description = c.description;
        if (typeof c.format === 'string') column.format = c.format;
        if (typeof c.priority === 'number') column.priority = c.priority;
        return column;
      }),
      builtin: false,
      storageVersion,
    };
  });
}

/** Everything wrong with a CRD, as apiextensions-apiserver words it; empty when it may be stored. */
export function validateCRD(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj(crd.spec);
  const group = str(spec.group);
  const names = obj(spec.names);
  const plural = str(names.plural);

  const name = str(obj(crd.metadata).name);
  if (plural !== '' && group !== '' && name !== `${plural}.${group}`) {
    causes.push(fieldError.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  }

  if (group === '') causes.push(fieldError.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) causes.push(fieldError.invalid('spec.group', group, m));
    if (!group.includes('.')) causes.push(fieldError.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }

  const scope = spec.scope;
  if (scope === undefined || scope === '') causes.push(fieldError.required('spec.scope'));
  else if (scope !== 'Namespaced' && scope !== 'Cluster') causes.push(fieldError.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  causes.push(...validateNames(names, 'spec.names'));
  causes.push(...validateVersions(list(spec.versions), 'spec.versions'));

  const conversion = spec.conversion;
  if (isObject(conversion)) {
    const strategy = conversion.strategy;
    if (strategy !== 'None' && strategy !== 'Webhook') causes.push(fieldError.notSupported('spec.conversion.strategy', strategy, ['None', 'Webhook']));
    if (strategy === 'Webhook' && !isObject(obj(conversion.webhook).clientConfig)) causes.push(fieldError.required('spec.conversion.webhook.clientConfig', 'required when strategy is set to Webhook'));
  }
  return causes;
}

function validateNames(names: Json, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const label = (field: string, value: string, prefix = '') => {
    const errors = isDNS1035Label(field === 'kind' || field === 'listKind' ? value.toLowerCase() : value);
    if (errors.length > 0) causes.push(fieldError.invalid(childPath(path, field), value, prefix + errors.join(',')));
  };
  const plural = str(names.plural);
  const kind = str(names.kind);
  const listKind = str(names.listKind);
  if (plural === '') causes.push(fieldError.required(childPath(path, 'plural')));
  else label('plural', plural);
  if (str(names.singular) !== '') label('singular', str(names.singular));
  if (kind === '') causes.push(fieldError.required(childPath(path, 'kind')));
  else label('kind', kind, 'may have mixed case, but should otherwise match: ');
  if (listKind !== '') {
    label('listKind', listKind, 'may have mixed case, but should otherwise match: ');
    if (listKind === kind) causes.push(fieldError.invalid(childPath(path, 'listKind'), listKind, 'kind and listKind may not be the same'));
  }
  for (const [field, values] of [['shortNames', names.shortNames], ['categories', names.categories]] as const) {
    list(values).forEach((value, i) => {
      const errors = isDNS1035Label(str(value));
      if (errors.length > 0) causes.push(fieldError.invalid(indexPath(childPath(path, field), i), value, errors.join(',')));
    });
  }
  return causes;
}

function validateVersions(versions: unknown[], path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (versions.length === 0) return [fieldError.required(path, 'must have exactly one version marked as storage version')];
  const storage = versions.filter((v) => obj(v).storage === true).length;
  if (storage !== 1) causes.push(fieldError.invalid(path, `${storage} storage versions`, 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  versions.forEach((value, i) => {
    const version = obj(value);
    const at = indexPath(path, i);
    const name = str(version.name);
    if (name === '') causes.push(fieldError.required(childPath(at, 'name')));
    else {
      for (const m of isDNS1035Label(name)) causes.push(fieldError.invalid(childPath(at, 'name'), name, m));
      if (seen.has(name)) causes.push(fieldError.duplicate(childPath(at, 'name'), name));
      seen.add(name);
    }
    const openAPIV3Schema = obj(version.schema).openAPIV3Schema;
    const schemaPath = childPath(at, 'schema.openAPIV3Schema');
    if (!isObject(openAPIV3Schema)) causes.push(fieldError.required(schemaPath, 'schemas are required'));
    else causes.push(...validateStructuralRoot(openAPIV3Schema, schemaPath));
    causes.push(...validateScale(obj(version.subresources).scale, childPath(at, 'subresources.scale')));
    list(version.additionalPrinterColumns).forEach((column, j) => causes.push(...validatePrinterColumn(obj(column), indexPath(childPath(at, 'additionalPrinterColumns'), j))));
  });
  return causes;
}

function validateScale(scale: unknown, path: string): StatusCause[] {
  if (!isObject(scale)) return [];
  const causes: StatusCause[] = [];
  const check = (field: string, prefixes: string[], message: string, required: boolean) => {
    const value = scale[field];
    if (value === undefined || value === '') {
      if (required) causes.push(fieldError.required(childPath(path, field)));
    } else if (typeof value !== 'string' || !prefixes.some((p) => value.startsWith(p) && value.length > p.length)) {
      causes.push(fieldError.invalid(childPath(path, field), value, message));
    }
  };
  check('specReplicasPath', ['.spec.'], 'should be a json path under .spec', true);
  check('statusReplicasPath', ['.status.'], 'should be a json path under .status', true);
  check('labelSelectorPath', ['.spec.', '.status.'], 'should be a json path under either .spec or .status', false);
  return causes;
}

const columnFormats = ['int32', 'int64', 'float', 'double', 'byte', 'date', 'date-time', 'password'];

function validatePrinterColumn(column: Json, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (str(column.name) === '') causes.push(fieldError.required(childPath(path, 'name')));
  if (column.type === undefined || column.type === '') causes.push(fieldError.required(childPath(path, 'type')));
  else if (!(printerColumnTypes as readonly unknown[]).includes(column.type)) causes.push(fieldError.notSupported(childPath(path, 'type'), column.type, [...printerColumnTypes]));
  if (column.format !== undefined && column.format !== '' && !columnFormats.includes(str(column.format))) causes.push(fieldError.notSupported(childPath(path, 'format'), column.format, columnFormats));
  if (str(column.jsonPath) === '') causes.push(fieldError.required(childPath(path, 'jsonPath')));
  if (typeof column.priority === 'number' && column.priority < 0) causes.push(fieldError.invalid(childPath(path, 'priority'), column.priority, 'must be greater than or equal to 0'));
  return causes;
}

/** Kubernetes patterns are RE2; this server checks them with JavaScript regular expressions. */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The structural-schema rules that matter for pruning and defaulting: every node has a type. */
function validateStructuralRoot(schema: Json, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (schema.type === undefined || schema.type === '') causes.push(fieldError.required(childPath(path, 'type'), 'must not be empty at the root'));
  else if (schema.type !== 'object') causes.push(fieldError.invalid(childPath(path, 'type'), schema.type, 'must be object at the root'));
  validateStructuralNode(schema, path, causes, true);
  return causes;
}

function validateStructuralNode(schema: Json, path: string, causes: StatusCause[], root: boolean): void {
  const untyped = schema.type === undefined || schema.type === '';
  const exempt = schema['x-kubernetes-preserve-unknown-fields'] === true || schema['x-kubernetes-int-or-string'] === true;
  if (!root && untyped && !exempt) causes.push(fieldError.required(childPath(path, 'type'), 'must not be empty for specified fields'));
  if (schema['x-kubernetes-preserve-unknown-fields'] === false) causes.push(fieldError.invalid(childPath(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (schema['x-kubernetes-embedded-resource'] === true && schema.type !== 'object') causes.push(fieldError.invalid(childPath(path, 'type'), schema.type ?? '', 'must be object if x-kubernetes-embedded-resource is true'));
  if (schema['x-kubernetes-int-or-string'] === true && !untyped) causes.push(fieldError.invalid(childPath(path, 'type'), schema.type, 'must be empty if x-kubernetes-int-or-string is true'));
  if (isObject(schema.properties) && isObject(schema.additionalProperties)) causes.push(fieldError.forbidden(childPath(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
  if (typeof schema.pattern === 'string' && !isValidPattern(schema.pattern)) causes.push(fieldError.invalid(childPath(path, 'pattern'), schema.pattern, 'must be a valid regular expression'));
  if (schema.type === 'array' && !isObject(schema.items)) causes.push(fieldError.required(childPath(path, 'items'), 'must be specified'));
  for (const [key, child] of Object.entries(obj(schema.properties))) {
    if (isObject(child)) validateStructuralNode(child, `${path}.properties[${key}]`, causes, false);
    else causes.push(fieldError.invalid(`${path}.properties[${key}]`, child, 'must be a schema object'));
  }
  if (isObject(schema.items)) validateStructuralNode(schema.items, childPath(path, 'items'), causes, false);
  if (isObject(schema.additionalProperties)) validateStructuralNode(schema.additionalProperties, childPath(path, 'additionalProperties'), causes, false);
}
