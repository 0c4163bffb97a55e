// GET of one object and LIST of a collection: resourceVersion semantics, label and field
// selectors, paging with continue tokens, and the JSON / Table / PartialObjectMetadata forms.
import type { KubeObject, ListMeta } from '../../api/meta.ts';
import { apiVersionOf } from '../../api/meta.ts';
import type { KeyValue } from '../../storage/store.ts';
import { StoreError } from '../../storage/store.ts';
import { decodeContinue, encodeContinue } from '../continue-token.ts';
import { parseFieldSelector, type FieldSelector } from '../field-selector.ts';
import { parseLabelSelector, type LabelSelector } from '../label-selector.ts';
import { collectionPrefix, decodeObject, objectJson, objectKey } from '../object-store.ts';
import { sendJsonText } from '../responses.ts';
import { ApiError, badRequest, expired, notFound } from '../status-errors.ts';
import { parseIncludeObject, partialObjectMetadata, table, tableRow, columnDefinitions } from '../table.ts';
import { respond, type ResourceScope } from './request-scope.ts';

export function parseRevision(value: string | null, what = 'resourceVersion'): number | undefined {
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw badRequest(`invalid ${what} ${JSON.stringify(value)}: must be a non-negative integer`);
  return Number(value);
}

export interface Selectors {
  labels?: LabelSelector;
  fields?: FieldSelector;
}

export function parseSelectors(scope: ResourceScope): Selectors {
  const labels = scope.query.get('labelSelector');
  const fields = scope.query.get('fieldSelector');
  return {
    labels: labels ? parseLabelSelector(labels) : undefined,
    fields: fields ? parseFieldSelector(fields, scope.type) : undefined,
  };
}

export function selectorsMatch(selectors: Selectors, obj: KubeObject): boolean {
  return (!selectors.labels || selectors.labels.matches(obj.metadata.labels)) && (!selectors.fields || selectors.fields.matches(obj));
}

export async function getObject(scope: ResourceScope): Promise<void> {
  const { ctx, type } = scope;
  const revision = parseRevision(scope.query.get('resourceVersion'));
  let kv: KeyValue | undefined;
  try {
    // "0" means any version is fine: the latest is.
    kv = await ctx.objects.get(type, scope.namespace, scope.name!, revision === 0 ? undefined : revision);
  } catch (error) {
    if (error instanceof StoreError && error.code === 'Compacted') throw expired(`too old resource version: ${revision} (${error.revision ?? ''})`);
    throw error;
  }
  if (!kv) throw notFound(type, scope.name!);
  if (scope.form.kind === 'json' && scope.warnings.length === 0) {
    sendJsonText(scope.res, 200, objectJson(kv, type));
    return;
  }
  const obj = decodeObject(kv, type);
  if (scope.form.kind === 'table') {
    respond(scope, 200, { kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: obj.metadata.resourceVersion }, columnDefinitions: columnDefinitions(type), rows: [tableRow(type, obj, parseIncludeObject(scope.query))] });
  } else if (scope.form.kind === 'partial-metadata') {
    respond(scope, 200, partialObjectMetadata(obj));
  } else {
    respond(scope, 200, obj);
  }
}

export interface ListResult {
  items: KeyValue[];
  revision: number;
  continueToken?: string;
}

