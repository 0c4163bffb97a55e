// OpenAPI v3 documents in the shape Kubernetes publishes at /openapi/v3: one document per
// group/version with the kinds' schemas as named components (each tagged with
// x-kubernetes-group-version-kind, which is how `kubectl explain` finds them) and an operation per
// verb on every resource path (carrying the query parameters kubectl looks for, notably
// fieldValidation, and for built-in kinds the strategic-merge-patch content type, which is how
// kubectl apply decides what it may send).

import type { ResourceType, Schema } from '../api/resource.ts';
import { managedFieldsEntrySchema, objectMetaSchema, ownerReferenceSchema } from '../api/builtin/object-meta.ts';
import { scaleSchema } from '../api/builtin/scale.ts';

interface GroupVersion { group: string; version: string }
interface GroupVersionKind { group: string; version: string; kind: string }
type Json = Record<string, unknown>;

const metaV1 = 'io.k8s.apimachinery.pkg.apis.meta.v1';

const listMetaSchema: Schema = {
  type: 'object',
  description: 'ListMeta describes metadata that synthetic resources must have, including lists and various status objects.',
  properties: {
    resourceVersion: { type: 'string', description: "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed." },
    continue: { type: 'string', description: 'continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available.' },
    remainingItemCount: { type: 'integer', format: 'int64', description: 'remainingItemCount is the number of subsequent items in the list which are not included in this list response.' },
  },
};

const statusSchema: Schema = {
  type: 'object',
  description: 'Status is a return value for calls that don\'t return other objects.',
  properties: {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    metadata: listMetaSchema,
    status: { type: 'string', description: 'Status of the operation. One of: "Success" or "Failure".' },
    message: { type: 'string', description: 'A human-readable description of the status of this operation.' },
    reason: { type: 'string', description: 'A machine-readable description of why this operation is in the "Failure" status.' },
    code: { type: 'integer', format: 'int32', description: 'Suggested HTTP return code for this status, 0 if not set.' },
    details: {
      type: 'object',
      description: 'Extended data associated with the reason.',
      properties: {
        name: { type: 'string', description: 'The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).' },
        group: { type: 'string', description: 'The group attribute of the resource associated with the status StatusReason.' },
        kind: { type: 'string', description: 'The kind attribute of the resource associated with the status StatusReason.' },
        uid: { type: 'string', description: 'UID of the resource.' },
        causes: {
          type: 'array',
          description: 'The Causes array includes more details associated with the StatusReason failure.',
          items: {
            type: 'object',
            properties: {
              reason: { type: 'string', description: 'A machine-readable description of the cause of the error.' },
              message: { type: 'string', description: 'A human-readable description of the cause of the error.' },
              field: { type: 'string', description: 'The field of the resource that has caused this error, as named by its JSON serialization.' },
            },
          },
        },
        retryAfterSeconds: { type: 'integer', format: 'int32', description: 'If specified, the time in seconds before the operation should be retried.' },
      },
    },
  },
};

const deleteOptionsSchema: Schema = {
  type: 'object',
  description: 'DeleteOptions may be provided when deleting an API object.',
  properties: {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    dryRun: { type: 'array', items: { type: 'string' }, description: 'When present, indicates that modifications should not be persisted.' },
    gracePeriodSeconds: { type: 'integer', format: 'int64', description: 'The duration in seconds before the object should be deleted.' },
    orphanDependents: { type: 'boolean', description: 'Deprecated: please use the PropagationPolicy.' },
    propagationPolicy: { type: 'string', description: "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'." },
    preconditions: {
      type: 'object',
      description: 'Must be fulfilled before a deletion is carried out.',
      properties: {
        resourceVersion: { type: 'string', description: 'Specifies the target ResourceVersion' },
        uid: { type: 'string', description: 'Specifies the target UID.' },
      },
    },
  },
};

