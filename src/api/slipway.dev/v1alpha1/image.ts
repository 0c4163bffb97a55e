// Image: an OCI image in the daemon's image store, as an API object, so images are listed, pulled
// and removed declaratively like everything else (Ignite's images, `slipway images`). The spec says
// where the image comes from — a registry, an archive on the daemon's host, or a Debian build — and
// the image controller brings it into the store and reports progress in status.

import { createHash } from 'node:crypto';
import Type, { type Static } from 'typebox';
import { defineCRD, kubeObject, stringEnum } from '../../crd.ts';
import { apiVersion, ageColumn, group, observedGeneration, statusConditions, version } from './common.ts';

export const ImageRegistrySource = Type.Object({
  reference: Type.String({ minLength: 1, maxLength: 512, description: 'reference is the image reference, [registry/]repository[:tag][@sha256:digest], e.g. debian:bookworm.' }),
  plainHttp: Type.Optional(Type.Boolean({ description: 'plainHttp speaks HTTP instead of HTTPS to the registry; only allowed for a registry on loopback.' })),
  credentialsSecretRef: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 253, description: 'name of the Secret.' }),
    namespace: Type.String({ minLength: 1, maxLength: 63, description: 'namespace of the Secret.' }),
  }, { description: 'credentialsSecretRef names a Secret of type kubernetes.io/basic-auth (keys username, password) for the registry.' })),
}, { description: 'registry pulls the image with the OCI distribution API.' });
export type ImageRegistrySource = Static<typeof ImageRegistrySource>;

export const ImageArchiveSource = Type.Object({
  path: Type.String({ maxLength: 4096, description: 'path is the absolute path, on the daemon’s host, of a docker-archive or OCI-layout tarball.' }),
}, { description: 'archive imports the image from a tarball on the daemon’s host.' });
export type ImageArchiveSource = Static<typeof ImageArchiveSource>;

export const ImageDebianSource = Type.Object({
  suite: Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z][a-z0-9-]*$', description: 'suite is the Debian suite, e.g. bookworm.' }),
  packages: Type.Optional(Type.Array(Type.String({ minLength: 2, maxLength: 63, pattern: '^[a-z0-9][a-z0-9+.-]+$' }), { maxItems: 256, description: 'packages are installed beyond debootstrap’s minbase.', 'x-kubernetes-list-type': 'atomic' })),
  mirror: Type.Optional(Type.String({ minLength: 1, maxLength: 512, pattern: '^https?://[^\\s]+$', description: 'mirror is the Debian mirror URL (default Debian’s own).' })),
}, { description: 'debian builds the image with debootstrap.' });
export type ImageDebianSource = Static<typeof ImageDebianSource>;

export const ImageSpec = Type.Object({
  reference: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'reference the image is stored under and machines name it by, e.g. team/app:1.0. Required for debian sources; for registry sources it is source.registry.reference; for archive sources it defaults to the one image the archive names.' })),
  source: Type.Object({
    registry: Type.Optional(ImageRegistrySource),
    archive: Type.Optional(ImageArchiveSource),
    debian: Type.Optional(ImageDebianSource),
  }, { minProperties: 1, maxProperties: 1, description: 'source is where the image comes from: exactly one of registry, archive, debian.' }),
}, { description: 'spec is the desired state of Image.' });
export type ImageSpec = Static<typeof ImageSpec>;

export const ImagePhase = stringEnum(['Pending', 'Pulling', 'Importing', 'Building', 'Ready', 'Failed'], { description: 'phase is where the image is in its life: Pending until the controller starts, then Pulling/Importing/Building, Ready or Failed.' });
export type ImagePhase = Static<typeof ImagePhase>;

export const ImageStatus = Type.Object({
  phase: Type.Optional(ImagePhase),
  reference: Type.Optional(Type.String({ maxLength: 512, description: 'reference is the normalized reference the image is stored under.' })),
  digest: Type.Optional(Type.String({ maxLength: 80, description: 'digest is what the reference resolves to: the image manifest’s digest, or the index’s for a multi-platform image (what pulling by digest needs).' })),
  size: Type.Optional(Type.Integer({ format: 'int64', minimum: 0, description: 'size is the bytes stored for the image (manifest, config and layers as downloaded, compressed).' })),
  unpackedSize: Type.Optional(Type.Integer({ format: 'int64', minimum: 0, description: 'unpackedSize is the bytes of the image’s unpacked layers.' })),
  layers: Type.Optional(Type.Integer({ minimum: 0, description: 'layers is the number of layers.' })),
  progress: Type.Optional(Type.Object({
    completedBytes: Type.Integer({ format: 'int64', minimum: 0, description: 'completedBytes downloaded so far.' }),
    totalBytes: Type.Integer({ format: 'int64', minimum: 0, description: 'totalBytes to download.' }),
  }, { description: 'progress of a pull in flight.' })),
  createdAt: Type.Optional(Type.String({ format: 'date-time', description: 'createdAt is the image’s creation time from its config.' })),
  conditions: statusConditions('Image'),
  observedGeneration: observedGeneration(),
}, { description: 'status is the observed state of Image.' });
export type ImageStatus = Static<typeof ImageStatus>;

export const ImageSchema = kubeObject('Image is an OCI image in the daemon’s image store.', ImageSpec, ImageStatus);
export type Image = Static<typeof ImageSchema>;

export const imageTypeMeta = { apiVersion, kind: 'Image' } as const;

/** Held while the image is in the store; removed once it is deleted from the store. */
export const IMAGE_FINALIZER = 'slipway.dev/image';
/** With "true", deleting an Image removes it from the store even while machines use it (`slipway rmi -f`). */
export const FORCE_DELETE_ANNOTATION = 'slipway.dev/force-delete';

const NAME_BODY_MAX = 63 - 9;

/**
 * The Image object name for a reference: a DNS-1123 label made from the reference (lowercase, any
 * other character → "-", cut to fit) plus "-" and 8 hex digits of its SHA-256, so two references
 * never share a name. Give the normalized reference (normalizeReference of src/machines/images), so
 * "debian" and "docker.io/library/debian:latest" name one object.
 */
export function imageObjectName(normalizedReference: string): string {
  const body = normalizedReference.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+/, '').slice(0, NAME_BODY_MAX).replace(/-+$/, '');
  const hash = createHash('sha256').update(normalizedReference).digest('hex').slice(0, 8);
  return body ? `${body}-${hash}` : `image-${hash}`;
}

export const imageCRD = defineCRD({
  group,
  kind: 'Image',
  plural: 'images',
  shortNames: ['img'],
  categories: ['slipway'],
  scope: 'Cluster',
  versions: [{
    name: version,
    schema: ImageSchema,
    storage: true,
    subresources: { status: true },
    printerColumns: [
      { name: 'Reference', type: 'string', jsonPath: '.status.reference', description: 'The normalized reference' },
      { name: 'Digest', type: 'string', jsonPath: '.status.digest', description: 'The manifest digest' },
      { name: 'Size', type: 'integer', jsonPath: '.status.size', description: 'Bytes stored (compressed)' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Pending, Pulling, Importing, Building, Ready or Failed' },
      ageColumn('Image'),
    ],
  }],
});
