// A typed Kubernetes REST client on node:https: one keep-alive agent per client (trusting the
// cluster CA), resource addressing by ResourceRef, every failure thrown as an ApiError carrying the
// server's Status, and watches as async iterators of events.
import { Agent, request as httpsRequest } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { KubeList, KubeObject, Status, StatusCause, StatusReason } from '../api/meta.ts';
import { apiVersionOf } from '../api/meta.ts';
import type { ConnectionConfig } from './kubeconfig.ts';
import { loadConnectionConfig } from './kubeconfig.ts';

/** How a client addresses a resource: the URL parts, plus the kind when the caller knows it. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  kind?: string;
}

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status, options?: { cause?: unknown }) {
    super(status.message || `request failed with HTTP ${status.code}`, options);
    this.name = 'ApiError';
    this.status = status;
  }
  get code(): number { return this.status.code; }
  get reason(): StatusReason { return this.status.reason; }
  get causes(): StatusCause[] { return this.status.details?.causes ?? []; }
}

export const isApiError = (error: unknown, reason?: StatusReason): error is ApiError =>
  error instanceof ApiError && (reason === undefined || error.reason === reason);
export const isNotFound = (error: unknown) => isApiError(error, 'NotFound');
export const isConflict = (error: unknown) => isApiError(error, 'Conflict');
export const isAlreadyExists = (error: unknown) => isApiError(error, 'AlreadyExists');
/** 410: the resourceVersion asked for is older than the server's history. */
export const isExpired = (error: unknown) => error instanceof ApiError && error.code === 410;

const reasonsByCode: Record<number, StatusReason> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed',
  406: 'NotAcceptable', 409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

function failure(code: number, message: string, reason?: StatusReason): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason: reason ?? reasonsByCode[code] ?? '', code };
}

function isStatus(value: unknown): value is Status {
  return typeof value === 'object' && value !== null && (value as Status).kind === 'Status' && typeof (value as Status).code === 'number';
}

function errorFromResponse(code: number, text: string, what: string): ApiError {
  try {
    const body = JSON.parse(text);
    if (isStatus(body)) return new ApiError(body);
  } catch { /* not JSON: described below */ }
  const detail = text.trim().split('\n')[0].slice(0, 200);
  return new ApiError(failure(code, `${what}: HTTP ${code}${detail ? `: ${detail}` : ''}`));
}

/** The server could not be reached: a 503 Status, so callers can treat it as retriable. */
function transportError(error: Error, what: string): ApiError {
  return new ApiError(failure(503, `${what}: ${error.message}`, 'ServiceUnavailable'), { cause: error });
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';
const patchContentTypes: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOptions {
  /** Namespaced resources only; absent lists across all namespaces. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; absent or "0" starts with ADDED events for the current state. */
  resourceVersion?: string;
  /** Default true. */
  allowWatchBookmarks?: boolean;
  /** The server ends the watch after this long (default a random 5–10 minutes, as client-go). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

/** Sees each object the server returned for a write through the client. */
export type WriteObserver = (ref: ResourceRef, obj: KubeObject) => void;

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
}

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  namespace?: string;
  subresource?: string;
  /** Apply patches only: take over fields other managers own. */
  force?: boolean;
}

export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  subresource?: string;
  dryRun?: boolean;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export interface DeleteCollectionOptions extends Omit<DeleteOptions, 'preconditions'> {
  labelSelector?: string;
  fieldSelector?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: WatchEventType; object: T }
  | { type: 'ERROR'; object: Status };

