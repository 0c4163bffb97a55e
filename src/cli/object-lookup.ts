// How the machine and image commands find their objects, as Ignite does: a machine by its name or
// its ID (status.machineID), an exact match first, else a unique prefix of either; an image by its
// reference (as typed or normalized), its object name, or a prefix of its digest.
import type { KubeObject } from '../api/meta.ts';
import type { ContainerMachine } from '../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import type { Image } from '../api/slipway.dev/v1alpha1/image.ts';
import { ImageError } from '../machines/images/image-error.ts';
import { normalizeReference } from '../machines/images/reference.ts';
import type { Cluster } from './connection.ts';
import { CliError, UsageError } from './errors.ts';
import { containerMachines, images as imagesResource } from './machine-resources.ts';

export type MachineObject = ContainerMachine & KubeObject;
export type ImageObject = Image & KubeObject;

/** Digest prefixes shorter than this match too much to be meant. */
const MIN_DIGEST_PREFIX = 4;

/** The one object whose keys equal `query`, else the one a key starts with; `what` names the kind in errors. */
function matchOne<T extends KubeObject>(objects: T[], query: string, keys: (o: T) => string[], what: string, hint: string): T {
  const exact = objects.filter((o) => keys(o).includes(query));
  const candidates = exact.length > 0 ? exact : objects.filter((o) => keys(o).some((key) => key.startsWith(query)));
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) throw new CliError(`no ${what} matches "${query}"`, hint);
  const names = candidates.map((o) => o.metadata.name).sort();
  throw new CliError(`"${query}" matches ${candidates.length} ${what}s (${names.join(', ')})`, 'give more of the ID, or the whole name');
}

/** The machine `query` names: its name or ID, or a unique prefix of either. */
export function matchMachine(machines: MachineObject[], query: string, namespace: string): MachineObject {
  if (query === '') throw new CliError('a machine name or ID is required', 'see `slipway ps -a`');
  const keys = (m: MachineObject) => [m.metadata.name!, ...(m.status?.machineID ? [m.status.machineID] : [])];
  return matchOne(machines, query, keys, 'machine', `\`slipway ps -a -n ${namespace}\` lists the machines by name and ID`);
}

/** The normalized reference an Image stores, or will store once the daemon has it. */
export function imageReferenceOf(image: ImageObject): string | undefined {
  if (image.status?.reference) return image.status.reference;
  const declared = image.spec.reference ?? image.spec.source.registry?.reference;
  try {
    return declared === undefined ? undefined : normalizeReference(declared);
  } catch {
    return undefined;
  }
}

/** The Image `query` names: a reference, the object's name, or a prefix of its digest (with or without "sha256:"). */
export function matchImage(images: ImageObject[], query: string): ImageObject {
  let normalized: string | undefined;
  try {
    normalized = normalizeReference(query);
  } catch {
    normalized = undefined;
  }
  const byName = images.find((i) => i.metadata.name === query) ?? images.find((i) => normalized !== undefined && imageReferenceOf(i) === normalized);
  if (byName) return byName;
  const hex = query.replace(/^sha256:/, '');
  if (/^[0-9a-f]+$/.test(hex) && hex.length >= MIN_DIGEST_PREFIX) {
    return matchOne(images.filter((i) => i.status?.digest), hex, (i) => [i.status!.digest!.replace(/^sha256:/, '')], 'image', '`slipway images` lists the images');
  }
  throw new CliError(`no image matches "${query}"`, '`slipway images` lists the images; `slipway image pull REF` brings one in');
}

export async function findMachines(cluster: Cluster, queries: string[]): Promise<MachineObject[]> {
  const machines = (await cluster.client.listAll<MachineObject>(containerMachines, { namespace: cluster.namespace })).items;
  return queries.map((query) => matchMachine(machines, query, cluster.namespace));
}

export async function findImage(cluster: Cluster, query: string): Promise<ImageObject> {
  const images = (await cluster.client.listAll<ImageObject>(imagesResource)).items;
  return matchImage(images, query);
}

/** The Image of a normalized reference, if there is one. */
export async function findImageByReference(cluster: Cluster, reference: string): Promise<ImageObject | undefined> {
  return (await cluster.client.listAll<ImageObject>(imagesResource)).items.find((i) => imageReferenceOf(i) === reference);
}

/** The image's normalized reference; a bad one (shell metacharacters, a bad tag…) is a usage error. */
export function normalizedImageReference(image: string): string {
  try {
    return normalizeReference(image);
  } catch (error) {
    if (error instanceof ImageError) throw new UsageError(error.message, 'e.g. debian:bookworm, registry.example:5000/team/app:1.0 or app@sha256:…');
    throw error;
  }
}
