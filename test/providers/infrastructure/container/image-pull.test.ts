// Images through the API from a real registry (Debian's docker-registry on loopback): a machine
// naming an image nobody pulled gets its Image made and pulled (plain HTTP, loopback) and runs from
// it; the Image reports digest, size and layers; deleting it is refused while a machine uses it and
// goes through once the machine is gone, or at once when forced. An archive that names its image
// needs no spec.reference; a failed pull waits out its backoff before the next attempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
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

test('an archive names its own image; a failed pull is tried again only after its backoff', async (t) => {
  // A registry that knows no image, counting the manifest requests: one per pull attempt.
  let manifestRequests = 0;
  const registry = createServer((request, response) => {
    if (request.url?.includes('/manifests/')) manifestRequests += 1;
    response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] }));
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  t.after(() => registry.close());
  const env = await startContainerTestEnv(t, { namespace: 'cm-image-sources', slot: SLOT });

  await env.client.create(imagesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: 'unnamed-archive' }, spec: { source: { archive: { path: await debianImageArchive() } } } });
  const imported = await until('the archive Image to be Ready', async () => {
    const image = await env.client.get<ImageObject>(imagesResource, 'unnamed-archive');
    return image.status?.phase === 'Ready' ? image : false;
  }, 60_000);
  assert.equal(imported.status?.reference, normalizeReference(env.image), 'the reference the archive gives');

  const missing = `127.0.0.1:${(registry.address() as AddressInfo).port}/nothing/here:1`;
  await env.client.create(imagesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: 'missing' }, spec: { source: { registry: { reference: missing, plainHttp: true } } } });
  const failed = await until('the pull to fail', async () => {
    const image = await env.client.get<ImageObject>(imagesResource, 'missing');
    return image.status?.phase === 'Failed' ? image : false;
  });
  assert.equal(failed.status?.conditions?.find((c) => c.type === 'Ready')?.reason, 'ImageNotFound');
  await delay(4000);
  assert.equal(manifestRequests, 1, 'no second attempt within the first 10 s backoff');
  await env.client.delete(imagesResource, 'missing');
  await env.client.delete(imagesResource, 'unnamed-archive');
});
