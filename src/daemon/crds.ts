// The CustomResourceDefinitions Slipway serves out of the box: Cluster API's core kinds, those of
// Slipway's providers (in-memory and container infrastructure, etcd bootstrap and control plane) and
// Slipway's own slipway.dev kinds. `slipway up` installs them before its controllers start, by
// server-side apply so a restart (or a newer Slipway) converges the stored CRDs without conflicts,
// and waits until the API server reports each one Established, as clusterctl init does.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Condition, KubeObject } from '../api/meta.ts';
import { clusterApiCRDs } from '../api/cluster.x-k8s.io/index.ts';
import { containerProviderCRDs, inMemoryProviderCRDs } from '../api/infrastructure.cluster.x-k8s.io/index.ts';
import { etcdBootstrapProviderCRDs } from '../api/bootstrap.cluster.x-k8s.io/index.ts';
import { etcdControlPlaneProviderCRDs } from '../api/controlplane.cluster.x-k8s.io/index.ts';
import { slipwayCRDs } from '../api/slipway.dev/index.ts';
import type { RestClient } from '../client/rest-client.ts';
import { customResourceDefinitionsResource } from '../client/resources.ts';

/** Every CRD Slipway installs, in installation order. */
export const builtinCRDs: readonly KubeObject[] = [...clusterApiCRDs, ...inMemoryProviderCRDs, ...containerProviderCRDs, ...etcdBootstrapProviderCRDs, ...etcdControlPlaneProviderCRDs, ...slipwayCRDs];

const CRD_FIELD_MANAGER = 'slipway';
const ESTABLISHED_POLL_MS = 100;

export interface InstallCRDsOptions {
  /** How long to wait for each CRD to become Established (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const isEstablished = (crd: KubeObject): boolean =>
  ((crd.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');

/** Applies every built-in CRD and resolves once all of them are Established. Idempotent. */
export async function installCRDs(client: RestClient, options: InstallCRDsOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // force: Slipway owns these definitions; a field someone changed by hand is taken back.
  const applied = await Promise.all(builtinCRDs.map((crd) => client.apply(customResourceDefinitionsResource, crd, { fieldManager: CRD_FIELD_MANAGER, force: true })));
  const deadline = Date.now() + timeoutMs;
  for (let crd of applied) {
    const name = crd.metadata.name!;
    while (!isEstablished(crd)) {
      if (Date.now() > deadline) throw new Error(`CustomResourceDefinition ${name} was not Established within ${timeoutMs / 1000}s`);
      await sleep(ESTABLISHED_POLL_MS, undefined, { signal: options.signal });
      crd = await client.get(customResourceDefinitionsResource, name);
    }
  }
}
