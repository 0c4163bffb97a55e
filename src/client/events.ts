// An event recorder writing core/v1 Events about objects, as client-go's recorder does: a repeat
// of the same event (same object, type, reason, message, component) within the aggregation window
// bumps the existing Event's count and lastTimestamp instead of creating another. Recording never
// blocks or fails the caller; write errors are logged. Events are written one at a time, so a burst
// (a thousand Machines coming up) queues them; past a bound new ones are dropped, as client-go's
// broadcaster drops them past its 1,000, rather than holding every object they are about in memory.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { KubeObject } from '../api/meta.ts';
import type { RestClient } from './rest-client.ts';
import { isNotFound } from './rest-client.ts';
import { eventsResource } from './resources.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** reportingComponent and source.component, e.g. "slipway-controller-manager". */
  component: string;
  /** reportingInstance and source.host (default: the host name). */
  instance?: string;
  /** Repeats within this window are aggregated into one Event (default 10 minutes). */
  aggregationWindowMs?: number;
  /** Distinct events remembered for aggregation (least recently used forgotten first). */
  cacheSize?: number;
  /** Events waiting to be written beyond which new ones are dropped (default 1,000). */
  maxQueued?: number;
  logger?: Logger;
}

interface Recorded {
  namespace: string;
  name: string;
  count: number;
  lastSeen: number;
}

export class EventRecorder {
  private readonly client: RestClient;
  private readonly options: Required<Omit<EventRecorderOptions, 'logger'>>;
  private readonly logger: Logger;
  private readonly recent = new Map<string, Recorded>();
  private pending: Promise<void> = Promise.resolve();
  private queued = 0;
  private dropped = 0;

  constructor(client: RestClient, options: EventRecorderOptions) {
    this.client = client;
    this.options = {
      component: options.component,
      instance: options.instance ?? process.env.HOSTNAME ?? 'localhost',
      aggregationWindowMs: options.aggregationWindowMs ?? 600_000,
      cacheSize: options.cacheSize ?? 4096,
      maxQueued: options.maxQueued ?? 1000,
    };
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /** Records an event about `obj`; written in the background, in order (or dropped while too many wait). */
  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.queued >= this.options.maxQueued) {
      // Said once a burst, not once an event.
      if (this.dropped++ === 0) this.logger.warn({ queued: this.queued }, 'too many events waiting to be written; dropping new ones');
      return;
    }
    this.queued++;
    this.pending = this.pending.then(() => this.write(obj, type, reason, message)).catch((error) => {
      this.logger.warn({ err: error, reason, object: obj.metadata.name }, 'could not record event');
    }).finally(() => {
      this.queued--;
      if (this.queued === 0 && this.dropped > 0) {
        this.logger.warn({ dropped: this.dropped }, 'events were dropped while too many waited to be written');
        this.dropped = 0;
      }
    });
  }

  /** Resolves once every event recorded so far has been written (or failed). */
  flush(): Promise<void> {
    return this.pending;
  }

  private async write(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const involved = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
    };
    const key = JSON.stringify([involved.apiVersion, involved.kind, involved.namespace, involved.name, involved.uid, type, reason, message]);
    const now = new Date();
    const timestamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const seen = this.recent.get(key);
    this.recent.delete(key);
    if (seen && now.getTime() - seen.lastSeen < this.options.aggregationWindowMs) {
      try {
        await this.client.patch(eventsResource, seen.name, { count: seen.count + 1, lastTimestamp: timestamp, message }, { type: 'merge', namespace: seen.namespace });
        this.remember(key, { ...seen, count: seen.count + 1, lastSeen: now.getTime() });
        return;
      } catch (error) {
        // The Event expired or was deleted: start a new one.
        if (!isNotFound(error)) throw error;
      }
    }
    const namespace = obj.metadata.namespace || 'default';
    const name = `${obj.metadata.name}.${now.getTime().toString(16)}${randomBytes(2).toString('hex')}`;
    await this.client.create(eventsResource, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: involved,
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.options.component, host: this.options.instance },
      reportingComponent: this.options.component,
      reportingInstance: this.options.instance,
    });
    this.remember(key, { namespace, name, count: 1, lastSeen: now.getTime() });
  }

  private remember(key: string, recorded: Recorded): void {
    this.recent.set(key, recorded);
    if (this.recent.size > this.options.cacheSize) this.recent.delete(this.recent.keys().next().value!);
  }
}
