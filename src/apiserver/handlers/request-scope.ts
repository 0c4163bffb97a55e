// One resource request as handlers see it, and the query parameters every write shares
// (dryRun, fieldValidation, fieldManager) parsed with kube-apiserver's rules.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/meta.ts';
import { apiVersionOf } from '../../api/meta.ts';
import type { ResourceType } from '../../api/resource.ts';
import type { ApiContext } from '../api-context.ts';
import type { UserInfo } from '../auth.ts';
import type { ResponseForm } from '../content-negotiation.ts';
import type { FieldValidation, WriteOptions } from '../object-writer.ts';
import { decodeProtobufObject, protobufMediaType } from '../protobuf-body.ts';
import { decodeBody, mediaType, objectBodyFormat, readBody, requireObjectBody } from '../request-body.ts';
import { sendObject } from '../responses.ts';
import { badRequest } from '../status-errors.ts';

export interface ResourceScope {
  ctx: ApiContext;
  req: IncomingMessage;
  res: ServerResponse;
  user: UserInfo;
  query: URLSearchParams;
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  form: ResponseForm;
  warnings: string[];
}

export function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw badRequest(`invalid dryRun value ${JSON.stringify(v)}: the only supported value is "All"`);
  }
  return values.length > 0;
}

export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  throw badRequest(`fieldValidation must be one of "Ignore", "Warn" or "Strict", got ${JSON.stringify(v)}`);
}

/** The fieldManager parameter, or (like Kubernetes) the User-Agent up to its first '/'. */
export function fieldManager(scope: ResourceScope): string | undefined {
  const explicit = scope.query.get('fieldManager');
  if (explicit !== null) {
    if (explicit.length > 128 || !/^[\x20-\x7e]*$/.test(explicit)) throw badRequest('fieldManager must be at most 128 printable ASCII characters');
    return explicit === '' ? undefined : explicit;
  }
  return undefined;
}

export function defaultManager(scope: ResourceScope): string {
  const agent = scope.req.headers['user-agent'] ?? '';
  const prefix = agent.split('/')[0].slice(0, 128);
  return prefix === '' ? 'unknown' : prefix;
}

export function writeOptions(scope: ResourceScope, subresource = scope.subresource): WriteOptions {
  return {
    manager: fieldManager(scope) ?? defaultManager(scope),
    dryRun: parseDryRun(scope.query),
    fieldValidation: parseFieldValidation(scope.query),
    warnings: scope.warnings,
    subresource,
  };
}

/** The body of a create or update: one JSON or YAML object (or protobuf, for the kinds kubectl sends so). */
export async function readObject(scope: ResourceScope): Promise<Record<string, unknown>> {
  if (mediaType(scope.req.headers['content-type']) === protobufMediaType) {
    return decodeProtobufObject(await readBody(scope.req, scope.ctx.maxRequestBodyBytes), scope.type);
  }
  const format = objectBodyFormat(scope.req.headers['content-type']);
  const body = await readBody(scope.req, scope.ctx.maxRequestBodyBytes);
  return requireObjectBody(decodeBody(body, format));
}

/**
 * apiVersion and kind must be the URL's. Built-in kinds may leave them out (taken from the URL, as
 * kube-apiserver's typed decoding does); custom resources must state them.
 */
export function checkKind(type: ResourceType, body: Record<string, unknown>, expected = { apiVersion: apiVersionOf(type.group, type.version), kind: type.kind }): void {
  if (!type.builtin && (body.kind === undefined || body.kind === '')) throw badRequest(`Object 'Kind' is missing in the request body; expected kind ${expected.kind}`);
  if (!type.builtin && (body.apiVersion === undefined || body.apiVersion === '')) throw badRequest(`Object 'apiVersion' is missing in the request body; expected apiVersion ${expected.apiVersion}`);
  if (body.apiVersion !== undefined && body.apiVersion !== expected.apiVersion) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${expected.apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== expected.kind) {
    throw badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${expected.kind})`);
  }
}

/** A namespace in the body must be the URL's. */
export function checkNamespace(scope: ResourceScope, body: Record<string, unknown>): void {
  const meta = body.metadata as { namespace?: unknown } | undefined;
  const given = meta && typeof meta === 'object' ? meta.namespace : undefined;
  if (scope.type.namespaced && given !== undefined && given !== '' && given !== scope.namespace) {
    throw badRequest(`the namespace of the provided object (${String(given)}) does not match the namespace sent on the request (${scope.namespace})`);
  }
}

export function respond(scope: ResourceScope, code: number, body: KubeObject | object): void {
  sendObject(scope.res, code, body, { yaml: scope.form.kind === 'yaml', warnings: scope.warnings });
}