/** Reads matching keys of the collection at a consistent revision, honouring limit and continue. */
export async function listKeys(scope: ResourceScope, selectors: Selectors): Promise<ListResult> {
  const { ctx, type, query } = scope;
  const limitParam = query.get('limit');
  let limit: number | undefined;
  if (limitParam !== null && limitParam !== '') {
    if (!/^\d+$/.test(limitParam)) throw badRequest(`invalid limit ${JSON.stringify(limitParam)}: must be a non-negative integer`);
    limit = Number(limitParam) || undefined;
  }
  const requested = parseRevision(query.get('resourceVersion'));
  const match = query.get('resourceVersionMatch') ?? '';
  if (match !== '' && match !== 'Exact' && match !== 'NotOlderThan') throw badRequest(`resourceVersionMatch must be "Exact" or "NotOlderThan", got ${JSON.stringify(match)}`);
  if (match !== '' && requested === undefined) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (match === 'Exact' && requested === 0) throw badRequest('resourceVersionMatch "Exact" is forbidden for resourceVersion "0"');
  const prefix = collectionPrefix(type, scope.namespace);

  let revision: number | undefined;
  let after: string | undefined;
  const token = query.get('continue');
  if (token) {
    if (requested !== undefined && requested !== 0) throw badRequest('specifying resource version is not allowed when using continue');
    const position = decodeContinue(token, prefix);
    revision = position.revision;
    after = position.after;
  } else if (requested !== undefined && requested !== 0) {
    if (match === 'Exact' || (match === '' && limit !== undefined)) {
      revision = requested;
    } else {
      const current = await ctx.store.currentRevision();
      if (requested > current) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 });
      }
    }
  }

  // A field selector pinning metadata.name turns the list into a single read.
  if (selectors.fields?.exactName !== undefined && !token && (scope.namespace || !type.namespaced)) {
    const at = revision ?? (await ctx.store.currentRevision());
    const kv = await readAt(() => ctx.store.get(objectKey(type, scope.namespace, selectors.fields!.exactName!), at), !!token);
    const items = kv && (!needsDecode(selectors) || selectorsMatch(selectors, decodeObject(kv, type))) ? [kv] : [];
    return { items, revision: at };
  }

  const items: KeyValue[] = [];
  const filtering = needsDecode(selectors);
  for (;;) {
    const pageLimit = limit === undefined ? undefined : filtering ? Math.max(limit * 2, 100) : limit - items.length;
    const page = await readAt(() => ctx.store.list(prefix, { revision, limit: pageLimit, after }), !!token);
    revision = page.revision;
    for (let i = 0; i < page.items.length; i++) {
      const kv = page.items[i];
      if (!filtering || selectorsMatch(selectors, decodeObject(kv, type))) {
        items.push(kv);
        if (limit !== undefined && items.length === limit) {
          const more = i < page.items.length - 1 || page.more;
          return { items, revision, continueToken: more ? encodeContinue({ revision, after: kv.key }) : undefined };
        }
      }
    }
    if (!page.more || page.items.length === 0) return { items, revision };
    after = page.items[page.items.length - 1].key;
  }
}

function needsDecode(selectors: Selectors): boolean {
  return selectors.labels !== undefined || selectors.fields !== undefined;
}

async function readAt<T>(read: () => Promise<T>, continuing: boolean): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'Compacted') {
      throw expired(continuing
        ? 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'
        : `The resourceVersion for the provided list is too old: ${error.message}`);
    }
    throw error;
  }
}

export async function listObjects(scope: ResourceScope): Promise<void> {
  const { type } = scope;
  const selectors = parseSelectors(scope);
  const include = scope.form.kind === 'table' ? parseIncludeObject(scope.query) : 'Object';
  const result = await listKeys(scope, selectors);
  const metadata: ListMeta = { resourceVersion: String(result.revision), ...(result.continueToken ? { continue: result.continueToken } : {}) };
  if (scope.form.kind === 'json') {
    // Assemble the JSON from the stored text: no parse/serialise per item.
    const head = `{"kind":${JSON.stringify(type.listKind)},"apiVersion":${JSON.stringify(apiVersionOf(type.group, type.version))},"metadata":${JSON.stringify(metadata)},"items":[`;
    sendJsonText(scope.res, 200, `${head}${result.items.map((kv) => objectJson(kv, type)).join(',')}]}`, scope.warnings);
    return;
  }
  const objects = result.items.map((kv) => decodeObject(kv, type));
  if (scope.form.kind === 'table') respond(scope, 200, table(type, objects, metadata, include));
  else if (scope.form.kind === 'partial-metadata') respond(scope, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: objects.map(partialObjectMetadata) });
  else respond(scope, 200, { kind: type.listKind, apiVersion: apiVersionOf(type.group, type.version), metadata, items: objects });
}
