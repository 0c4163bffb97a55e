// The image commands, as Ignite's: `slipway images` (also `image ls`) lists the Images in the
// daemon's store; `image pull REF`, `image import FILE` and `image build NAME --debian SUITE` make an
// Image object and wait (showing its progress) until the daemon has it, removing the object again if
// it failed; `rmi` deletes Images, refusing one that machines use unless forced.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
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

const withTimeout = <T>(yargs: Argv<T>, fallback: string) => yargs.option('timeout', { type: 'string', default: fallback, describe: 'How long to wait for the image' });

const pullCommand: CommandModule<GlobalOptions, PullOptions> = {
  command: 'pull <reference>',
  describe: 'Pull an image from its registry into the daemon\'s image store',
  builder: (yargs) => withTimeout(yargs, '10m')
    .positional('reference', { type: 'string', demandOption: true, describe: 'OCI image reference, e.g. debian:bookworm' })
    .option('plain-http', { type: 'boolean', describe: 'Speak HTTP, not HTTPS, to the registry (loopback registries only; their default)' })
    .example('$0 image pull 127.0.0.1:5000/team/app:1', 'From a registry on loopback (plain HTTP)'),
  handler: async (argv) => {
    const reference = normalizedImageReference(argv.reference);
    const cluster = await connect(argv);
    const { defaultImageFor } = await import('../../providers/infrastructure/container/image-references.ts');
    const image = defaultImageFor(argv.reference) as ImageObject;
    const registry = image.spec.source.registry!;
    if (argv['plain-http'] !== undefined) registry.plainHttp = argv['plain-http'];
    if (!registry.plainHttp) delete registry.plainHttp;
    const stored = await findImageByReference(cluster, reference);
    await bringIn(cluster, stored && stored.status?.phase !== 'Failed' ? stored : image, argv);
  },
};

const importCommand: CommandModule<GlobalOptions, ImportOptions> = {
  command: 'import <file>',
  describe: 'Import an image from a docker-archive or OCI layout tarball on the daemon\'s host',
  builder: (yargs) => withTimeout(yargs, '10m')
    .positional('file', { type: 'string', demandOption: true, describe: 'The tarball (docker save, skopeo copy … docker-archive: or oci-archive:)' })
    .option('reference', { type: 'string', describe: 'Reference to store it under (default: the one the archive names)' }),
  handler: async (argv) => {
    const file = path.resolve(String(argv.file));
    if (!existsSync(file)) throw new UsageError(`${file} does not exist`, 'give the path of a docker-archive or OCI layout tarball');
    const reference = argv.reference === undefined ? undefined : normalizedImageReference(argv.reference);
    const cluster = await connect(argv);
    const spec: ImageSpec = { ...(argv.reference !== undefined ? { reference: argv.reference } : {}), source: { archive: { path: file } } };
    const { imageObjectName } = await import('../../api/slipway.dev/v1alpha1/image.ts');
    await bringIn(cluster, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: imageObjectName(reference ?? file) }, spec } as ImageObject, argv);
  },
};

const buildCommand: CommandModule<GlobalOptions, BuildOptions> = {
  command: 'build <name>',
  describe: 'Build a Debian image with debootstrap (for hosts that reach no registry)',
  builder: (yargs) => withTimeout(yargs, '30m')
    .positional('name', { type: 'string', demandOption: true, describe: 'Reference to store the image under, e.g. local/debian:bookworm' })
    .option('debian', { type: 'string', demandOption: true, describe: 'Debian suite, e.g. bookworm' })
    .option('packages', { type: 'string', array: true, nargs: 1, default: [] as string[], describe: 'Packages to install beyond the minimal base, comma-separated or repeated' })
    .option('mirror', { type: 'string', describe: 'Debian mirror URL (default Debian\'s own)' })
    .example('$0 image build local/debian:ssh --debian bookworm --packages openssh-server,iproute2', 'A Debian image with an SSH server'),
  handler: async (argv) => {
    const reference = normalizedImageReference(argv.name);
    const packages = argv.packages.flatMap((p) => String(p).split(',')).map((p) => p.trim()).filter(Boolean);
    const cluster = await connect(argv);
    const { imageObjectName } = await import('../../api/slipway.dev/v1alpha1/image.ts');
    const debian = { suite: argv.debian, ...(packages.length > 0 ? { packages } : {}), ...(argv.mirror ? { mirror: argv.mirror } : {}) };
    await bringIn(cluster, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: imageObjectName(reference) }, spec: { reference: argv.name, source: { debian } } } as ImageObject, argv);
  },
};

async function listImages(argv: GlobalOptions): Promise<void> {
  const cluster = await connect(argv);
  const images = (await cluster.client.listAll<ImageObject>(imagesResource)).items;
  images.sort((a, b) => (a.status?.reference ?? a.metadata.name!).localeCompare(b.status?.reference ?? b.metadata.name!));
  process.stdout.write(`${imageTable(images)}\n`);
}

const lsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'ls',
  aliases: ['list'],
  describe: 'List the images (as `slipway images`)',
  handler: listImages,
};

export const imagesCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'images',
  describe: 'List the images in the daemon\'s image store',
  handler: listImages,
};

export const imageCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'image <command>',
  describe: 'Manage images: pull, import, build, ls',
  builder: (yargs) => yargs.command([pullCommand, importCommand, buildCommand, lsCommand] as CommandModule<GlobalOptions, any>[]).demandCommand(1, 'an image command is required'),
  handler: () => {},
};

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

export const rmiCommand: CommandModule<GlobalOptions, RmiOptions> = {
  command: 'rmi <images..>',
  describe: 'Remove images from the daemon\'s image store (in use by machines only with -f)',
  builder: (yargs) => yargs
    .positional('images', { type: 'string', array: true, demandOption: true, describe: 'Images by reference, name or digest prefix' })
    .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Remove images machines still use (the machines keep running on what they have)' })
    .option('timeout', { type: 'string', default: '2m', describe: 'How long to wait for each image to be removed' }),
  handler: async (argv) => {
    const cluster = await connect(argv);
    for (const query of argv.images.map(String)) {
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
  },
};
