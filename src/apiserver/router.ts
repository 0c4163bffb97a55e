// Request routing: anonymous health probes, authentication, then non-resource endpoints
// (/version, /metrics, discovery, OpenAPI) and resource paths, parsed the way kube-apiserver's
// RequestInfo does (/api/v1/namespaces/<ns>/<plural>/<name>/<subresource>), to a handler per verb.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiContext } from './api-context.ts';
import { isAnonymousPath, type TokenAuthenticator, type UserInfo } from './auth.ts';
import { negotiate, type Offer } from './content-negotiation.ts';
import { aggregatedContentType, type Discovery } from './discovery.ts';
import { createHandler } from './handlers/create.ts';
import { deleteCollectionHandler, deleteHandler } from './handlers/delete.ts';
import { patchHandler } from './handlers/patch.ts';
import { getObject, listObjects } from './handlers/read.ts';
import type { ResourceScope } from './handlers/request-scope.ts';
import { getScale, patchScale, updateScale } from './handlers/scale.ts';
import { updateHandler } from './handlers/update.ts';
import type { OpenApiDocuments } from './openapi-documents.ts';
import { sendJsonText, sendStatus } from './responses.ts';
import { methodNotAllowed, pathNotFound, statusFromError } from './status-errors.ts';
import { serverVersion } from './version.ts';
import { watchHandler } from './watch.ts';

/** What a request was, for metrics and the request log. */
export interface RequestInfo {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
  user?: string;
}

export interface RouterDeps {
  ctx: ApiContext;
  authenticator: TokenAuthenticator;
  discovery: Discovery;
  openapi: OpenApiDocuments;
}

const namespaceSubresources = new Set(['status', 'finalize']);

function resourceVerb(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'GET': return hasName ? 'GET' : watch ? 'WATCH' : 'LIST';
    case 'POST': return 'CREATE';
    case 'PUT': return 'UPDATE';
    case 'PATCH': return 'PATCH';
    case 'DELETE': return hasName ? 'DELETE' : 'DELETECOLLECTION';
    default: return method;
  }
}

