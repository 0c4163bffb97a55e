// The image commands, as Ignite's: `slipway images` (also `image ls`) lists the Images in the
// daemon's store; `image pull REF`, `image import FILE` and `image build NAME --debian SUITE` make an
// Image object and wait (showing its progress) until the daemon has it, removing the object again if
// it failed; `rmi` deletes Images, refusing one that machines use unless forced.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ImageSpec } from '../../api/slipway.dev/v1alpha1/image.ts';
import { normalizeReference } from '../../machines/images/reference.ts';
import { connect, type Cluster } from '../connection.ts';
import { CliError, UsageError } from '../errors.ts';
import { reportFailure } from '../failure.ts';
import type { GlobalOptions } from '../global-options.ts';
import { containerMachines, FORCE_DELETE_ANNOTATION, images as imagesResource } from '../machine-resources.ts';
import { waitForImage } from '../machine-wait.ts';
import { findImage, findImageByReference, imageReferenceOf, normalizedImageReference, type ImageObject, type MachineObject } from '../object-lookup.ts';
import { parseDuration } from '../parse-duration.ts';
import { imageTable } from '../printers/machine-table.ts';
import { Progress } from '../progress.ts';

interface WaitOptions extends GlobalOptions {
  timeout: string;
}

interface PullOptions extends WaitOptions {
  reference: string;
  'plain-http'?: boolean;
}

interface ImportOptions extends WaitOptions {
  file: string;
  reference?: string;
}

interface BuildOptions extends WaitOptions {
  name: string;
  debian: string;
  packages: string[];
  mirror?: string;
}

interface RmiOptions extends GlobalOptions {
  images: string[];
  force: boolean;
  timeout: string;
}

const CLEANUP_TIMEOUT_MS = 60_000;

/**
 * Creates the Image (an existing one that failed is replaced, so the attempt happens now) and waits
 * until it is Ready; prints its reference and digest. An Image this command made and that failed is
 * deleted again.
 */
async function bringIn(cluster: Cluster, image: ImageObject, argv: WaitOptions): Promise<void> {
  const name = image.metadata.name!;
  const progress = new Progress();
  const existing = await cluster.client.get<ImageObject>(imagesResource, name).catch(() => undefined);
  if (existing?.status?.phase === 'Failed') await cluster.deleteAndWait(imagesResource, undefined, name, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
  const made = !existing || existing.status?.phase === 'Failed';
  if (made) await cluster.client.create(imagesResource, image);
  let ready: ImageObject;
  try {
    ready = await waitForImage(cluster, name, progress, { signal: AbortSignal.timeout(parseDuration(argv.timeout, '--timeout')), timeout: argv.timeout });
  } catch (error) {
    if (made) await cluster.deleteAndWait(imagesResource, undefined, name, AbortSignal.timeout(CLEANUP_TIMEOUT_MS));
    throw error;
  }
  process.stdout.write(`${ready.status?.reference} ${ready.status?.digest}\n`);
}

export async function pull(argv: PullOptions): Promise<void> {
  const reference = normalizedImageReference(argv.reference);
  const cluster = await connect(argv);
  const { defaultImageFor } = await import('../../providers/infrastructure/container/image-references.ts');
  const image = defaultImageFor(argv.reference) as ImageObject;
  const registry = image.spec.source.registry!;
  if (argv['plain-http'] !== undefined) registry.plainHttp = argv['plain-http'];
  if (!registry.plainHttp) delete registry.plainHttp;
  const stored = await findImageByReference(cluster, reference);
  await bringIn(cluster, stored && stored.status?.phase !== 'Failed' ? stored : image, argv);
}

export async function importImage(argv: ImportOptions): Promise<void> {
  const file = path.resolve(argv.file);
  if (!existsSync(file)) throw new UsageError(`${file} does not exist`, 'give the path of a docker-archive or OCI layout tarball');
  const reference = argv.reference === undefined ? undefined : normalizedImageReference(argv.reference);
  const cluster = await connect(argv);
  const spec: ImageSpec = { ...(argv.reference !== undefined ? { reference: argv.reference } : {}), source: { archive: { path: file } } };
  const { imageObjectName } = await import('../../api/slipway.dev/v1alpha1/image.ts');
  await bringIn(cluster, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: imageObjectName(reference ?? file) }, spec } as ImageObject, argv);
}

export async function build(argv: BuildOptions): Promise<void> {
  const reference = normalizedImageReference(argv.name);
  const packages = argv.packages.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  const cluster = await connect(argv);
  const { imageObjectName } = await import('../../api/slipway.dev/v1alpha1/image.ts');
  const debian = { suite: argv.debian, ...(packages.length > 0 ? { packages } : {}), ...(argv.mirror ? { mirror: argv.mirror } : {}) };
  await bringIn(cluster, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: imageObjectName(reference) }, spec: { reference: argv.name, source: { debian } } } as ImageObject, argv);
}

export async function listImages(argv: GlobalOptions): Promise<void> {
  const cluster = await connect(argv);
  const images = (await cluster.client.listAll<ImageObject>(imagesResource)).items;
  images.sort((a, b) => (a.status?.reference ?? a.metadata.name!).localeCompare(b.status?.reference ?? b.metadata.name!));
  process.stdout.write(`${imageTable(images)}\n`);
}

/** The machines (in any namespace) whose image is `image`. */
async function machinesUsing(cluster: Cluster, image: ImageObject): Promise<string[]> {
  const reference = imageReferenceOf(image);
  if (!reference) return [];
  const machines = (await cluster.client.listAll<MachineObject>(containerMachines)).items;
  return machines.filter((m) => {
    try {
      return m.status?.image?.reference === reference || normalizeReference(m.spec.image) === reference;
    } catch {
      return false;
    }
  }).map((m) => `${m.metadata.namespace}/${m.metadata.name}`);
}

export async function rmi(argv: RmiOptions): Promise<void> {
  const cluster = await connect(argv);
  for (const query of argv.images) {
    try {
      const image = await findImage(cluster, query);
      const name = image.metadata.name!;
      const users = await machinesUsing(cluster, image);
      if (users.length > 0 && !argv.force) {
        throw new CliError(`image ${query} is in use by machine(s) ${users.join(', ')}`, 'remove them first (`slipway rm`), or remove the image anyway with `slipway rmi -f`');
      }
      if (argv.force) await cluster.client.patch(imagesResource, name, { metadata: { annotations: { [FORCE_DELETE_ANNOTATION]: 'true' } } }, { type: 'merge' });
      const holding = await cluster.deleteAndWait(imagesResource, undefined, name, AbortSignal.timeout(parseDuration(argv.timeout, '--timeout')), { uid: image.metadata.uid });
      if (holding) throw new CliError(`timed out after ${argv.timeout} waiting for image ${query} to be removed`, `\`slipway describe image ${name}\` shows why`);
      process.stdout.write(`${image.status?.reference ?? name}\n`);
    } catch (error) {
      reportFailure(error);
    }
  }
}
