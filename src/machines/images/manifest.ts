// The documents of an image, in both the OCI and the Docker v2 schema 2 forms (they share one
// JSON shape and differ in media types): image index / manifest list, image manifest, image
// config. Each is validated with a TypeBox schema on the way in, so later code can trust its shape.
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { validDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const indexTypes: string[] = [mediaTypes.ociIndex, mediaTypes.dockerManifestList];
const manifestTypes: string[] = [mediaTypes.ociManifest, mediaTypes.dockerManifest];
const configTypes: string[] = [mediaTypes.ociConfig, mediaTypes.dockerConfig];
const layerTypes: string[] = [mediaTypes.ociLayer, mediaTypes.ociLayerGzip, mediaTypes.ociLayerZstd, mediaTypes.dockerLayerGzip];

/** What a registry's Accept header lists, most preferred first. */
export const acceptedManifestTypes = [mediaTypes.ociIndex, mediaTypes.dockerManifestList, mediaTypes.ociManifest, mediaTypes.dockerManifest];

const Platform = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
});
export type Platform = Static<typeof Platform>;

const Descriptor = Type.Object({
  mediaType: Type.String(),
  digest: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  platform: Type.Optional(Platform),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  urls: Type.Optional(Type.Array(Type.String())),
});
export type Descriptor = Static<typeof Descriptor>;

const ImageIndex = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  manifests: Type.Array(Descriptor),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type ImageIndex = Static<typeof ImageIndex>;

const ImageManifest = Type.Object({
  schemaVersion: Type.Literal(2),
  mediaType: Type.Optional(Type.String()),
  config: Descriptor,
  layers: Type.Array(Descriptor),
});
export type ImageManifest = Static<typeof ImageManifest>;

const stringList = Type.Optional(Type.Union([Type.Array(Type.String()), Type.Null()]));
const ImageConfig = Type.Object({
  architecture: Type.String(),
  os: Type.String(),
  variant: Type.Optional(Type.String()),
  created: Type.Optional(Type.String()),
  config: Type.Optional(Type.Union([Type.Null(), Type.Object({
    Entrypoint: stringList,
    Cmd: stringList,
    Env: stringList,
    WorkingDir: Type.Optional(Type.String()),
    User: Type.Optional(Type.String()),
    ExposedPorts: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
    Labels: Type.Optional(Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()])),
    StopSignal: Type.Optional(Type.String()),
  })])),
  rootfs: Type.Object({ type: Type.Literal('layers'), diff_ids: Type.Array(Type.String()) }),
  history: Type.Optional(Type.Array(Type.Object({}))),
});
export type ImageConfig = Static<typeof ImageConfig>;

/** How to run the image: its config's Entrypoint/Cmd/Env/WorkingDir/User/ExposedPorts, with defaults filled in. */
export interface RunConfig {
  entrypoint: string[];
  cmd: string[];
  /** "NAME=value" entries. */
  env: string[];
  /** "/" when the image names none. */
  workingDir: string;
  /** "user", "uid", "user:group" or "uid:gid" as the image names it; "0:0" (root) when it names none. */
  user: string;
  /** "80/tcp", "53/udp", … */
  exposedPorts: string[];
  labels: Record<string, string>;
  stopSignal?: string;
}

const validators = new Map<TSchema, ReturnType<typeof Compile>>();

function parseJson<T>(schema: TSchema, bytes: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new ImageError('Invalid', `${what} is not valid JSON: ${(error as Error).message}`);
  }
  let validator = validators.get(schema);
  if (!validator) validators.set(schema, (validator = Compile(schema)));
  if (!validator.Check(value)) {
    const first = validator.Errors(value)[0];
    throw new ImageError('Invalid', `${what} is malformed: ${first ? `${first.instancePath || '/'} ${first.message}` : 'unexpected shape'}`);
  }
  return value as T;
}

function checkDescriptor(descriptor: Descriptor, what: string): void {
  validDigest(descriptor.digest, `${what} digest`);
}

export type ManifestDocument = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

/**
 * Reads a manifest or an index. The document's own mediaType field decides; the Content-Type a
 * registry sent is the fallback (OCI documents may omit the field).
 */
export function parseManifestDocument(bytes: Uint8Array, contentType: string | undefined, what: string): ManifestDocument {
  let probe: { mediaType?: unknown; manifests?: unknown; schemaVersion?: unknown };
  try {
    probe = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new ImageError('Invalid', `${what} is not valid JSON: ${(error as Error).message}`);
  }
  const type = typeof probe?.mediaType === 'string' ? probe.mediaType : contentType?.split(';')[0].trim();
  if (type === mediaTypes.dockerSchema1 || type === mediaTypes.dockerSchema1Signed || probe?.schemaVersion === 1) {
    throw new ImageError('Unsupported', `${what} uses Docker's image manifest schema 1, which is deprecated and not supported: push the image again with a current tool`);
  }
  if ((type && indexTypes.includes(type)) || (!(type && manifestTypes.includes(type)) && Array.isArray(probe?.manifests))) {
    const index = parseJson<ImageIndex>(ImageIndex, bytes, what);
    index.manifests.forEach((m) => checkDescriptor(m, `${what} entry`));
    return { kind: 'index', index };
  }
  if (type !== undefined && type !== '' && !manifestTypes.includes(type) && type !== 'application/json') {
    throw new ImageError('Unsupported', `${what} has media type "${type}", which is not an image manifest or index`);
  }
  const manifest = parseJson<ImageManifest>(ImageManifest, bytes, what);
  if (!configTypes.includes(manifest.config.mediaType)) {
    throw new ImageError('Unsupported', `${what} describes an artifact of type "${manifest.config.mediaType}", not a container image`);
  }
  checkDescriptor(manifest.config, `${what} config`);
  for (const layer of manifest.layers) {
    checkDescriptor(layer, `${what} layer`);
    if (!layerTypes.includes(layer.mediaType)) {
      throw new ImageError('Unsupported', `${what} has a layer of media type "${layer.mediaType}" (${layer.digest}); supported: tar, tar+gzip, tar+zstd`);
    }
  }
  return { kind: 'manifest', manifest };
}

export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const config = parseJson<ImageConfig>(ImageConfig, bytes, what);
  config.rootfs.diff_ids.forEach((d) => validDigest(d, `${what} diff_id`));
  return config;
}

export const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** The index entry for `platform`; an entry without platform fields counts only when it is the only one. */
export function selectPlatform(index: ImageIndex, platform: Platform, what: string): Descriptor {
  const images = index.manifests.filter((m) => manifestTypes.includes(m.mediaType) || indexTypes.includes(m.mediaType));
  const match = images.find((m) => m.platform && m.platform.os === platform.os && m.platform.architecture === platform.architecture && (!platform.variant || m.platform.variant === platform.variant));
  if (match) return match;
  if (images.length === 1 && !images[0].platform) return images[0];
  const available = images.map((m) => (m.platform ? formatPlatform(m.platform) : 'unspecified')).join(', ') || 'none';
  throw new ImageError('NotFound', `${what} has no image for ${formatPlatform(platform)} (it has: ${available})`);
}

export function runConfigOf(config: ImageConfig): RunConfig {
  const c = config.config ?? {};
  return {
    entrypoint: c.Entrypoint ?? [],
    cmd: c.Cmd ?? [],
    env: c.Env ?? [],
    workingDir: c.WorkingDir || '/',
    user: c.User || '0:0',
    exposedPorts: Object.keys(c.ExposedPorts ?? {}).sort(),
    labels: c.Labels ?? {},
    ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
  };
}
