// The image layer's public API: what the API objects (slipway.dev/v1alpha1 Image) and the CLI use.
export { ImageStore, type ImageRecord, type ImageLayers, type LayerRecord, type RemoveOptions, type RemovedImage } from './image-store.ts';
export { pullImage, type PullOptions, type LayerProgress } from './pull.ts';
export { importImage, type ImportOptions } from './import.ts';
export { buildImage, type BuildOptions } from './build.ts';
export { parseReference, formatReference, normalizeReference, type ImageReference } from './reference.ts';
export { ImageError, type ImageErrorCode } from './image-error.ts';
export type { RegistryOptions } from './registry-client.ts';
export type { RegistryCredentials } from './registry-auth.ts';
export type { Platform, RunConfig } from './manifest.ts';
