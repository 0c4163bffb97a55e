// `slipway up`: everything one machine needs, in one process — the store, the API server on it,
// and the controller manager that reconciles through the API like any other client.
import { pino, type Logger } from 'pino';
import { openStore, type StoreConfig } from '../storage/open.ts';
import { startCompactor } from '../storage/compactor.ts';
import { startApiServer } from '../apiserver/server.ts';
import { RestClient } from '../client/rest-client.ts';
import { openDataDir, writeKubeconfig } from './data-dir.ts';
import { startControllerManager } from './controller-manager.ts';
import { installCRDs } from './crds.ts';
import { containerProviderValidators } from '../providers/infrastructure/container/admission.ts';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';

export interface SlipwayOptions {
  dataDir: string;
  host?: string;
  port?: number;
  storeBackend?: 'sqlite' | 'etcd';
  etcdEndpoints?: string[];
  logLevel?: string;
  /** How often store history is compacted (default 5 minutes, as kube-apiserver). */
  compactionIntervalMs?: number;
  /** Disable the controller manager (an API server alone, e.g. for benchmarks). */
  controllers?: boolean;
  onProgress?: (message: string) => void;
  logger?: Logger;
}

export interface RunningSlipway {
  url: string;
  kubeconfigPath: string;
  caCert: string;
  adminToken: string;
  stop(): Promise<void>;
}

export async function startSlipway(options: SlipwayOptions): Promise<RunningSlipway> {
  const progress = options.onProgress ?? (() => {});
  const logger = options.logger ?? pino({ level: options.logLevel ?? 'info', name: 'slipway' }, pino.destination(2));
  const host = options.host ?? '127.0.0.1';

  progress(`preparing data directory ${options.dataDir}`);
  const dataDir = await openDataDir(options.dataDir, host);

  const storeConfig: StoreConfig = options.storeBackend === 'etcd'
    ? { backend: 'etcd', endpoints: options.etcdEndpoints ?? ['http://127.0.0.1:2379'] }
    : { backend: 'sqlite', path: dataDir.storePath };
  progress(`opening the ${storeConfig.backend} store`);
  const store = await openStore(storeConfig);
  const compactor = startCompactor(store, { intervalMs: options.compactionIntervalMs ?? 5 * 60_000, logger: logger.child({ component: 'compactor' }) });

  // The controller manager's metrics (reconciles, work queues) are served on the API server's /metrics.
  const controllerMetrics = new Registry();
  progress('starting the API server');
  const server = await startApiServer({
    store,
    host,
    port: options.port ?? 6443,
    tls: dataDir.serving,
    tokens: dataDir.tokens,
    logger: logger.child({ component: 'apiserver' }),
    metricsRegistries: [controllerMetrics],
    validators: containerProviderValidators,
  });
  await writeKubeconfig(dataDir, server.url);

  progress('installing the Cluster API, provider and slipway.dev CustomResourceDefinitions');
  const crdClient = new RestClient({ server: server.url, caCert: dataDir.ca.cert, token: dataDir.controllerManagerToken, namespace: 'default' }, { userAgent: 'slipway-crd-installer' });
  try {
    await installCRDs(crdClient);
  } catch (error) {
    // A failed start leaves nothing running.
    compactor.stop();
    await server.close();
    await store.close();
    throw error;
  } finally {
    crdClient.close();
  }

  const manager = options.controllers === false
    ? undefined
    : await startControllerManager({
      server: server.url,
      caCert: dataDir.ca.cert,
      token: dataDir.controllerManagerToken,
      logger: logger.child({ component: 'controller-manager' }),
      onProgress: progress,
      registry: controllerMetrics,
      // The sqlite store admits one process per data directory, so the directory names the candidate and
      // a restart after a crash leads again at once. Processes sharing an etcd stay distinct.
      ...(storeConfig.backend === 'sqlite' ? { identity: `${hostname()}-${createHash('sha256').update(path.resolve(options.dataDir)).digest('hex').slice(0, 12)}` } : {}),
    });

  return {
    url: server.url,
    kubeconfigPath: dataDir.kubeconfigPath,
    caCert: dataDir.ca.cert,
    adminToken: dataDir.adminToken,
    async stop() {
      await manager?.stop();
      compactor.stop();
      await server.close();
      await store.close();
    },
  };
}
