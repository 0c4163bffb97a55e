// Shared by the client and controller tests: a client for a test server, a CRD with status and
// scale subresources, and polling for eventual conditions.
import { RestClient, type ResourceRef } from '../../src/client/rest-client.ts';
import { customResourceDefinitionsResource } from '../../src/client/resources.ts';

export function clientFor(server: { url: string; caCert: string; token: string }): RestClient {
  return new RestClient({ server: server.url, caCert: server.caCert, token: server.token, namespace: 'default' });
}

/** Polls until `check` returns a value other than undefined/false, or fails after `ms`. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const widgetsResource: ResourceRef = { group: 'test.slipway.dev', version: 'v1', plural: 'widgets', namespaced: true, kind: 'Widget' };
export const gadgetsResource: ResourceRef = { group: 'test.slipway.dev', version: 'v1', plural: 'gadgets', namespaced: false, kind: 'Gadget' };

function crd(plural: string, kind: string, scope: 'Namespaced' | 'Cluster') {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.test.slipway.dev` },
    spec: {
      group: 'test.slipway.dev',
      scope,
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{
        name: 'v1', served: true, storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
        schema: { openAPIV3Schema: { type: 'object', properties: {
          spec: { type: 'object', properties: { replicas: { type: 'integer', minimum: 0 }, colour: { type: 'string' } } },
          status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' }, observed: { type: 'string' } } },
        } } },
      }],
    },
  };
}

/** Creates the namespaced Widget and cluster-scoped Gadget kinds and waits until they are served. */
export async function installTestKinds(client: RestClient): Promise<void> {
  await client.create(customResourceDefinitionsResource, crd('widgets', 'Widget', 'Namespaced'));
  await client.create(customResourceDefinitionsResource, crd('gadgets', 'Gadget', 'Cluster'));
  await eventually(async () => {
    await client.list(widgetsResource, { limit: 1 });
    await client.list(gadgetsResource, { limit: 1 });
    return true;
  }, 'the test kinds to be served');
}

export const widget = (name: string, namespace: string, extra: Record<string, unknown> = {}) =>
  ({ apiVersion: 'test.slipway.dev/v1', kind: 'Widget', metadata: { name, namespace }, spec: { replicas: 1 }, ...extra });
