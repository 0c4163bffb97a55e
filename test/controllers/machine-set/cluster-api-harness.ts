// A real API server with the Cluster API CRDs, a test-only infrastructure provider (TestMachineTemplate →
// TestMachine, following the v1beta2 contract label), a Cluster, and a Manager running the MachineSet and
// MachineDeployment controllers, the garbage collector and a stand-in for the Machine controller. The stand-in
// is declared test scaffolding: it marks Machines Ready/Available (after `readyAfterMs`) with a nodeRef, sets
// UpToDate by comparing the Machine's MachineSet template with its MachineDeployment's (looking again every
// 250 ms instead of watching them), and lets deleted
// Machines go by removing the Machine finalizer — what the real Machine controller does with a provider.
import { pino } from 'pino';
import { clusterApiCRDs } from '../../../src/api/cluster.x-k8s.io/index.ts';
import type { Machine } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine.ts';
import type { MachineDeployment } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { MachineSet } from '../../../src/api/cluster.x-k8s.io/v1beta2/machine-set.ts';
import { machineFinalizer } from '../../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import type { KubeObject } from '../../../src/api/meta.ts';
import { defineController, Manager } from '../../../src/client/controller.ts';
import { customResourceDefinitionsResource, namespacesResource } from '../../../src/client/resources.ts';
import { isNotFound, type ResourceRef, type RestClient } from '../../../src/client/rest-client.ts';
import { clustersResource, machineDeploymentsResource, machineSetsResource, machinesResource } from '../../../src/controllers/cluster/resources.ts';
import { garbageCollector } from '../../../src/controllers/garbage-collector.ts';
import { machineDeploymentController } from '../../../src/controllers/machine-deployment/controller.ts';
import { machineTemplateUpToDate } from '../../../src/controllers/machine-deployment/template-hash.ts';
import { machineSetController } from '../../../src/controllers/machine-set/controller.ts';
import { controllerOf } from '../../../src/controllers/machine-set/owned-machines.ts';
import { startTestServer, type TestServer } from '../../support/server.ts';
import { clientFor, eventually } from '../../client/helpers.ts';

export { eventually };
export { clustersResource, machineDeploymentsResource, machineSetsResource, machinesResource };

export const infraGroup = 'infrastructure.test.slipway.dev';
export const testMachinesResource: ResourceRef = { group: infraGroup, version: 'v1', plural: 'testmachines', namespaced: true, kind: 'TestMachine' };
export const testMachineTemplatesResource: ResourceRef = { group: infraGroup, version: 'v1', plural: 'testmachinetemplates', namespaced: true, kind: 'TestMachineTemplate' };