const patchSchema: Schema = { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' };

/** Schemas published once as components and referenced wherever they occur (recognised by identity). */
const sharedComponents = new Map<Schema, string>([
  [objectMetaSchema, `${metaV1}.ObjectMeta`],
  [ownerReferenceSchema, `${metaV1}.OwnerReference`],
  [managedFieldsEntrySchema, `${metaV1}.ManagedFieldsEntry`],
  [listMetaSchema, `${metaV1}.ListMeta`],
  [statusSchema, `${metaV1}.Status`],
  [deleteOptionsSchema, `${metaV1}.DeleteOptions`],
  [patchSchema, `${metaV1}.Patch`],
  [scaleSchema, 'io.k8s.api.autoscaling.v1.Scale'],
]);
const scaleGVK: GroupVersionKind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** Where a reference to a shared schema gets a description of its own, as in Kubernetes' documents. */
const referenceDescriptions = new Map<Schema, string>([
  [objectMetaSchema, "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"],
  [listMetaSchema, 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'],
]);

/** Kubernetes' own groups are named after their Go packages; every other group reads back to front. */
const kubernetesPackages: Record<string, string> = {
  '': 'io.k8s.api.core',
  'coordination.k8s.io': 'io.k8s.api.coordination',
  'apiextensions.k8s.io': 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  autoscaling: 'io.k8s.api.autoscaling',
};

/** The components.schemas key of a kind: `io.k8s.api.core.v1.ConfigMap`, `io.x-k8s.cluster.v1beta2.Machine`. */
export function componentName(group: string, version: string, kind: string): string {
  const pkg = kubernetesPackages[group] ?? group.split('.').reverse().join('.');
  return `${pkg}.${version}.${kind}`;
}

const refTo = (name: string) => `#/components/schemas/${name}`;

class Components {
  readonly schemas: Record<string, Json> = {};

  /** Publishes `schema` under `name` (once) and returns its $ref target. */
  define(name: string, schema: Schema, gvk?: GroupVersionKind): string {
    if (!(name in this.schemas)) {
      this.schemas[name] = {}; // claimed first, so a schema that refers to itself terminates
      this.schemas[name] = withGVK(this.convert(schema, true), gvk);
    }
    return refTo(name);
  }

  ref(schema: Schema): Json {
    return { $ref: this.define(sharedComponents.get(schema)!, schema, schema === scaleSchema ? scaleGVK : undefined) };
  }

  /** A schema node as published; a shared schema below the root becomes an allOf-wrapped $ref, as kube-openapi emits it. */
  convert(schema: Schema, isRoot = false): Json {
    if (!isRoot && sharedComponents.has(schema)) {
      const description = referenceDescriptions.get(schema);
      return description ? { allOf: [this.ref(schema)], description } : { allOf: [this.ref(schema)] };
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(schema) as [keyof Schema, unknown][]) {
      if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, this.convert(v)]));
      else if (key === 'items' || key === 'not' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = this.convert(value as Schema);
      else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') out[key] = (value as Schema[]).map((s) => this.convert(s));
      else out[key] = structuredClone(value);
    }
    return out;
  }
}

function withGVK(schema: Json, gvk: GroupVersionKind | undefined): Json {
  return gvk ? { ...schema, 'x-kubernetes-group-version-kind': [{ group: gvk.group, kind: gvk.kind, version: gvk.version }] } : schema;
}

const queryParameter = (name: string, type: 'string' | 'boolean' | 'integer', description: string): Json => ({
  name, in: 'query', description, schema: { type, uniqueItems: true },
});

