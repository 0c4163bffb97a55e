// Prometheus metrics, named like kube-apiserver's: requests by verb, resource and code, their
// latency, open watches, and the store's current revision. One registry per server, so several
// servers in one process (tests) do not mix their numbers.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../storage/store.ts';

export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'verb' | 'resource' | 'code'>;
  readonly latency: Histogram<'verb' | 'resource'>;
  readonly watchers: Gauge<'resource'>;

  /** Registries of components in the same process (the controller manager), served on the same /metrics. */
  private readonly others: Registry[];

  constructor(store: Store, others: Registry[] = []) {
    this.others = others;
    this.requests = new Counter({ name: 'apiserver_request_total', help: 'Requests by verb, resource and HTTP status code.', labelNames: ['verb', 'resource', 'code'], registers: [this.registry] });
    this.latency = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Request latency by verb and resource (watches: until the stream is set up).',
      labelNames: ['verb', 'resource'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.watchers = new Gauge({ name: 'apiserver_registered_watchers', help: 'Open watch streams by resource.', labelNames: ['resource'], registers: [this.registry] });
    new Gauge({
      name: 'slipway_store_revision',
      help: 'The store\'s current revision.',
      registers: [this.registry],
      async collect() {
        this.set(await store.currentRevision());
      },
    });
  }

  observe(verb: string, resource: string, code: number, seconds: number): void {
    this.requests.inc({ verb, resource, code: String(code) });
    this.latency.observe({ verb, resource }, seconds);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    const parts = await Promise.all([this.registry, ...this.others].map((r) => r.metrics()));
    return { contentType: this.registry.contentType, body: parts.join('\n') };
  }
}
