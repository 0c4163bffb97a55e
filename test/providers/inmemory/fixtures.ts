// A real API server with Slipway's built-in CRDs installed and a Manager running the controllers
// under test (plus the garbage collector), and builders for the objects the tests create.
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { clientFor } from '../../client/helpers.ts';
import { Manager, type ControllerDefinition } from '../../../src/client/controller.ts';
import type { RestClient } from '../../../src/client/rest-client.ts';
import { eventsResource, namespacesResource } from '../../../src/client/resources.ts';
import { garbageCollector } from '../../../src/controllers/garbage-collector.ts';
import { installCRDs } from '../../../src/daemon/crds.ts';
import type { KubeObject } from '../../../src/api/meta.ts';
import { clusterNameLabel } from '../../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { inMemoryMachineTypeMeta, type InMemoryMachineSpec } from '../../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import { machineTypeMeta, type Machine } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine.ts';
import { group as infrastructureGroup } from '../../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';

export interface ClusterApiTestEnv {
  server: TestServer;
  client: RestClient;
  /** Starts a Manager with these controllers and the garbage collector; stopped by stop(). */
  startManager(controllers: ControllerDefinition[]): Promise<Manager>;
  stop(): Promise<void>;
}

export async function startClusterApiTestEnv(namespace: string): Promise<ClusterApiTestEnv> {
  const server = await startTestServer();
  const client = clientFor(server);
  const managers: Manager[] = [];
  const env: ClusterApiTestEnv = {
    server,
    client,
    async startManager(controllers) {
      const manager = new Manager({ client, logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }) });
      for (const controller of controllers) manager.add(controller);
      manager.add(garbageCollector({ resyncIntervalMs: 1000 }));
      managers.push(manager);
      await manager.start();
      return manager;
    },
    async stop() {
      await Promise.all(managers.map((m) => m.stop()));
      client.close();
      await server.stop();
    },
  };
  try {
    await installCRDs(client);
    await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    return env;
  } catch (error) {
    await env.stop();
    throw error;
  }
}

export function inMemoryMachine(name: string, namespace: string, spec: InMemoryMachineSpec = {}, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { ...inMemoryMachineTypeMeta, metadata: { name, namespace, labels: { [clusterNameLabel]: 'c1' }, ...metadata }, spec };
}

/** A Machine whose infrastructure is the InMemoryMachine of the same name. */
export function machineFor(name: string, namespace: string, options: { clusterName?: string; labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Partial<Machine['spec']> } = {}): KubeObject {
  const clusterName = options.clusterName ?? 'c1';
  return {
    ...machineTypeMeta,
    metadata: { name, namespace, labels: { [clusterNameLabel]: clusterName, ...options.labels }, ...(options.annotations ? { annotations: options.annotations } : {}) },
    spec: { clusterName, bootstrap: { dataSecretName: `${name}-bootstrap` }, infrastructureRef: { apiGroup: infrastructureGroup, kind: 'InMemoryMachine', name }, ...options.spec },
  };
}

/** The events recorded about an object. */
export async function eventsFor(client: RestClient, namespace: string, name: string): Promise<KubeObject[]> {
  const events = await client.list(eventsResource, { namespace });
  return events.items.filter((e) => (e.involvedObject as { name?: string } | undefined)?.name === name);
}