const parameters = {
  name: { name: 'name', in: 'path', required: true, description: 'name of the resource', schema: { type: 'string', uniqueItems: true } },
  namespace: { name: 'namespace', in: 'path', required: true, description: 'object name and auth scope, such as for teams and projects', schema: { type: 'string', uniqueItems: true } },
  pretty: queryParameter('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: queryParameter('dryRun', 'string', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: queryParameter('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint. This field is required for apply requests (application/apply-patch) but optional for non-apply patch types.'),
  fieldValidation: queryParameter('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default. - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.'),
  force: queryParameter('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.'),
  gracePeriodSeconds: queryParameter('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately.'),
  orphanDependents: queryParameter('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned.'),
  propagationPolicy: queryParameter('propagationPolicy', 'string', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground."),
  allowWatchBookmarks: queryParameter('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  continue: queryParameter('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  fieldSelector: queryParameter('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  labelSelector: queryParameter('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  limit: queryParameter('limit', 'integer', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.'),
  resourceVersion: queryParameter('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: queryParameter('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  sendInitialEvents: queryParameter('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection.'),
  timeoutSeconds: queryParameter('timeoutSeconds', 'integer', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.'),
  watch: queryParameter('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
};

const listParameters = [parameters.allowWatchBookmarks, parameters.continue, parameters.fieldSelector, parameters.labelSelector, parameters.limit, parameters.resourceVersion, parameters.resourceVersionMatch, parameters.sendInitialEvents, parameters.timeoutSeconds, parameters.watch];
const writeParameters = [parameters.dryRun, parameters.fieldManager, parameters.fieldValidation];
const deleteParameters = [parameters.dryRun, parameters.gracePeriodSeconds, parameters.orphanDependents, parameters.propagationPolicy];

const responseBody = (ref: Json, types = ['application/json', 'application/yaml']) => ({ content: Object.fromEntries(types.map((t) => [t, { schema: ref }])) });

/** `cluster.x-k8s.io`, `v1beta2` → `ClusterXK8sIoV1beta2`; the core group is `CoreV1`. */
function operationSuffix(group: string, version: string): string {
  const words = group === '' ? ['core'] : group.endsWith('.k8s.io') ? [group.slice(0, -'.k8s.io'.length)] : group.split(/[.-]/);
  return [...words, version].map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

interface OperationDetails {
  parameters?: Json[];
  requestBody?: Json;
  responses: Json;
}

function resourcePaths(type: ResourceType, components: Components): Record<string, Json> {
  const { group, version, kind, plural, namespaced } = type;
  const gvk = { group, version, kind };
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const tag = `${group === '' ? 'core' : group}_${version}`;
  const idOf = (verb: string, idSuffix = '', scope = namespaced ? 'Namespaced' : '') => `${verb}${operationSuffix(group, version)}${scope}${kind}${idSuffix}`;
  const objectRef = { $ref: components.define(componentName(group, version, kind), type.schema, gvk) };
  const listRef = { $ref: defineList(type, components) };
  const statusRef = components.ref(statusSchema);
  const deleteBody = responseBody(components.ref(deleteOptionsSchema), ['*/*']);

  const operation = (action: string, operationId: string, description: string, details: OperationDetails, target: GroupVersionKind = gvk): Json => ({
    tags: [tag],
    description,
    operationId,
    ...(details.parameters ? { parameters: details.parameters } : {}),
    ...(details.requestBody ? { requestBody: details.requestBody } : {}),
    responses: { ...details.responses, '401': { description: 'Unauthorized' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: target.group, kind: target.kind, version: target.version },
  });
  // Only built-in kinds take strategic merge patches; kubectl apply reads this list to choose.
  const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', ...(type.builtin ? ['application/strategic-merge-patch+json'] : []), 'application/apply-patch+yaml'];
  const patchBody = { content: Object.fromEntries(patchTypes.map((t) => [t, { schema: components.ref(patchSchema) }])), required: true };
  const written = (ref: Json) => ({ '200': { description: 'OK', ...responseBody(ref) }, '201': { description: 'Created', ...responseBody(ref) } });

  /** get, put and patch of an object or one of its subresources. */
  const objectVerbs = (ref: Json, noun: string, idSuffix = '', target = gvk): Json => ({
    get: operation('get', idOf('read', idSuffix), `read ${noun} of the specified ${kind}`, { responses: { '200': { description: 'OK', ...responseBody(ref) } } }, target),
    put: operation('put', idOf('replace', idSuffix), `replace ${noun} of the specified ${kind}`, { parameters: writeParameters, requestBody: { ...responseBody(ref, ['*/*']), required: true }, responses: written(ref) }, target),
    patch: operation('patch', idOf('patch', idSuffix), `partially update ${noun} of the specified ${kind}`, { parameters: [...writeParameters, parameters.force], requestBody: patchBody, responses: written(ref) }, target),
  });

  const collection = namespaced ? `${prefix}/namespaces/{namespace}/${plural}` : `${prefix}/${plural}`;
  const scopeParameters = namespaced ? [parameters.namespace, parameters.pretty] : [parameters.pretty];
  const itemParameters = [parameters.name, ...scopeParameters];
  const paths: Record<string, Json> = {
    [collection]: {
      parameters: scopeParameters,
      get: operation('list', idOf('list'), `list or watch objects of kind ${kind}`, { parameters: listParameters, responses: { '200': { description: 'OK', ...responseBody(listRef, ['application/json', 'application/yaml', 'application/json;stream=watch']) } } }),
      post: operation('post', idOf('create'), `create a ${kind}`, { parameters: writeParameters, requestBody: { ...responseBody(objectRef, ['*/*']), required: true }, responses: { ...written(objectRef), '202': { description: 'Accepted', ...responseBody(objectRef) } } }),
      delete: operation('deletecollection', idOf('deleteCollection'), `delete collection of ${kind}`, { parameters: [...deleteParameters, ...listParameters], requestBody: deleteBody, responses: { '200': { description: 'OK', ...responseBody(statusRef) } } }),
    },
    [`${collection}/{name}`]: {
      parameters: itemParameters,
      ...objectVerbs(objectRef, kind),
      delete: operation('delete', idOf('delete'), `delete a ${kind}`, { parameters: deleteParameters, requestBody: deleteBody, responses: { '200': { description: 'OK', ...responseBody(statusRef) }, '202': { description: 'Accepted', ...responseBody(statusRef) } } }),
    },
  };
  if (namespaced) {
    paths[`${prefix}/${plural}`] = {
      parameters: [parameters.pretty],
      get: operation('list', idOf('list', 'ForAllNamespaces', ''), `list or watch objects of kind ${kind}`, { parameters: listParameters, responses: { '200': { description: 'OK', ...responseBody(listRef) } } }),
    };
  }
  if (type.subresources.status) paths[`${collection}/{name}/status`] = { parameters: itemParameters, ...objectVerbs(objectRef, 'status', 'Status') };
  if (type.subresources.scale) paths[`${collection}/{name}/scale`] = { parameters: itemParameters, ...objectVerbs(components.ref(scaleSchema), 'scale', 'Scale', scaleGVK) };
  return paths;
}

/** Publishes the kind's list (`ConfigMapList`), whose items refer to the kind's own component. */
function defineList(type: ResourceType, components: Components): string {
  const { group, version, kind, listKind } = type;
  const name = componentName(group, version, listKind);
  components.schemas[name] = withGVK({
    type: 'object',
    description: `${listKind} is a list of ${kind}.`,
    required: ['items'],
    properties: {
      apiVersion: components.convert(type.schema.properties?.apiVersion ?? { type: 'string' }),
      kind: components.convert(type.schema.properties?.kind ?? { type: 'string' }),
      metadata: components.convert(listMetaSchema),
      items: { type: 'array', description: `List of ${type.plural}.`, items: { $ref: refTo(componentName(group, version, kind)) } },
    },
  }, { group, version, kind: listKind });
  return refTo(name);
}

/** The OpenAPI v3 document of one group/version, served at /openapi/v3/api/v1 or /openapi/v3/apis/<group>/<version>. */
export function openApiV3Document(types: ResourceType[], group: string, version: string): object {
  const components = new Components();
  const paths: Record<string, Json> = {};
  const served = types.filter((t) => t.group === group && t.version === version).sort((a, b) => a.plural.localeCompare(b.plural));
  for (const type of served) Object.assign(paths, resourcePaths(type, components));
  const schemas = Object.fromEntries(Object.entries(components.schemas).sort(([a], [b]) => a.localeCompare(b)));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** The /openapi/v3 discovery document: where each group/version's document is, with a hash for caching. */
export function openApiV3Index(groupVersions: GroupVersion[], hashOf: (gv: GroupVersion) => string): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions) {
    const key = gv.group === '' ? `api/${gv.version}` : `apis/${gv.group}/${gv.version}`;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${encodeURIComponent(hashOf(gv))}` };
  }
  return { paths };
}
