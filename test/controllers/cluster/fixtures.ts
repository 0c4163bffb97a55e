// Shared by the Cluster and Machine controller tests: a test server with the Cluster API CRDs and
// a tiny test-only provider (infrastructure cluster and machine, bootstrap config, control plane:
// schemaless kinds whose status the tests write by hand), a Manager running the Cluster and
// Machine controllers with the garbage collector, and object builders.
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { clientFor, eventually } from '../../client/helpers.ts';
import { Manager } from '../../../src/client/controller.ts';
import { customResourceDefinitionsResource, eventsResource, namespacesResource } from '../../../src/client/resources.ts';
import { isNotFound, type ResourceRef, type RestClient } from '../../../src/client/rest-client.ts';
import { clusterApiCRDs } from '../../../src/api/cluster.x-k8s.io/index.ts';
import type { KubeObject } from '../../../src/api/meta.ts';
import { garbageCollector } from '../../../src/controllers/garbage-collector.ts';
import { clusterController } from '../../../src/controllers/cluster/controller.ts';
import { machineController } from '../../../src/controllers/machine/controller.ts';
import { clustersResource, machinesResource, machineSetsResource, machineDeploymentsResource } from '../../../src/controllers/cluster/resources.ts';

export { clustersResource, machinesResource, machineSetsResource, machineDeploymentsResource, eventually };

export const providerGroup = 'provider.test.slipway.dev';
/** v1alpha2 is the group's preferred version; the contract label names v1alpha1, which is the one to read. */
const contractVersion = 'v1alpha1';
const kinds = ['TestCluster', 'TestMachine', 'TestMachineTemplate', 'TestConfig', 'TestControlPlane'] as const;
export type TestKind = (typeof kinds)[number];

export const providerResource = (kind: TestKind, version = contractVersion): ResourceRef =>
  ({ group: providerGroup, version, plural: `${kind.toLowerCase()}s`, namespaced: true, kind });

function providerCRD(kind: TestKind): KubeObject {
  const plural = `${kind.toLowerCase()}s`;
  const open = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const version = (name: string, storage: boolean) => ({
    name, served: true, storage, subresources: { status: {} },
    schema: { openAPIV3Schema: { type: 'object', properties: { spec: open, status: open } } },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${providerGroup}`, labels: { 'cluster.x-k8s.io/v1beta2': contractVersion } },
    spec: {
      group: providerGroup,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [version('v1alpha1', true), version('v1alpha2', false)],
    },
  };
}

export interface Harness {
  server: TestServer;
  client: RestClient;
  manager: Manager;
  stop(): Promise<void>;
}

/** Starts the server, installs the CRDs, creates the namespace and runs the controllers. */
export async function startHarness(namespace: string): Promise<Harness> {
  const server = await startTestServer();
  const client = clientFor(server);
  let manager: Manager | undefined;
  try {
    await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    for (const crd of [...clusterApiCRDs, ...kinds.map(providerCRD)]) await client.create(customResourceDefinitionsResource, crd);
    await eventually(async () => {
      for (const r of [clustersResource, machinesResource, machineSetsResource, machineDeploymentsResource, ...kinds.map((k) => providerResource(k))]) await client.list(r, { limit: 1 });
      return true;
    }, 'the CRDs to be served');
    manager = new Manager({ client, logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }) });
    manager.add(clusterController()).add(machineController()).add(garbageCollector({ resyncIntervalMs: 500 }));
    await manager.start();
  } catch (error) {
    await manager?.stop();
    client.close();
    await server.stop();
    throw error;
  }
  const started = manager;
  return {
    server, client, manager: started,
    async stop() {
      await started.stop();
      client.close();
      await server.stop();
    },
  };
}

export const ref = (kind: TestKind, name: string) => ({ apiGroup: providerGroup, kind, name });

export function providerObject(kind: TestKind, name: string, namespace: string, spec: Record<string, unknown> = {}, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: `${providerGroup}/${contractVersion}`, kind, metadata: { name, namespace, ...metadata }, spec };
}

/** Merges `status` into the provider object's status (as its provider would report it). */
export async function setProviderStatus(client: RestClient, kind: TestKind, name: string, namespace: string, status: Record<string, unknown>): Promise<KubeObject> {
  return client.patch(providerResource(kind), name, { status }, { type: 'merge', namespace, subresource: 'status' });
}

export async function setProviderSpec(client: RestClient, kind: TestKind, name: string, namespace: string, spec: Record<string, unknown>): Promise<KubeObject> {
  return client.patch(providerResource(kind), name, { spec }, { type: 'merge', namespace });
}

export async function exists(client: RestClient, resource: ResourceRef, name: string, namespace: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(resource, name, namespace);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export const conditionOf = (obj: KubeObject | undefined, type: string) =>
  ((obj?.status as { conditions?: { type: string; status: string; reason: string; message?: string }[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

/** Reasons of the Events recorded about an object, oldest first. */
export async function eventReasons(client: RestClient, namespace: string, kind: string, name: string): Promise<string[]> {
  const events = (await client.list(eventsResource, { namespace })).items
    .filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === kind && (e.involvedObject as { name?: string }).name === name)
    .sort((a, b) => String(a.firstTimestamp).localeCompare(String(b.firstTimestamp)));
  return events.map((e) => String(e.reason));
}

export function clusterObject(name: string, namespace: string, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name, namespace }, spec: { clusterNetwork: { apiServerPort: 6443 }, ...spec } };
}

export function machineObject(name: string, namespace: string, clusterName: string, spec: Record<string, unknown> = {}, metadata: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Machine',
    metadata: { name, namespace, ...metadata },
    spec: { clusterName, bootstrap: { configRef: ref('TestConfig', `${name}-config`) }, infrastructureRef: ref('TestMachine', `${name}-infra`), ...spec },
  };
}
