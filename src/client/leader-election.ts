// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules: a candidate takes the
// lease when it is free or when its holder has not renewed it for leaseDuration (measured on the
// candidate's own clock, from when it last saw the lease change, so clock skew between candidates
// does not matter); the leader renews every retryPeriod and gives up leadership if it cannot renew
// for renewDeadline; on a clean stop it releases the lease so another candidate takes over at once.
// Every write is a compare-and-swap on the Lease's resourceVersion.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { KubeObject } from '../api/meta.ts';
import type { RestClient } from './rest-client.ts';
import { isAlreadyExists, isConflict, isNotFound } from './rest-client.ts';
import { leasesResource } from './resources.ts';
import { abortableSleep } from './abortable-sleep.ts';

export interface LeaderElectionConfig {
  namespace: string;
  /** The Lease's name. */
  name: string;
  /** This candidate's identity (default: hostname plus a random suffix). */
  identity?: string;
  /** Defaults as client-go: 15 s, 10 s, 2 s. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  logger?: Logger;
}

export interface LeaderCallbacks {
  /** Called on becoming leader; the signal aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends (lost, or released by stop()). */
  onStoppedLeading?(): void | Promise<void>;
  /** Called whenever a different holder is observed (including this one). */
  onNewLeader?(identity: string): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** MicroTime, the precision Lease times carry. */
const microTime = (date: Date) => date.toISOString().replace('Z', '000Z');

export class LeaderElector {
  readonly identity: string;
  private readonly client: RestClient;
  private readonly config: Required<Omit<LeaderElectionConfig, 'logger'>>;
  private readonly callbacks: LeaderCallbacks;
  private readonly logger: Logger;
  private readonly stopController = new AbortController();
  private leading: AbortController | undefined;
  private observed: Lease | undefined;
  private observedAt = 0;
  private lastHolder: string | undefined;
  private running: Promise<void> | undefined;

  constructor(client: RestClient, config: LeaderElectionConfig, callbacks: LeaderCallbacks) {
    this.client = client;
    this.identity = config.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.config = {
      namespace: config.namespace,
      name: config.name,
      identity: this.identity,
      leaseDurationMs: config.leaseDurationMs ?? 15_000,
      renewDeadlineMs: config.renewDeadlineMs ?? 10_000,
      retryPeriodMs: config.retryPeriodMs ?? 2_000,
    };
    if (this.config.leaseDurationMs <= this.config.renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (this.config.renewDeadlineMs <= this.config.retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod');
    this.callbacks = callbacks;
    this.logger = (config.logger ?? pino({ level: 'silent' })).child({ lease: `${config.namespace}/${config.name}`, identity: this.identity });
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Campaigns, then leads until leadership is lost or stop() is called. Resolves when it ends. */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Ends the campaign or leadership; a leader releases the lease first. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const stopped = this.stopController.signal;
    while (!stopped.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await abortableSleep(this.config.retryPeriodMs * (1 + Math.random() * 0.2), stopped);
    }
    if (stopped.aborted) return;
    this.leading = new AbortController();
    this.logger.info('became leader');
    const started = Promise.resolve().then(() => this.callbacks.onStartedLeading(this.leading!.signal)).catch((error) => {
      this.logger.error({ err: error }, 'onStartedLeading failed');
    });
    let lastRenew = Date.now();
    while (!stopped.aborted) {
      await abortableSleep(this.config.retryPeriodMs, stopped);
      if (stopped.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= this.config.renewDeadlineMs || (this.observed?.spec?.holderIdentity ?? '') !== this.identity) {
        this.logger.warn('lost leadership');
        break;
      }
    }
    this.leading.abort();
    await started;
    if (stopped.aborted) await this.release();
    this.leading = undefined;
    await this.callbacks.onStoppedLeading?.();
  }

  /** One attempt to take or keep the lease; false when someone else holds it or the write failed. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const mine: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.config.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      let current: Lease;
      try {
        current = await this.client.get<Lease>(leasesResource, this.config.name, this.config.namespace);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        const created = await this.client.create<Lease>(leasesResource, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.config.name, namespace: this.config.namespace }, spec: mine });
        this.observe(created);
        return true;
      }
      this.observe(current);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== '' && holder !== this.identity && Date.now() < this.observedAt + durationMs) return false;
      const next: LeaseSpec = holder === this.identity
        ? { ...spec, renewTime: mine.renewTime, leaseDurationSeconds: mine.leaseDurationSeconds }
        : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder === '' ? 0 : 1) };
      const updated = await this.client.update<Lease>(leasesResource, { ...current, spec: next });
      this.observe(updated);
      return true;
    } catch (error) {
      if (!isConflict(error) && !isAlreadyExists(error)) this.logger.warn({ err: error }, 'lease update failed');
      return false;
    }
  }

  /** Gives the lease up: no holder, a 1 s duration, so the next candidate need not wait. */
  private async release(): Promise<void> {
    const current = this.observed;
    if (!current || current.spec?.holderIdentity !== this.identity) return;
    const now = microTime(new Date());
    try {
      await this.client.update<Lease>(leasesResource, { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
    } catch (error) {
      this.logger.warn({ err: error }, 'could not release the lease');
    }
  }

  private observe(lease: Lease): void {
    if (lease.metadata.resourceVersion !== this.observed?.metadata.resourceVersion) this.observedAt = Date.now();
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== '' && holder !== this.lastHolder) {
      this.lastHolder = holder;
      this.callbacks.onNewLeader?.(holder);
    }
  }
}
