// The controller runtime: controllers declared with defineController (a primary resource, owned
// and otherwise watched resources, a reconcile function over object keys), and a Manager that
// shares one informer per resource between all its controllers and runnables, runs them (only
// while leader, when leader election is on), exports reconcile metrics and stops cleanly.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KubeObject } from '../api/meta.ts';
import { splitApiVersion } from '../api/meta.ts';
import { Discovery } from './discovery.ts';
import { EventRecorder } from './events.ts';
import { Informer, objectKey } from './informer.ts';
import { LeaderElector, type LeaderElectionConfig } from './leader-election.ts';
import { isConflict, isNotFound, type ResourceRef, type RestClient } from './rest-client.ts';
import { defaultControllerRateLimiter, WorkQueue, type RateLimiter } from './workqueue.ts';

/** What a controller or runnable gets from its manager. */
export interface ManagerContext {
  client: RestClient;
  discovery: Discovery;
  recorder: EventRecorder;
  logger: Logger;
  /** Aborts when the manager stops or loses leadership. */
  signal: AbortSignal;
  /** The manager's shared informer for a resource, started if new (wait for its sync before trusting it). */
  informer<T extends KubeObject = KubeObject>(resource: ResourceRef): Informer<T>;
  /**
   * Watches a resource known only at run time (a provider kind named by a reference): from now on,
   * every add, update and delete of its objects queues the keys mapFn returns in the calling
   * controller's queue. Idempotent: calling it again for the same resource (on every reconcile)
   * changes nothing, the first mapFn stays. Controllers only; a runnable calling it gets an error.
   * With `updateMatters`, an update queues keys only when it returns true for (old, new).
   */
  watchResource(resource: ResourceRef, mapFn: (obj: KubeObject) => string[], updateMatters?: UpdatePredicate): void;
}

/** Whether an update of a watched object concerns the controller (as controller-runtime's update predicates). */
export type UpdatePredicate = (old: KubeObject, obj: KubeObject) => boolean;

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds. */
  requeueAfter?: number;
  /** Reconcile again after the key's rate-limited backoff. */
  requeue?: boolean;
}

export interface WatchSpec {
  resource: ResourceRef;
  /** The keys ("namespace/name" or "name") of the primary objects to reconcile for this object. */
  mapFn(obj: KubeObject): string[];
  /** When given, an update queues keys only if this returns true (adds and deletes always do). */
  updateMatters?: UpdatePredicate;
  /**
   * Queue keys this long after the change instead of at once: for summaries of many objects (a
   * Cluster's counts of its Machines), a burst of changes then makes one reconcile, not one each.
   */
  batchMs?: number;
}

export interface ControllerDefinition {
  name: string;
  for: ResourceRef;
  /** Children whose controlling ownerReference points at a `for` object reconcile that object. */
  owns?: ResourceRef[];
  /** Queue the owner this long after a change of an owned object instead of at once (a burst makes one reconcile). */
  ownsBatchMs?: number;
  watches?: WatchSpec[];
  /**
   * Queue a `for` object whose update changed nothing but its status this long after the update instead of at
   * once. For controllers whose status summarises many other objects: each of their own status writes would
   * otherwise start another full reconcile at once, and while those objects keep changing the controller would
   * reconcile back to back instead of once a batch. Status written by others is still seen, this much later.
   */
  statusUpdateBatchMs?: number;
  /** Keys reconciled at the same time (never the same key twice at once). Default 1. */
  concurrency?: number;
  rateLimiter?: () => RateLimiter<string>;
  /** Errors requeue the key with backoff. */
  reconcile(key: string, ctx: ManagerContext): Promise<ReconcileResult | void> | ReconcileResult | void;
}

/** Something else the manager runs while it runs (or leads): it must return once ctx.signal aborts. */
export interface Runnable {
  name: string;
  run(ctx: ManagerContext): Promise<void>;
}

export function defineController(definition: ControllerDefinition): ControllerDefinition {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(definition.name)) throw new Error(`controller name ${JSON.stringify(definition.name)} must be a lower-case DNS label`);
  const concurrency = definition.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`controller ${definition.name}: concurrency must be a positive integer`);
  return Object.freeze({ ...definition, concurrency });
}

