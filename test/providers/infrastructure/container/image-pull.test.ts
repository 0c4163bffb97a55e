// Images through the API from a real registry (Debian's docker-registry on loopback): a machine
// naming an image nobody pulled gets its Image made and pulled (plain HTTP, loopback) and runs from
// it; the Image reports digest, size and layers; deleting it is refused while a machine uses it and
// goes through once the machine is gone, or at once when forced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from '../../../../src/api/meta.ts';
import { FORCE_DELETE_ANNOTATION, imageObjectName, type Image } from '../../../../src/api/slipway.dev/v1alpha1/image.ts';
import { eventsResource } from '../../../../src/client/resources.ts';
import { isNotFound } from '../../../../src/client/rest-client.ts';
import { ImageStore, normalizeReference } from '../../../../src/machines/images/index.ts';
import { containerMachinesResource, imagesResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { startContainerTestEnv } from '../../../support/container-env.ts';
import { debianImageArchive, DEBIAN_TEST_IMAGE } from '../../../support/debian-image.ts';
import { startRegistry } from '../../../support/docker-registry.ts';
import { skopeo } from '../../../support/oci-fixture.ts';
import { until } from '../../../support/until.ts';

const SLOT = 6;
const exec = promisify(execFile);
type ImageObject = Image & KubeObject;

test('a machine pulls its image through an Image object, which cannot be deleted while in use', async (t) => {
  const registry = await startRegistry();
  t.after(() => registry.stop());
  const layout = await mkdtemp(path.join(tmpdir(), 'slipway-debian-layout-'));
  t.after(() => rm(layout, { recursive: true, force: true }));
  await exec('tar', ['--extract', `--file=${await debianImageArchive()}`, `--directory=${layout}`]);
  const reference = `${registry.host}/slipway/debian:bookworm`;
  await skopeo(['copy', '--quiet', '--dest-tls-verify=false', `oci:${layout}:${DEBIAN_TEST_IMAGE}`, `docker://${reference}`]);
  const env = await startContainerTestEnv(t, { namespace: 'cm-image-pull', slot: SLOT });
  const imageName = imageObjectName(normalizeReference(reference));

  await env.client.create(containerMachinesResource, env.machine('pulled', { image: reference, ssh: { generateKey: true } }));
  await env.waitReady('pulled', 120_000);
  assert.equal(await env.ssh('pulled', ['cat', '/etc/debian_version']).then((v) => /^12\./.test(v)), true);
  const image = await env.client.get<ImageObject>(imagesResource, imageName);
  assert.deepEqual(image.spec.source, { registry: { reference, plainHttp: true } });
  assert.equal(image.status?.phase, 'Ready');
  assert.equal(image.status?.reference, normalizeReference(reference));
  assert.match(image.status?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(image.status?.layers, 1);
  assert.ok((image.status?.size ?? 0) > 10_000_000);
  assert.equal(image.status?.progress, undefined);
  assert.equal((await env.get('pulled')).status?.image?.digest, image.status?.digest);

  await env.client.delete(imagesResource, imageName);
  const refused = await until('the Image to say it is in use', async () => {
    const current = await env.client.get<ImageObject>(imagesResource, imageName);
    return current.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'InUse');
  });
  assert.match(refused.message, /used by 1 ContainerMachine\(s\) \(cm-image-pull\/pulled\)/);
  const events = (await env.client.list<KubeObject & { reason: string; involvedObject: { name: string } }>(eventsResource, { namespace: 'default' })).items;
  assert.ok(events.some((e) => e.involvedObject.name === imageName && e.reason === 'InUse'));

  await env.client.delete(containerMachinesResource, 'pulled', { namespace: env.namespace });
  await env.waitGone('pulled');
  await until('the Image to be deleted', () => env.client.get(imagesResource, imageName).then(() => false, (e: unknown) => isNotFound(e)));
  await env.stop();
  const store = await ImageStore.open(path.join(env.dataDir, 'images'));
  assert.equal(await store.find(reference), undefined, 'removed from the image store');
  assert.ok(await store.find(env.image), 'the other image stays');
  await env.start();

  // Forced: gone although a (waiting) machine names it.
  await env.client.create(containerMachinesResource, env.machine('waiting', { image: env.image, network: 'no-such-network' }));
  await env.waitFor('waiting', 'WaitingForNetwork', (m) => m.status?.conditions?.some((c) => c.reason === 'WaitingForNetwork') === true);
  const debianImage = imageObjectName(normalizeReference(env.image));
  await env.client.patch(imagesResource, debianImage, { metadata: { annotations: { [FORCE_DELETE_ANNOTATION]: 'true' } } }, { type: 'merge' });
  await env.client.delete(imagesResource, debianImage);
  await until('the forced deletion', () => env.client.get(imagesResource, debianImage).then(() => false, (e: unknown) => isNotFound(e)));
  await env.client.delete(containerMachinesResource, 'waiting', { namespace: env.namespace });
  await env.waitGone('waiting');
  await env.assertNothingLeft();
});
