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
import { containerProviderValidators, MachineHost } from '../providers/infrastructure/container/index.ts';
import { DEFAULT_NETWORK_NAME, networkTypeMeta } from '../api/slipway.dev/v1alpha1/network.ts';
import { networksResource } from '../providers/infrastructure/container/resources.ts';
import { isAlreadyExists } from '../client/rest-client.ts';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';

/** The default Network's subnet and bridge (`slipway up --machine-subnet/--machine-bridge`). */
export const DEFAULT_MACHINE_SUBNET = '10.99.0.0/16';
export const DEFAULT_MACHINE_BRIDGE = 'slipway0';

/** Container machines on this host: the runtime under <data-dir>/machines, images under <data-dir>/images. */
export interface MachineOptions {
  /** The Network "default", made at start unless it exists; false makes none (default: 10.99.0.0/16 on bridge slipway0). */
  defaultNetwork?: { subnet: string; bridge: string } | false;
  /** Prefix of machines' netns and veth names (default derived from the data directory). */
  namePrefix?: string;
  /** Parent of the machines' cgroups (default "slipway"). */
  cgroupParent?: string;
}

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
  /** Container machines (default: on, with the default Network); false runs no machine controllers and touches nothing on the host. */
  machines?: MachineOptions | false;
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
  const machines = options.controllers === false || options.machines === false ? undefined : options.machines ?? {};
  let machineHost: MachineHost | undefined;
  try {
    await installCRDs(crdClient);
    if (machines) {
      machineHost = await MachineHost.open({ dataDir: options.dataDir, ...(machines.namePrefix ? { namePrefix: machines.namePrefix } : {}), ...(machines.cgroupParent ? { cgroupParent: machines.cgroupParent } : {}) });
      const network = machines.defaultNetwork ?? { subnet: DEFAULT_MACHINE_SUBNET, bridge: DEFAULT_MACHINE_BRIDGE };
      if (network) {
        progress(`machine network ${DEFAULT_NETWORK_NAME}: ${network.subnet} on bridge ${network.bridge}`);
        await crdClient.create(networksResource, { ...networkTypeMeta, metadata: { name: DEFAULT_NETWORK_NAME }, spec: network }).catch((error: unknown) => {
          if (!isAlreadyExists(error)) throw error;
        });
      }
    }
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
      ...(machineHost ? { machineHost } : {}),
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
      await machineHost?.close();
      compactor.stop();
      await server.close();
      await store.close();
    },
  };
}
