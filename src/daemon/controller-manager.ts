// The controller manager `slipway up` runs beside the API server. It reaches the server over
// HTTPS with its own token, exactly as it would reach any Kubernetes-compatible server, and runs
// its controllers only while it holds the leader Lease (so several Slipways can share a store).
import type { Logger } from 'pino';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { RestClient } from '../client/rest-client.ts';
import { Manager } from '../client/controller.ts';
import { garbageCollector } from '../controllers/garbage-collector.ts';
import { namespaceLifecycleController } from '../controllers/namespace-lifecycle.ts';
import { clusterController } from '../controllers/cluster/controller.ts';
import { machineController } from '../controllers/machine/controller.ts';
import { machineSetController } from '../controllers/machine-set/controller.ts';
import { machineDeploymentController } from '../controllers/machine-deployment/controller.ts';
import { machineHealthCheckController } from '../controllers/machine-health-check/controller.ts';
import { inMemoryProviderControllers } from '../providers/infrastructure/inmemory/index.ts';
import { etcdBootstrapProviderControllers } from '../providers/bootstrap/etcd/index.ts';
import { etcdControlPlaneProviderControllers } from '../providers/controlplane/etcd/index.ts';
import { containerProviderControllers, type MachineHost } from '../providers/infrastructure/container/index.ts';

export interface ControllerManagerOptions {
  server: string;
  caCert: string;
  token: string;
  logger: Logger;
  onProgress?: (message: string) => void;
  /**
   * The leader election identity. A restarted Slipway that gives the same one takes its lease back at
   * once instead of waiting out the dead process's lease; only safe when no two processes can share it.
   */
  identity?: string;
  /** Where the controllers' metrics go (default: the manager's own registry). */
  registry?: Registry;
  /** The host's runtime, image store and port forwards: with it, the container provider's controllers run. */
  machineHost?: MachineHost;
}

export interface RunningControllerManager {
  manager: Manager;
  stop(): Promise<void>;
}

export async function startControllerManager(options: ControllerManagerOptions): Promise<RunningControllerManager> {
  const client = new RestClient({ server: options.server, caCert: options.caCert, token: options.token, namespace: 'default' }, { userAgent: 'slipway-controller-manager' });
  const manager = new Manager({
    client,
    logger: options.logger,
    ...(options.registry ? { registry: options.registry } : {}),
    leaderElection: { namespace: 'kube-system', name: 'slipway-controller-manager', identity: options.identity ?? `${hostname()}-${process.pid}`, logger: options.logger },
  });
  const controllers = [
    garbageCollector(),
    namespaceLifecycleController,
    // Cluster API core (the CRDs are installed before the manager starts).
    clusterController(),
    machineController(),
    machineSetController(),
    machineDeploymentController(),
    machineHealthCheckController(),
    // Providers.
    ...inMemoryProviderControllers(),
    ...etcdBootstrapProviderControllers(),
    ...etcdControlPlaneProviderControllers(),
    ...(options.machineHost ? containerProviderControllers(options.machineHost) : []),
  ];
  for (const controller of controllers) manager.add(controller);
  options.onProgress?.(`starting the controller manager (${controllers.map((c) => c.name).join(', ')})`);
  void manager.start().catch((error) => options.logger.error({ err: error }, 'controller manager stopped with an error'));
  return { manager, stop: () => manager.stop() };
}
