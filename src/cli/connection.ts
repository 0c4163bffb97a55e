// The CLI's view of the API server: the client and discovery from src/client, set up from the
// kubeconfig the flags select, plus the few operations the commands share (tables, waiting).
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeList, KubeObject } from '../api/meta.ts';
import { loadConnectionConfig } from '../client/kubeconfig.ts';
import { ApiError, RestClient, isNotFound, resourcePath, type ListOptions, type ResourceRef, type WatchOptions } from '../client/rest-client.ts';
import { Discovery, type DiscoveredResource } from '../client/discovery.ts';
import { CliError } from './errors.ts';
import { resolveKubeconfigPath } from './kubeconfig-path.ts';
import { trackConnection } from './open-connections.ts';
import type { GlobalOptions } from './global-options.ts';
import type { Table } from './printers/table-printer.ts';

export type { DiscoveredResource as ApiResourceRef } from '../client/discovery.ts';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const DISCOVERY_POLL_MS = 250;

/** A change to an object, as `get --watch` prints it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export class Cluster {
  readonly client: RestClient;
  readonly discovery: Discovery;
  /** --namespace, else the kubeconfig context's namespace, else "default". */
  readonly namespace: string;

  constructor(client: RestClient, namespace: string) {
    this.client = client;
    this.discovery = new Discovery(client);
    this.namespace = namespace;
  }

  /** A kind as the user typed it (plural, singular, kind, short name; optionally .group). */
  async resolve(typed: string): Promise<DiscoveredResource> {
    const found = await this.discovery.lookup(typed);
    if (!found) throw new CliError(`the server doesn't have a resource type "${typed}"`, 'check the spelling; kinds from a CustomResourceDefinition appear once it is applied');
    return found;
  }

  /** The resource serving apiVersion/kind, re-discovering once when it is unknown. */
  async resolveKind(apiVersion: string, kind: string): Promise<DiscoveredResource | undefined> {
    try {
      return await this.discovery.resourceFor(apiVersion, kind);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Waits until discovery serves apiVersion/kind, e.g. after applying its CRD. */
  async waitForKind(apiVersion: string, kind: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.resolveKind(apiVersion, kind))) {
      if (Date.now() > deadline) throw new CliError(`kind "${kind}" in version "${apiVersion}" was not served within ${timeoutMs / 1000}s of applying its CustomResourceDefinition`, 'check the CRD\'s status with `slipway describe crd NAME`');
      await sleep(DISCOVERY_POLL_MS);
    }
  }

  /** Every resource's plural name, for shell completion. */
  async kindNames(): Promise<string[]> {
    const names = (await this.discovery.preferredResources()).filter((r) => r.verbs.includes('list')).map((r) => r.plural);
    return [...new Set(names)].sort();
  }

  /** The server's Table for a collection or (with name) one object. */
  table(resource: ResourceRef, options: { namespace?: string; name?: string; labelSelector?: string }): Promise<Table> {
    return this.client.request<Table>({
      path: resourcePath(resource, options.namespace, options.name),
      query: { labelSelector: options.labelSelector, includeObject: 'Metadata' },
      accept: TABLE_ACCEPT,
    });
  }

  get(resource: ResourceRef, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.client.get(resource, name, namespace);
  }

  /** All objects, each with apiVersion and kind (list items may leave them out). */
  async list(resource: ResourceRef & { kind: string }, options: ListOptions): Promise<KubeList> {
    const list = await this.client.listAll(resource, options);
    const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version;
    list.items = list.items.map((item) => ({ ...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? resource.kind }));
    return list;
  }

  apply(resource: ResourceRef, object: KubeObject, options: { fieldManager: string; force: boolean; dryRun: boolean }): Promise<KubeObject> {
    return this.client.apply(resource, object, options);
  }

  async delete(resource: ResourceRef, namespace: string | undefined, name: string, propagationPolicy: 'Background' | 'Foreground' | 'Orphan'): Promise<void> {
    await this.client.delete(resource, name, { namespace, propagationPolicy });
  }

  /**
   * Calls onEvent for each change until the signal aborts, resuming from the last seen version
   * when the server ends a watch (it does so every few minutes).
   */
  async watch(resource: ResourceRef, options: Omit<WatchOptions, 'signal'>, onEvent: (event: WatchEvent) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    let resourceVersion = options.resourceVersion;
    while (!signal.aborted) {
      for await (const event of this.client.watch(resource, { ...options, resourceVersion, signal })) {
        if (event.type === 'ERROR') throw new ApiError(event.object);
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type !== 'BOOKMARK') await onEvent({ type: event.type as WatchEvent['type'], object: event.object });
      }
    }
  }

  /**
   * Reads the object, then follows its changes, until `decide` returns something for what it sees
   * (undefined when the object is gone), which is returned; undefined once the signal fires.
   */
  async observe<T extends KubeObject, R>(resource: ResourceRef, namespace: string | undefined, name: string, decide: (object: T | undefined) => R | undefined | Promise<R | undefined>, signal: AbortSignal): Promise<R | undefined> {
    while (!signal.aborted) {
      let current: T | undefined;
      try {
        current = await this.client.get<T>(resource, name, namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const now = await decide(current);
      if (now !== undefined) return now;
      if (!current) {
        await sleep(DISCOVERY_POLL_MS, undefined, { signal }).catch(() => undefined);
        continue;
      }
      const events = this.client.watch<T>(resource, { namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: current.metadata.resourceVersion, signal });
      for await (const event of events) {
        if (event.type === 'ERROR') break; // e.g. history compacted: read it again
        if (event.type === 'BOOKMARK') continue;
        const result = await decide(event.type === 'DELETED' ? undefined : event.object);
        if (result !== undefined) return result;
      }
    }
    return undefined;
  }

  /** Deletes the object (if it is still there) and waits until it is gone; resolves to the finalizers holding it if the signal fires first. */
  async deleteAndWait(resource: ResourceRef, namespace: string | undefined, name: string, signal: AbortSignal, preconditions?: { uid?: string }): Promise<string[] | undefined> {
    await this.client.delete(resource, name, { namespace, ...(preconditions ? { preconditions } : {}) }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    return this.waitForDeletion(resource, namespace, name, signal);
  }

  /**
   * Watches the object until it is gone (resolving to undefined) or the signal fires (resolving to
   * the finalizers still holding it).
   */
  async waitForDeletion(resource: ResourceRef, namespace: string | undefined, name: string, signal: AbortSignal): Promise<string[] | undefined> {
    let finalizers: string[] = [];
    const gone = await this.observe(resource, namespace, name, (object) => {
      if (!object) return true;
      finalizers = object.metadata.finalizers ?? [];
      return undefined;
    }, signal);
    return gone ? undefined : finalizers;
  }
}

export async function connect(argv: GlobalOptions, options: { timeoutMs?: number } = {}): Promise<Cluster> {
  const file = resolveKubeconfigPath({ explicit: argv.kubeconfig, env: process.env.KUBECONFIG, dataDir: argv['data-dir'] });
  const config = await loadConnectionConfig(file, argv.context);
  const client = new RestClient(config, { userAgent: 'slipway-cli', ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });
  trackConnection(client);
  return new Cluster(client, argv.namespace || config.namespace);
}
