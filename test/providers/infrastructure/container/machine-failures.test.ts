// What goes wrong, seen in conditions and events: a host port already taken (PortConflict, no machine
// made), an image that cannot be pulled (the Image's error on the machine), an init that dies (started
// again under restartPolicy Always, reported Died under Never until a start is requested), and a kill
// instead of a clean stop. Deleting after any of them leaves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { KubeObject } from '../../../../src/api/meta.ts';
import { START_REQUESTED_ANNOTATION, STOP_IMMEDIATELY_ANNOTATION } from '../../../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { eventsResource } from '../../../../src/client/resources.ts';
import { containerMachinesResource, imagesResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { until } from '../../../support/until.ts';
import { startContainerTestEnv, type ContainerMachineObject, type ContainerTestEnv } from '../../../support/container-env.ts';

const SLOT = 3;

const ready = (m: ContainerMachineObject) => m.status?.conditions?.find((c) => c.type === 'Ready');

async function events(env: ContainerTestEnv, name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await env.client.list<KubeObject & { reason: string; message: string; type: string; involvedObject: { name: string } }>(eventsResource, { namespace: env.namespace });
  return list.items.filter((e) => e.involvedObject.name === name).map(({ reason, message, type }) => ({ reason, message, type }));
}

async function deleteAndCheck(env: ContainerTestEnv, name: string): Promise<void> {
  await env.client.delete(containerMachinesResource, name, { namespace: env.namespace });
  await env.waitGone(name);
  await env.assertNothingLeft();
}

test('failures are reported on the machine, and deleting it afterwards leaves nothing', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'cm-failures', slot: SLOT });

  await t.test('a taken host port is a PortConflict and no machine is made', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    const port = (holder.address() as { port: number }).port;
    await env.client.create(containerMachinesResource, env.machine('clash', { ports: [{ hostPort: port, machinePort: 80 }] }));
    const machine = await env.waitFor('clash', 'PortConflict', (m) => ready(m)?.reason === 'PortConflict');
    assert.match(ready(machine)!.message, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use \\(by this process`));
    assert.deepEqual((await env.leftovers()).stateDirectories, []);
    await until('a PortConflict event', async () => (await events(env, 'clash')).find((e) => e.reason === 'PortConflict' && e.type === 'Warning'));
    await deleteAndCheck(env, 'clash');
  });

  await t.test('an image that cannot be pulled shows its error on the machine', async () => {
    await env.client.create(containerMachinesResource, env.machine('nowhere', { image: '127.0.0.1:9/missing/image:1' }));
    const machine = await env.waitFor('nowhere', 'the pull error', (m) => /Image .* failed: .*127\.0\.0\.1:9/.test(ready(m)?.message ?? ''));
    assert.equal(ready(machine)!.reason, 'WaitingForImage');
    await deleteAndCheck(env, 'nowhere');
    const [image] = (await env.client.listAll<KubeObject & { spec: { source: { registry?: { reference: string; plainHttp?: boolean } } } }>(imagesResource)).items.filter((i) => i.spec.source.registry);
    assert.deepEqual(image.spec.source.registry, { reference: '127.0.0.1:9/missing/image:1', plainHttp: true });
    await env.client.delete(imagesResource, image.metadata.name!);
  });

  await t.test('restartPolicy Always starts a machine whose init died', async () => {
    await env.client.create(containerMachinesResource, env.machine('phoenix', { restartPolicy: 'Always' }));
    const first = await env.waitReady('phoenix');
    const id = first.status!.machineID!;
    const pid = (await env.runtime.state(id)).pid;
    await env.runtime.kill(id, 'SIGKILL');
    await until('the Restarted event', async () => (await events(env, 'phoenix')).find((e) => e.reason === 'Restarted'), 60_000);
    const again = await env.waitReady('phoenix');
    assert.equal(again.status!.machineID, id);
    assert.notEqual((await env.runtime.state(id)).pid, pid);
    await deleteAndCheck(env, 'phoenix');
  });

  await t.test('restartPolicy Never reports a dead machine until a start is requested', async () => {
    await env.client.create(containerMachinesResource, env.machine('mortal'));
    const id = (await env.waitReady('mortal')).status!.machineID!;
    await env.runtime.kill(id, 'SIGKILL');
    const dead = await env.waitFor('mortal', 'Died', (m) => ready(m)?.reason === 'Died', 60_000);
    assert.equal(dead.status!.state, 'Stopped');
    await env.client.patch(containerMachinesResource, 'mortal', { metadata: { annotations: { [START_REQUESTED_ANNOTATION]: 'true' } } }, { type: 'merge', namespace: env.namespace });
    const started = await env.waitReady('mortal');
    assert.equal(started.metadata.annotations?.[START_REQUESTED_ANNOTATION], undefined);

    await env.client.patch(containerMachinesResource, 'mortal', { metadata: { annotations: { [STOP_IMMEDIATELY_ANNOTATION]: 'true' } }, spec: { powerState: 'Stopped' } }, { type: 'merge', namespace: env.namespace });
    const killed = await env.waitFor('mortal', 'killed', (m) => m.status?.state === 'Stopped' && m.metadata.annotations?.[STOP_IMMEDIATELY_ANNOTATION] === undefined);
    assert.equal(ready(killed)!.reason, 'Stopped');
    assert.ok((await events(env, 'mortal')).some((e) => e.reason === 'Stopped' && /^Killed machine/.test(e.message)));
    await deleteAndCheck(env, 'mortal');
  });
});