function sendText(res: ServerResponse, code: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(code, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function createRouter(deps: RouterDeps) {
  const { ctx, authenticator, discovery, openapi } = deps;

  async function nonResource(req: IncomingMessage, res: ServerResponse, path: string, segments: string[], info: RequestInfo): Promise<boolean> {
    const onlyGet = (what: string) => { if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '', what); };
    if (path === '/version') {
      onlyGet(path);
      sendJsonText(res, 200, serverVersion());
      return true;
    }
    if (path === '/metrics') {
      onlyGet(path);
      const { contentType, body } = await ctx.metrics.text();
      sendText(res, 200, body, contentType);
      return true;
    }
    if (path === '/api' || path === '/apis') {
      onlyGet(path);
      const form = negotiate(req.headers.accept, { aggregatedDiscovery: true });
      if (form.kind === 'aggregated-discovery') {
        const body = discovery.aggregated(path === '/api', form.version);
        res.writeHead(200, { 'content-type': aggregatedContentType(form.version), 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      } else {
        sendJsonText(res, 200, path === '/api' ? discovery.coreVersions() : discovery.groups());
      }
      return true;
    }
    if (segments[0] === 'apis' && segments.length === 2) {
      onlyGet(path);
      negotiate(req.headers.accept);
      const doc = discovery.group(segments[1]);
      if (!doc) throw pathNotFound();
      sendJsonText(res, 200, doc);
      return true;
    }
    if (segments[0] === 'openapi') {
      onlyGet(path);
      info.resource = 'openapi';
      openapi.serve(req, res, segments.slice(1));
      return true;
    }
    return false;
  }

  async function resource(req: IncomingMessage, res: ServerResponse, segments: string[], query: URLSearchParams, user: UserInfo, info: RequestInfo): Promise<void> {
    const core = segments[0] === 'api';
    const group = core ? '' : segments[1];
    const version = core ? segments[1] : segments[2];
    let rest = segments.slice(core ? 2 : 3);
    if (!version || !ctx.registry.servesGroupVersion(group, version)) throw pathNotFound();
    if (rest.length === 0) {
      if (req.method !== 'GET') throw methodNotAllowed(req.method ?? '', `/${segments.join('/')}`);
      negotiate(req.headers.accept);
      const doc = discovery.resources(group, version);
      if (!doc) throw pathNotFound();
      sendJsonText(res, 200, doc);
      return;
    }
    let namespace: string | undefined;
    // /namespaces/<ns>/<plural>/… is namespaced; /namespaces/<name>[/status|/finalize] is a Namespace.
    if (rest[0] === 'namespaces' && rest.length > 2 && !namespaceSubresources.has(rest[2])) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    if (rest.length > 3) throw pathNotFound();
    const [plural, name, subresource] = rest;
    const type = ctx.registry.lookup(group, version, plural);
    if (!type || (type.namespaced ? namespace === undefined && name !== undefined : namespace !== undefined)) throw pathNotFound();
    if (subresource !== undefined) {
      const known = (subresource === 'status' && type.subresources.status)
        || (subresource === 'scale' && type.subresources.scale)
        || (subresource === 'finalize' && type.builtin && type.group === '' && type.kind === 'Namespace');
      if (!known) throw pathNotFound();
    }
    const method = req.method ?? 'GET';
    const watch = query.get('watch') === 'true' || query.get('watch') === '1';
    info.verb = resourceVerb(method, name !== undefined, watch);
    info.resource = subresource ? `${type.plural}/${subresource}` : type.plural;
    info.namespace = namespace;
    info.name = name;
    const offer: Offer = method === 'GET' && subresource !== 'scale' ? { table: true, partialMetadata: true } : {};
    const scope: ResourceScope = { ctx, req, res, user, query, type, namespace, name, subresource, form: negotiate(req.headers.accept, offer), warnings: [] };
    const what = `${info.resource}${name ? ` "${name}"` : ''}`;

    if (name === undefined) {
      switch (method) {
        case 'GET': return watch ? watchHandler(scope) : listObjects(scope);
        case 'POST': return createHandler(scope);
        case 'DELETE': return deleteCollectionHandler(scope);
        default: throw methodNotAllowed(method, `the collection ${what}`);
      }
    }
    if (subresource === 'scale') {
      switch (method) {
        case 'GET': return getScale(scope);
        case 'PUT': return updateScale(scope);
        case 'PATCH': return patchScale(scope);
        default: throw methodNotAllowed(method, what);
      }
    }
    if (subresource === 'finalize') {
      if (method !== 'PUT') throw methodNotAllowed(method, what);
      return updateHandler(scope);
    }
    switch (method) {
      case 'GET': return getObject(scope);
      case 'PUT': return updateHandler(scope);
      case 'PATCH': return patchHandler(scope);
      case 'DELETE':
        if (subresource) throw methodNotAllowed(method, what);
        return deleteHandler(scope);
      default: throw methodNotAllowed(method, what);
    }
  }

  return async function route(req: IncomingMessage, res: ServerResponse, info: RequestInfo): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    info.verb = req.method ?? 'GET';
    try {
      if (isAnonymousPath(path)) {
        info.resource = 'healthz';
        sendText(res, 200, 'ok');
        return;
      }
      const user = authenticator.authenticate(req);
      info.user = user.username;
      let segments: string[];
      try {
        segments = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
      } catch {
        throw pathNotFound();
      }
      if (await nonResource(req, res, path, segments, info)) return;
      if ((segments[0] === 'api' && segments.length >= 2) || (segments[0] === 'apis' && segments.length >= 3)) {
        await resource(req, res, segments, query, user, info);
        return;
      }
      throw pathNotFound();
    } catch (error) {
      const status = statusFromError(error);
      if (status.code >= 500) ctx.logger.error({ err: error, verb: info.verb, resource: info.resource }, 'request failed');
      sendStatus(res, status, status.code === 413 ? { connection: 'close' } : {});
    }
  };
}