export interface ManagerOptions {
  client: RestClient;
  logger?: Logger;
  /** Where metrics are registered (default: a registry of the manager's own). */
  registry?: Registry;
  /** The component named in recorded events (default "slipway-controller-manager"). */
  component?: string;
  leaderElection?: LeaderElectionConfig;
  /** Called when leadership is lost (not on stop()); the manager has stopped its controllers by then. */
  onLostLeadership?(): void;
}

interface ManagerMetrics {
  total: Counter<'controller' | 'result'>;
  errors: Counter<'controller'>;
  duration: Histogram<'controller'>;
  depth: Gauge<'name'>;
}

const resourceKey = (r: ResourceRef) => `${r.group}/${r.version}/${r.plural}`;

export class Manager {
  readonly client: RestClient;
  readonly discovery: Discovery;
  readonly recorder: EventRecorder;
  readonly registry: Registry;
  private readonly logger: Logger;
  private readonly options: ManagerOptions;
  private readonly controllers: ControllerDefinition[] = [];
  private readonly runnables: Runnable[] = [];
  private readonly informers = new Map<string, Informer>();
  private readonly metrics: ManagerMetrics;
  private readonly queues = new Map<string, WorkQueue<string>>();
  /** Per controller, the resources watched through watchResource in this term. */
  private readonly dynamicWatches = new Map<string, Set<string>>();
  private readonly stopController = new AbortController();
  private elector: LeaderElector | undefined;
  private leaderSignal: AbortSignal | undefined;
  private running: Promise<void> | undefined;
  private markStarted: () => void = () => {};

  constructor(options: ManagerOptions) {
    this.options = options;
    this.client = options.client;
    this.logger = options.logger ?? pino({ name: 'controller-manager' });
    this.discovery = new Discovery(options.client);
    // Controllers see their own writes at once (Informer.assume), not only once the watch brings them.
    options.client.observeWrites((resource, obj) => this.informers.get(resourceKey(resource))?.assume(obj));
    this.recorder = new EventRecorder(options.client, { component: options.component ?? 'slipway-controller-manager', logger: this.logger });
    this.registry = options.registry ?? new Registry();
    const queues = this.queues;
    this.metrics = {
      total: new Counter({ name: 'controller_runtime_reconcile_total', help: 'Reconciliations per controller and result.', labelNames: ['controller', 'result'], registers: [this.registry] }),
      errors: new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Reconciliations that failed, per controller.', labelNames: ['controller'], registers: [this.registry] }),
      duration: new Histogram({ name: 'controller_runtime_reconcile_time_seconds', help: 'Reconciliation duration per controller.', labelNames: ['controller'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry] }),
      depth: new Gauge({
        name: 'workqueue_depth', help: 'Keys waiting in each controller work queue.', labelNames: ['name'], registers: [this.registry],
        collect() { for (const [name, queue] of queues) this.set({ name }, queue.len()); },
      }),
    };
  }

  add(item: ControllerDefinition | Runnable): this {
    if (this.running) throw new Error('controllers and runnables must be added before the manager starts');
    const names = [...this.controllers, ...this.runnables].map((c) => c.name);
    if (names.includes(item.name)) throw new Error(`a controller or runnable named ${item.name} is already added`);
    if ('reconcile' in item) this.controllers.push(item);
    else this.runnables.push(item);
    return this;
  }

