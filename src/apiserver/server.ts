// The Kubernetes-compatible API server: HTTPS on the given store, serving the built-in kinds and
// every CustomResourceDefinition stored in it, with request metrics and structured request logs.
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { KubeObject } from '../api/meta.ts';
import type { CustomResourceValidator, ResourceType } from '../api/resource.ts';
import { builtinResourceTypes } from '../api/builtin/index.ts';
import type { Store } from '../storage/store.ts';
import type { ApiContext } from './api-context.ts';
import { TokenAuthenticator, type UserInfo } from './auth.ts';
import { Discovery } from './discovery.ts';
import { ApiMetrics } from './metrics.ts';
import { NamespaceLookup } from './namespace-lookup.ts';
import { createObject } from './object-writer.ts';
import { collectionPrefix, ObjectStore } from './object-store.ts';
import { OpenApiDocuments } from './openapi-documents.ts';
import { DEFAULT_MAX_BODY_BYTES } from './request-body.ts';
import { ResourceRegistry } from './resource-registry.ts';
import { createRouter, type RequestInfo } from './router.ts';
import { ApiError } from './status-errors.ts';
import { WatchHub } from './watch-hub.ts';

export interface ApiServerOptions {
  store: Store;
  host: string;
  port: number;
  tls: { cert: string; key: string };
  tokens: Map<string, UserInfo>;
  logger: Logger;
  /** Request bodies above this many bytes get a 413 (default 3 MiB, as Kubernetes). */
  maxRequestBodyBytes?: number;
  /** How often watches that allow bookmarks get one (default 60 s; tests use less). */
  bookmarkIntervalMs?: number;
  /** Metrics of other components in this process, served on /metrics too. */
  metricsRegistries?: Registry[];
  /** Extra validation of custom kinds, by "group/Kind" (Slipway's providers register theirs). */
  validators?: ReadonlyMap<string, CustomResourceValidator>;
}

export interface RunningApiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system'];
const DEFAULT_BOOKMARK_INTERVAL_MS = 60_000;

function typeOf(registry: ResourceRegistry, group: string, plural: string): ResourceType {
  const type = registry.all().find((t) => t.group === group && t.plural === plural);
  if (!type) throw new Error(`built-in resource ${plural}.${group} is missing`);
  return type;
}

/** Serves the CRDs already stored, and follows CRD changes made through other servers on the same store. */
async function loadCustomResources(store: Store, hub: WatchHub, registry: ResourceRegistry, logger: Logger): Promise<void> {
  const crdType = typeOf(registry, 'apiextensions.k8s.io', 'customresourcedefinitions');
  const prefix = collectionPrefix(crdType);
  const revision = hub.revision;
  const apply = (value: string) => {
    const crd = JSON.parse(value) as KubeObject;
    try {
      registry.setCRD(crd);
    } catch (error) {
      logger.error({ err: error, crd: crd.metadata?.name }, 'cannot serve custom resource definition');
    }
  };
  let after: string | undefined;
  for (;;) {
    const page = await store.list(prefix, { revision, limit: 500, after });
    for (const kv of page.items) apply(kv.value);
    if (!page.more || page.items.length === 0) break;
    after = page.items[page.items.length - 1].key;
  }
  hub.subscribe(prefix, revision, {
    onEvents(events) {
      for (const e of events) {
        if (e.type === 'delete') registry.removeCRD(e.kv.key.slice(prefix.length));
        else apply(e.kv.value);
      }
    },
    onExpired(message) {
      logger.error({ message }, 'lost the watch on custom resource definitions');
    },
  });
}

async function ensureSystemNamespaces(ctx: ApiContext): Promise<void> {
  const namespaceType = typeOf(ctx.registry, '', 'namespaces');
  for (const name of SYSTEM_NAMESPACES) {
    if (await ctx.objects.get(namespaceType, undefined, name)) continue;
    try {
      await createObject(ctx, namespaceType, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { manager: 'slipway-apiserver', dryRun: false, fieldValidation: 'Strict', warnings: [] });
    } catch (error) {
      // Another server on the same store created it first.
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
    }
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startApiServer(options: ApiServerOptions): Promise<RunningApiServer> {
  const { store, logger } = options;
  const registry = new ResourceRegistry(builtinResourceTypes, options.validators);
  const hub = await WatchHub.start(store, logger);
  await loadCustomResources(store, hub, registry, logger);
  const namespaces = new NamespaceLookup(store, typeOf(registry, '', 'namespaces'));
  await namespaces.start(hub);
  const ctx: ApiContext = {
    store,
    objects: new ObjectStore(store),
    registry,
    hub,
    namespaces,
    metrics: new ApiMetrics(store, options.metricsRegistries),
    logger,
    maxRequestBodyBytes: options.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS,
    serverAddress: `${formatHost(options.host)}:${options.port}`,
  };
  await ensureSystemNamespaces(ctx);

  const route = createRouter({
    ctx,
    authenticator: new TokenAuthenticator(options.tokens),
    discovery: new Discovery(registry, () => ctx.serverAddress),
    openapi: new OpenApiDocuments(registry),
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const info: RequestInfo = { verb: req.method ?? 'GET', resource: '' };
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const code = res.statusCode;
      if (info.verb === 'WATCH') ctx.metrics.requests.inc({ verb: info.verb, resource: info.resource, code: String(code) });
      else ctx.metrics.observe(info.verb, info.resource, code, seconds);
      logger.debug({ verb: info.verb, resource: info.resource, namespace: info.namespace, name: info.name, user: info.user, code, latencyMs: Math.round(seconds * 1e6) / 1e3 }, 'request');
    });
    route(req, res, info).catch((error) => {
      logger.error({ err: error }, 'request handling failed');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };

  const server = createServer({ cert: options.tls.cert, key: options.tls.key, keepAliveTimeout: 65_000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  ctx.serverAddress = `${formatHost(options.host)}:${port}`;
  logger.info({ url: `https://${ctx.serverAddress}` }, 'API server listening');

  return {
    url: `https://${ctx.serverAddress}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      namespaces.stop();
      await hub.close();
    },
  };
}
