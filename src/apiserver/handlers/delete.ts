// DELETE of one object (with DeleteOptions in the query or body) and of a whole collection.
import type { KubeObject } from '../../api/meta.ts';
import { apiVersionOf } from '../../api/meta.ts';
import { deleteObject, type DeleteOptions } from '../object-writer.ts';
import { decodeObject } from '../object-store.ts';
import { decodeBody, isPlainObject, mediaType, readBody } from '../request-body.ts';
import { badRequest, successStatus } from '../status-errors.ts';
import { listKeys, parseSelectors } from './read.ts';
import { parseDryRun, respond, type ResourceScope } from './request-scope.ts';

const policies = ['Orphan', 'Background', 'Foreground'];

/** DeleteOptions from the body (when there is one) and the query, the query winning. */
async function deleteOptions(scope: ResourceScope): Promise<DeleteOptions> {
  const body = await readBody(scope.req, scope.ctx.maxRequestBodyBytes);
  let fromBody: Record<string, unknown> = {};
  if (body.length > 0 && body.toString('utf8').trim() !== '') {
    const decoded = decodeBody(body, mediaType(scope.req.headers['content-type']).includes('yaml') ? 'yaml' : 'json');
    if (!isPlainObject(decoded)) throw badRequest('the body of a DELETE must be a DeleteOptions object');
    fromBody = decoded;
  }
  const policy = scope.query.get('propagationPolicy') ?? fromBody.propagationPolicy ?? (fromBody.orphanDependents === true ? 'Orphan' : undefined);
  if (policy !== undefined && !policies.includes(policy as string)) {
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(policy)}: supported values: "Orphan", "Background", "Foreground"`);
  }
  const bodyDryRun = Array.isArray(fromBody.dryRun) ? fromBody.dryRun : [];
  for (const v of bodyDryRun) if (v !== 'All') throw badRequest(`invalid dryRun value ${JSON.stringify(v)}: the only supported value is "All"`);
  const grace = scope.query.get('gracePeriodSeconds');
  if (grace !== null && !/^-?\d+$/.test(grace)) throw badRequest(`gracePeriodSeconds must be an integer, got ${JSON.stringify(grace)}`);
  const preconditions = isPlainObject(fromBody.preconditions) ? fromBody.preconditions as DeleteOptions['preconditions'] : undefined;
  return { dryRun: parseDryRun(scope.query) || bodyDryRun.length > 0, propagationPolicy: policy as DeleteOptions['propagationPolicy'], preconditions };
}

export async function deleteHandler(scope: ResourceScope): Promise<void> {
  const options = await deleteOptions(scope);
  const { object, removed } = await deleteObject(scope.ctx, scope.type, scope.namespace, scope.name!, options);
  if (removed) {
    respond(scope, 200, { ...successStatus({ name: object.metadata.name, group: scope.type.group, kind: scope.type.plural, uid: object.metadata.uid }) });
  } else {
    // Still there, waiting for finalizers: 202 with the object, as kube-apiserver answers.
    respond(scope, 202, object);
  }
}

export async function deleteCollectionHandler(scope: ResourceScope): Promise<void> {
  const options = await deleteOptions(scope);
  const selectors = parseSelectors(scope);
  const { items, revision } = await listKeys(scope, selectors);
  const deleted: KubeObject[] = [];
  for (const kv of items) {
    const obj = decodeObject(kv, scope.type);
    try {
      deleted.push((await deleteObject(scope.ctx, scope.type, obj.metadata.namespace, obj.metadata.name!, options)).object);
    } catch (error) {
      // Gone in the meantime: that is what was asked for.
      if ((error as { reason?: string }).reason !== 'NotFound') throw error;
    }
  }
  respond(scope, 200, { kind: scope.type.listKind, apiVersion: apiVersionOf(scope.type.group, scope.type.version), metadata: { resourceVersion: String(revision) }, items: deleted });
}