function providerCRD(plural: string, kind: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${infraGroup}`, labels: { 'cluster.x-k8s.io/v1beta2': 'v1' } },
    spec: {
      group: infraGroup,
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{
        name: 'v1', served: true, storage: true, subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        } } },
      }],
    },
  };
}

export interface Simulation {
  /** Machines are marked Ready/Available this long after the stand-in first sees them. */
  readyAfterMs: number;
  /** Machines never marked ready (e.g. to hold a rollout). */
  neverReady: Set<string>;
  /** Deleted Machines kept (finalizer not removed) while named here. */
  holdDeletion: Set<string>;
}

export interface Harness {
  server: TestServer;
  client: RestClient;
  manager: Manager;
  namespace: string;
  cluster: KubeObject;
  simulation: Simulation;
  /** Stops the manager wherever its reconciles are, and starts a fresh one (new caches, no expectations). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function newManager(client: RestClient, simulation: Simulation): Manager {
  const manager = new Manager({ client, logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }) });
  return manager.add(machineSetController()).add(machineDeploymentController()).add(machineStandIn(simulation)).add(garbageCollector({ resyncIntervalMs: 1000 }));
}

const condition = (type: string, status: 'True' | 'False', reason: string, message = '') =>
  ({ type, status, reason, message, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });

/** The stand-in for the Machine controller (see the file comment). */
function machineStandIn(simulation: Simulation) {
  const firstSeen = new Map<string, number>();
  return defineController({
    name: 'test-machine-stand-in',
    for: machinesResource,
    concurrency: 4,
    async reconcile(key, ctx) {
      const machine = ctx.informer<Machine>(machinesResource).get(key);
      if (!machine) return;
      if (machine.metadata.deletionTimestamp) {
        if (!machine.metadata.finalizers?.includes(machineFinalizer)) return;
        if (simulation.holdDeletion.has(machine.metadata.name!)) return { requeueAfter: 100 };
        await ctx.client.patch(machinesResource, machine.metadata.name!, {
          metadata: { resourceVersion: machine.metadata.resourceVersion, finalizers: machine.metadata.finalizers.filter((f) => f !== machineFinalizer) },
        }, { type: 'merge', namespace: machine.metadata.namespace }).catch((error) => { if (!isNotFound(error)) throw error; });
        return;
      }
      // UpToDate as the Machine controller computes it: the MachineSet's template against the MachineDeployment's.
      const msRef = controllerOf(machine);
      const ms = msRef ? ctx.informer<MachineSet>(machineSetsResource).getByName(machine.metadata.namespace, msRef.name) : undefined;
      const mdRef = ms ? controllerOf(ms) : undefined;
      const md = mdRef ? ctx.informer<MachineDeployment>(machineDeploymentsResource).getByName(machine.metadata.namespace, mdRef.name) : undefined;
      const upToDate = ms && md ? machineTemplateUpToDate(ms.spec.template, md.spec.template) : { upToDate: true, reasons: [] };
      const seen = firstSeen.get(key) ?? Date.now();
      firstSeen.set(key, seen);
      const wait = seen + simulation.readyAfterMs - Date.now();
      const ready = !simulation.neverReady.has(machine.metadata.name!) && wait <= 0;
      const conditions = (machine.status?.conditions ?? []).filter((c) => !['Ready', 'Available', 'UpToDate'].includes(c.type));
      conditions.push(ready ? condition('Ready', 'True', 'Ready') : condition('Ready', 'False', 'NotReady', 'Waiting for the simulated node'));
      conditions.push(ready ? condition('Available', 'True', 'Available') : condition('Available', 'False', 'NotReady', 'Not ready'));
      conditions.push(upToDate.upToDate ? condition('UpToDate', 'True', 'UpToDate') : condition('UpToDate', 'False', 'NotUpToDate', upToDate.reasons.map((r) => `* ${r}`).join('\n')));
      const current = Object.fromEntries((machine.status?.conditions ?? []).map((c) => [c.type, `${c.status}/${c.message}`]));
      const changed = conditions.some((c) => current[c.type] !== `${c.status}/${c.message}`) || Boolean(machine.status?.nodeRef) !== ready;
      if (changed) {
        await ctx.client.patch(machinesResource, machine.metadata.name!, {
          status: { conditions, ...(ready ? { nodeRef: { name: machine.metadata.name } } : { nodeRef: null }) },
        }, { type: 'merge', namespace: machine.metadata.namespace, subresource: 'status' }).catch((error) => { if (!isNotFound(error)) throw error; });
      }
      // The Machine controller watches MachineSets and MachineDeployments; the stand-in looks again instead.
      return { requeueAfter: !ready && !simulation.neverReady.has(machine.metadata.name!) ? Math.max(wait, 10) : 250 };
    },
  });
}

export async function startHarness(namespace: string, simulation: Partial<Simulation> = {}): Promise<Harness> {
  const server = await startTestServer();
  const client = clientFor(server);
  let manager: Manager | undefined;
  const stop = async () => {
    await manager?.stop();
    client.close();
    await server.stop();
  };
  try {
    for (const crd of [...clusterApiCRDs, providerCRD('testmachines', 'TestMachine'), providerCRD('testmachinetemplates', 'TestMachineTemplate')]) {
      await client.create(customResourceDefinitionsResource, crd);
    }
    await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await eventually(async () => {
      for (const r of [clustersResource, machinesResource, machineSetsResource, machineDeploymentsResource, testMachinesResource, testMachineTemplatesResource]) await client.list(r, { namespace, limit: 1 });
      return true;
    }, 'the Cluster API and test provider kinds to be served');
    const cluster = await client.create(clustersResource, { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name: 'c1', namespace }, spec: { clusterNetwork: { serviceDomain: 'cluster.local' } } });
    await createTemplate(client, namespace, 'tmpl-a', { size: 'small' });
    const sim: Simulation = { readyAfterMs: simulation.readyAfterMs ?? 0, neverReady: simulation.neverReady ?? new Set(), holdDeletion: simulation.holdDeletion ?? new Set() };
    manager = newManager(client, sim);
    await manager.start();
    const harness: Harness = {
      server, client, manager, namespace, cluster, simulation: sim, stop,
      async restart() {
        await manager!.stop();
        manager = newManager(client, sim);
        harness.manager = manager;
        await manager.start();
      },
    };
    return harness;
  } catch (error) {
    await stop();
    throw error;
  }
}

export function createTemplate(client: RestClient, namespace: string, name: string, spec: Record<string, unknown>): Promise<KubeObject> {
  return client.create(testMachineTemplatesResource, {
    apiVersion: `${infraGroup}/v1`, kind: 'TestMachineTemplate', metadata: { name, namespace },
    spec: { template: { metadata: { labels: { 'from-template': 'yes' } }, spec } },
  });
}

export const infraRef = (name: string) => ({ apiGroup: infraGroup, kind: 'TestMachineTemplate', name });

export async function listMachines(client: RestClient, namespace: string, labelSelector?: string): Promise<Machine[]> {
  return (await client.list<Machine>(machinesResource, { namespace, labelSelector })).items;
}

const isTrue = (obj: KubeObject, type: string) => ((obj.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
export const isAvailable = (machine: Machine) => isTrue(machine, 'Available');