  /** The shared informer of a resource; started now if the manager is running, else when it starts. */
  informer<T extends KubeObject = KubeObject>(resource: ResourceRef): Informer<T> {
    const key = resourceKey(resource);
    let informer = this.informers.get(key);
    if (!informer) {
      informer = new Informer(this.client, resource, { logger: this.logger });
      this.informers.set(key, informer);
      if (this.leaderSignal && !this.leaderSignal.aborted) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.running !== undefined && !this.stopController.signal.aborted;
  }

  /**
   * Starts the manager. Resolves once its controllers run with synced caches — with leader
   * election, once this manager leads — or when it is stopped before that.
   */
  start(): Promise<void> {
    if (this.running) throw new Error('the manager is already started');
    const started = new Promise<void>((resolve) => { this.markStarted = resolve; });
    this.stopController.signal.addEventListener('abort', () => this.markStarted(), { once: true });
    const election = this.options.leaderElection;
    if (election) {
      this.elector = new LeaderElector(this.client, { logger: this.logger, ...election }, {
        onStartedLeading: (signal) => this.lead(signal),
        onStoppedLeading: () => {
          if (!this.stopController.signal.aborted) {
            this.logger.error('leadership lost; controllers stopped');
            this.options.onLostLeadership?.();
          }
        },
      });
      this.running = this.elector.run();
    } else {
      this.running = this.lead(this.stopController.signal);
    }
    return started;
  }

  /** Stops controllers and runnables (waiting for reconciles in flight), informers, and leadership. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.elector?.stop();
    await this.running;
    await this.recorder.flush();
  }

  private context(signal: AbortSignal, logger: Logger, controller?: { name: string; queue: WorkQueue<string> }): ManagerContext {
    return {
      client: this.client,
      discovery: this.discovery,
      recorder: this.recorder,
      logger,
      signal,
      informer: (resource) => this.informer(resource),
      watchResource: (resource, mapFn, updateMatters) => {
        if (!controller) throw new Error('watchResource queues keys for a controller; a runnable has no queue (use informer() and its handlers)');
        this.watchDynamically(controller.name, controller.queue, resource, mapFn, updateMatters);
      },
    };
  }

  private watchDynamically(controller: string, queue: WorkQueue<string>, resource: ResourceRef, mapFn: (obj: KubeObject) => string[], updateMatters?: UpdatePredicate): void {
    let watched = this.dynamicWatches.get(controller);
    if (!watched) this.dynamicWatches.set(controller, (watched = new Set()));
    const key = resourceKey(resource);
    if (watched.has(key)) return;
    watched.add(key);
    this.connect(resource, mapFn, queue, { updateMatters });
  }

  /** Queues mapFn's keys for every add, update (old and new object; those that matter) and delete of the resource. */
  private connect(resource: ResourceRef, map: (obj: KubeObject) => string[], queue: WorkQueue<string>, options: ConnectOptions = {}): Informer {
    const { updateMatters, batchMs = 0, statusUpdateBatchMs } = options;
    const enqueueAll = (keys: string[], delayMs: number) => { for (const key of keys) queue.addAfter(key, delayMs); };
    const informer = this.informer(resource);
    informer.addHandlers({
      onAdd: (obj) => enqueueAll(map(obj), batchMs),
      onUpdate: (old, obj) => {
        if (updateMatters && !updateMatters(old, obj)) return;
        const delayMs = statusUpdateBatchMs !== undefined && onlyStatusChanged(old, obj) ? statusUpdateBatchMs : batchMs;
        enqueueAll([...new Set([...map(old), ...map(obj)])], delayMs);
      },
      onDelete: (obj) => enqueueAll(map(obj), batchMs),
    });
    return informer;
  }

  /** Runs everything until the signal aborts, then takes it all down in order. */
  private async lead(signal: AbortSignal): Promise<void> {
    this.leaderSignal = signal;
    const workers: Promise<void>[] = [];
    const tasks: Promise<void>[] = [];
    try {
      for (const informer of this.informers.values()) informer.start();
      const controllers = await Promise.all(this.controllers.map((c) => this.prepare(c, signal)));
      for (const c of controllers) workers.push(...c.startWorkers());
      for (const runnable of this.runnables) {
        const ctx = this.context(signal, this.logger.child({ runnable: runnable.name }));
        tasks.push(runnable.run(ctx).catch((error) => this.logger.error({ err: error, runnable: runnable.name }, 'runnable failed')));
      }
      if (!signal.aborted) this.logger.info({ controllers: this.controllers.length, runnables: this.runnables.length }, 'controller manager running');
      this.markStarted();
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    } catch (error) {
      if (!signal.aborted) this.logger.error({ err: error }, 'controller manager failed to start');
    } finally {
      for (const queue of this.queues.values()) queue.shutDown();
      await Promise.all([...workers, ...tasks]);
      await Promise.all([...this.informers.values()].map((i) => i.stop()));
      // A later term (after losing and regaining leadership) starts from fresh caches.
      this.informers.clear();
      this.queues.clear();
      this.dynamicWatches.clear();
      this.leaderSignal = undefined;
    }
  }

  /** Wires a controller's informers to its queue and waits for their caches. */
  private async prepare(def: ControllerDefinition, signal: AbortSignal): Promise<{ startWorkers(): Promise<void>[] }> {
    const queue = new WorkQueue<string>({ rateLimiter: def.rateLimiter?.() ?? defaultControllerRateLimiter<string>() });
    this.queues.set(def.name, queue);
    const logger = this.logger.child({ controller: def.name });
    const informers = [this.connect(def.for, (obj) => [objectKey(obj)], queue, { statusUpdateBatchMs: def.statusUpdateBatchMs })];
    if (def.owns?.length) {
      const ownerKind = def.for.kind ?? (await this.discovery.resources()).find((r) => r.group === def.for.group && r.plural === def.for.plural)?.kind;
      if (!ownerKind) throw new Error(`controller ${def.name}: the kind of ${def.for.plural} is unknown (give for.kind)`);
      const ownerMap = controllerOwnerMapper(def.for, ownerKind);
      for (const owned of def.owns) informers.push(this.connect(owned, ownerMap, queue, { batchMs: def.ownsBatchMs }));
    }
    for (const w of def.watches ?? []) informers.push(this.connect(w.resource, (obj) => w.mapFn(obj), queue, { updateMatters: w.updateMatters, batchMs: w.batchMs }));
    await Promise.all(informers.map((i) => i.waitForSync(signal)));
    logger.info('caches synced');
    return {
      startWorkers: () => Array.from({ length: def.concurrency ?? 1 }, () => this.work(def, queue, signal, logger)),
    };
  }

  private async work(def: ControllerDefinition, queue: WorkQueue<string>, signal: AbortSignal, logger: Logger): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const endTimer = this.metrics.duration.startTimer({ controller: def.name });
      const keyLogger = logger.child({ key });
      try {
        const result = await def.reconcile(key, this.context(signal, keyLogger, { name: def.name, queue }));
        if (result?.requeueAfter && result.requeueAfter > 0) {
          queue.forget(key);
          queue.addAfter(key, result.requeueAfter);
          this.metrics.total.inc({ controller: def.name, result: 'requeue_after' });
        } else if (result?.requeue) {
          queue.addRateLimited(key);
          this.metrics.total.inc({ controller: def.name, result: 'requeue' });
        } else {
          queue.forget(key);
          this.metrics.total.inc({ controller: def.name, result: 'success' });
        }
      } catch (error) {
        this.metrics.total.inc({ controller: def.name, result: 'error' });
        this.metrics.errors.inc({ controller: def.name });
        // A write lost a race with another writer (409) or its object just went (404): routine for
        // controllers working from a cache; the retry reads the newer state.
        const routine = isConflict(error) || isNotFound(error);
        if (!signal.aborted) keyLogger[routine ? 'debug' : 'error']({ err: error, retries: queue.numRequeues(key) }, 'reconcile failed; requeued with backoff');
        queue.addRateLimited(key);
      } finally {
        endTimer();
        queue.done(key);
      }
    }
  }
}

