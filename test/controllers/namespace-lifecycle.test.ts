// Namespace deletion against the real server: everything in a Terminating namespace (built-in and
// custom kinds) is deleted, the namespace waits for objects held by finalizers, then is finalized
// and disappears; other namespaces are untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.ts';
import { Manager } from '../../src/client/controller.ts';
import { isNotFound, type RestClient } from '../../src/client/rest-client.ts';
import { configMapsResource, namespacesResource, secretsResource } from '../../src/client/resources.ts';
import { namespaceLifecycleController } from '../../src/controllers/namespace-lifecycle.ts';
import type { KubeObject } from '../../src/api/meta.ts';
import { clientFor, eventually, installTestKinds, widget, widgetsResource } from '../client/helpers.ts';

let server: TestServer;
let client: RestClient;
let manager: Manager;

before(async () => {
  server = await startTestServer();
  client = clientFor(server);
  await installTestKinds(client);
  manager = new Manager({ client, logger: pino({ level: 'silent' }) }).add(namespaceLifecycleController);
  await manager.start();
});
after(async () => {
  await manager?.stop();
  client?.close();
  await server?.stop();
});

test('deleting a namespace deletes its contents, waits for finalizers, then removes the namespace', async () => {
  for (const name of ['doomed', 'bystander']) await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const namespace of ['doomed', 'bystander']) {
    await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace } });
    await client.create(secretsResource, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace }, stringData: { k: 'v' } });
    await client.create(widgetsResource, widget('w', namespace));
  }
  await client.create(configMapsResource, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'doomed', finalizers: ['test.slipway.dev/hold'] } });

  await client.delete(namespacesResource, 'doomed');
  await eventually(async () => (await client.list(widgetsResource, { namespace: 'doomed' })).items.length === 0 && (await client.list(secretsResource, { namespace: 'doomed' })).items.length === 0, 'the contents to be deleted');
  const held = await eventually(async () => {
    const obj = await client.get(configMapsResource, 'held', 'doomed');
    return obj.metadata.deletionTimestamp ? obj : undefined;
  }, 'the held object to be marked for deletion');
  await new Promise((r) => setTimeout(r, 300));
  const terminating = await client.get<KubeObject & { spec: { finalizers: string[] }; status: { phase: string } }>(namespacesResource, 'doomed');
  assert.equal(terminating.status.phase, 'Terminating');
  assert.deepEqual(terminating.spec.finalizers, ['kubernetes'], 'still finalizing while an object remains');

  await client.patch(configMapsResource, 'held', { metadata: { resourceVersion: held.metadata.resourceVersion, finalizers: null } }, { type: 'merge', namespace: 'doomed' });
  await eventually(async () => {
    try {
      await client.get(namespacesResource, 'doomed');
      return false;
    } catch (error) {
      return isNotFound(error);
    }
  }, 'the namespace to disappear');
  assert.equal((await client.list(configMapsResource, { namespace: 'bystander' })).items.length, 1);
  assert.equal((await client.list(widgetsResource, { namespace: 'bystander' })).items.length, 1);
});