export interface Scale extends KubeObject {
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

export interface RequestOptions {
  method?: string;
  /** Absolute path on the server, e.g. /api/v1/namespaces/a/finalize. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface RestClientOptions {
  userAgent?: string;
  /** Per-request timeout for everything but watches (default 60 s). */
  timeoutMs?: number;
}

/** The URL path of a resource collection, object or subresource. */
export function resourcePath(ref: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  let p = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  if (ref.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${ref.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

export const refApiVersion = (ref: ResourceRef) => apiVersionOf(ref.group, ref.version);

const DEFAULT_TIMEOUT_MS = 60_000;
const MIN_WATCH_TIMEOUT_SECONDS = 300;

export class RestClient {
  readonly server: URL;
  /** The kubeconfig context's namespace, used for namespaced objects named without one. */
  readonly defaultNamespace: string;
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly writeObservers: WriteObserver[] = [];

  constructor(config: ConnectionConfig, options: RestClientOptions = {}) {
    this.server = new URL(config.server);
    if (this.server.protocol !== 'https:') throw new Error(`the API server address must be https, got ${config.server}`);
    this.defaultNamespace = config.namespace;
    this.agent = new Agent({
      keepAlive: true,
      ...(config.caCert ? { ca: config.caCert } : {}),
      ...(config.clientCert ? { cert: config.clientCert, key: config.clientKey } : {}),
      ...(config.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
      ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    });
    this.headers = { 'user-agent': options.userAgent ?? 'slipway-client', ...(config.token ? { authorization: `Bearer ${config.token}` } : {}) };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  static async fromKubeconfig(file: string, context?: string, options?: RestClientOptions): Promise<RestClient> {
    return new RestClient(await loadConnectionConfig(file, context), options);
  }

  /** Closes idle pooled connections; open watches end on their own when aborted. */
  close(): void {
    this.agent.destroy();
  }

  private namespaceFor(ref: ResourceRef, namespace: string | undefined): string | undefined {
    return ref.namespaced ? namespace || this.defaultNamespace : undefined;
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.request<T>({ path: resourcePath(ref, this.namespaceFor(ref, namespace), name) });
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, options: ListOptions = {}): Promise<KubeList<T>> {
    const { namespace, continue: cont, ...query } = options;
    return this.request<KubeList<T>>({ path: resourcePath(ref, namespace), query: { ...query, continue: cont } });
  }

  /** Every object, following continue tokens page by page. */
  async listAll<T extends KubeObject = KubeObject>(ref: ResourceRef, options: Omit<ListOptions, 'continue'> = {}): Promise<KubeList<T>> {
    const first = await this.list<T>(ref, options);
    let page = first;
    while (page.metadata.continue) {
      page = await this.list<T>(ref, { ...options, continue: page.metadata.continue });
      first.items.push(...page.items);
    }
    first.metadata = { resourceVersion: page.metadata.resourceVersion ?? first.metadata.resourceVersion };
    return first;
  }

  /** Calls `observer` with every object a create, update or patch through this client wrote (not dry runs). */
  observeWrites(observer: WriteObserver): void {
    this.writeObservers.push(observer);
  }

  private written<T>(ref: ResourceRef, options: WriteOptions, result: T): T {
    if (!options.dryRun && (result as KubeObject | undefined)?.metadata?.resourceVersion) for (const observe of this.writeObservers) observe(ref, result as KubeObject);
    return result;
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, options: WriteOptions = {}): Promise<T> {
    const namespace = this.namespaceFor(ref, obj.metadata.namespace);
    return this.written(ref, options, await this.request<T>({ method: 'POST', path: resourcePath(ref, namespace), query: writeQuery(options), body: obj }));
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, options: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, undefined, options);
  }

  async updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<T>, options: WriteOptions = {}): Promise<T> {
    return this.put(ref, obj, 'status', options);
  }

  private async put<T extends KubeObject>(ref: ResourceRef, obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = requireName(obj);
    return this.written(ref, options, await this.request<T>({ method: 'PUT', path: resourcePath(ref, this.namespaceFor(ref, obj.metadata.namespace), name, subresource), query: writeQuery(options), body: obj }));
  }

  async patch<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, patch: unknown, options: PatchOptions): Promise<T> {
    const { type, namespace, subresource, force, ...write } = options;
    if (type === 'apply' && !write.fieldManager) throw new Error('an apply patch needs a fieldManager');
    return this.written(ref, write, await this.request<T>({
      method: 'PATCH',
      path: resourcePath(ref, this.namespaceFor(ref, namespace), name, subresource),
      query: { ...writeQuery(write), force: type === 'apply' && force ? true : undefined },
      body: patch,
      contentType: patchContentTypes[type],
    }));
  }

  /** Server-side apply of a (partial) object: creates it or merges the fields this manager owns. */
  async apply<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: NoInfer<Partial<T>> & { apiVersion: string; kind: string; metadata: KubeObject['metadata'] }, options: ApplyOptions): Promise<T> {
    return this.patch<T>(ref, requireName(obj), obj, { type: 'apply', namespace: obj.metadata.namespace, ...options });
  }

  /**
   * Deletes an object. Returns the object itself while finalizers hold it back (HTTP 202), or the
   * success Status once it is gone.
   */
  async delete(ref: ResourceRef, name: string, options: DeleteOptions = {}): Promise<KubeObject | Status> {
    const { namespace, ...body } = options;
    return this.request<KubeObject | Status>({
      method: 'DELETE',
      path: resourcePath(ref, this.namespaceFor(ref, namespace), name),
      body: deleteBody(body),
    });
  }

  async deleteCollection(ref: ResourceRef, options: DeleteCollectionOptions = {}): Promise<KubeList> {
    const { namespace, labelSelector, fieldSelector, ...body } = options;
    return this.request<KubeList>({ method: 'DELETE', path: resourcePath(ref, namespace), query: { labelSelector, fieldSelector }, body: deleteBody(body) });
  }

  async getScale(ref: ResourceRef, name: string, namespace?: string): Promise<Scale> {
    return this.request<Scale>({ path: resourcePath(ref, this.namespaceFor(ref, namespace), name, 'scale') });
  }

  async updateScale(ref: ResourceRef, scale: Scale, options: WriteOptions = {}): Promise<Scale> {
    return this.request<Scale>({ method: 'PUT', path: resourcePath(ref, this.namespaceFor(ref, scale.metadata.namespace), requireName(scale), 'scale'), query: writeQuery(options), body: scale });
  }

  /**
   * Watch events until the server ends the stream, the signal aborts, or the caller stops iterating.
   * A failed start throws ApiError (410 when the resourceVersion is too old); a 410 later in the
   * stream arrives as an ERROR event, after which the stream ends.
   */
  async *watch<T extends KubeObject = KubeObject>(ref: ResourceRef, options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>, void, undefined> {
    const { namespace, signal, allowWatchBookmarks = true, timeoutSeconds, ...selection } = options;
    const path = resourcePath(ref, namespace);
    const query = buildQuery({ ...selection, watch: 1, allowWatchBookmarks, timeoutSeconds: timeoutSeconds ?? Math.floor(MIN_WATCH_TIMEOUT_SECONDS * (1 + Math.random())) });
    if (signal?.aborted) return;
    const { req, res } = await this.open('GET', `${path}${query}`, { accept: 'application/json' }, undefined, signal, 0);
    const onAbort = () => req.destroy();
    // The signal may have aborted while the stream was being opened; it does not fire a second time.
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (res.statusCode !== 200) {
        throw errorFromResponse(res.statusCode ?? 0, await readText(res), `watch ${path}`);
      }
      res.setEncoding('utf8');
      let buffered = '';
      for await (const chunk of res as AsyncIterable<string>) {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line !== '') yield JSON.parse(line) as WatchEvent<T>;
        }
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof ApiError) throw error;
      throw transportError(error as Error, `watch ${path}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
    }
  }

  /** Any request on the server; non-2xx answers are thrown as ApiError. An empty body is undefined. */
  async request<T = unknown>(options: RequestOptions): Promise<T> {
    const method = options.method ?? 'GET';
    const target = `${options.path}${buildQuery(options.query ?? {})}`;
    const body = options.body === undefined ? undefined : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (body) headers['content-type'] = options.contentType ?? 'application/json';
    const { res } = await this.open(method, target, headers, body, options.signal, this.timeoutMs);
    let text: string;
    try {
      text = await readText(res);
    } catch (error) {
      throw transportError(error as Error, `${method} ${options.path}`);
    }
    const code = res.statusCode ?? 0;
    if (code < 200 || code > 299) throw errorFromResponse(code, text, `${method} ${options.path}`);
    if (text === '') return undefined as T;
    const type = String(res.headers['content-type'] ?? '');
    return (type.includes('json') ? JSON.parse(text) : text) as T;
  }

  /**
   * Sends a request and resolves once the response starts. A request that fails because the server
   * closed a pooled keep-alive connection just as it was reused is retried once on a fresh one.
   */
  private open(method: string, target: string, extraHeaders: Record<string, string>, body: Buffer | undefined, signal: AbortSignal | undefined, timeoutMs: number): Promise<{ req: ClientRequest; res: IncomingMessage }> {
    const what = `${method} ${target.split('?')[0]}`;
    const attempt = (retried: boolean): Promise<{ req: ClientRequest; res: IncomingMessage }> => new Promise((resolve, reject) => {
      const headers = { ...this.headers, ...extraHeaders, ...(body ? { 'content-length': String(body.length) } : {}) };
      const req = httpsRequest(new URL(target, this.server), { method, agent: this.agent, headers, signal });
      if (timeoutMs > 0) req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('response', (res) => resolve({ req, res }));
      req.once('error', (error: NodeJS.ErrnoException) => {
        if (!retried && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          attempt(true).then(resolve, reject);
          return;
        }
        reject(error.name === 'AbortError' ? error : transportError(error, what));
      });
      req.end(body);
    });
    return attempt(false);
  }
}

function requireName(obj: { metadata?: { name?: string } }): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('the object has no metadata.name');
  return name;
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: options.fieldManager, dryRun: options.dryRun ? 'All' : undefined, fieldValidation: options.fieldValidation };
}

function deleteBody(options: Omit<DeleteOptions, 'namespace'>): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    ...(options.preconditions ? { preconditions: options.preconditions } : {}),
    ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
    ...(options.dryRun ? { dryRun: ['All'] } : {}),
  };
}

function buildQuery(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