interface ConnectOptions {
  updateMatters?: UpdatePredicate;
  batchMs?: number;
  /** Delay of updates that changed only the status (see ControllerDefinition.statusUpdateBatchMs). */
  statusUpdateBatchMs?: number;
}

/** Metadata that changes with every write, whatever was written. */
const BOOKKEEPING_METADATA = new Set(['resourceVersion', 'managedFields']);

/** Whether an update changed the object's status alone (and the bookkeeping metadata every write changes). */
export function onlyStatusChanged(old: KubeObject, obj: KubeObject): boolean {
  const keys = new Set([...Object.keys(old), ...Object.keys(obj)]);
  for (const key of keys) {
    if (key === 'status' || key === 'metadata') continue;
    if (!isDeepStrictEqual(old[key], obj[key])) return false;
  }
  const metadataKeys = new Set([...Object.keys(old.metadata), ...Object.keys(obj.metadata)]);
  for (const key of metadataKeys) {
    if (BOOKKEEPING_METADATA.has(key)) continue;
    if (!isDeepStrictEqual(old.metadata[key as keyof KubeObject['metadata']], obj.metadata[key as keyof KubeObject['metadata']])) return false;
  }
  return true;
}

/** Maps a child to the key of its controlling owner, when that owner is of the given kind. */
function controllerOwnerMapper(owner: ResourceRef, ownerKind: string): (obj: KubeObject) => string[] {
  return (obj) => {
    const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
    if (!ref || ref.kind !== ownerKind || splitApiVersion(ref.apiVersion).group !== owner.group) return [];
    return [owner.namespaced && obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name];
  };
}
