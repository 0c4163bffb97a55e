// How a machine's image reference names its Image object, and the Image a machine gets when none
// exists: pulled from the reference's registry, over plain HTTP only for a registry on loopback (as
// Docker treats those).
import { imageObjectName } from '../../../api/slipway.dev/v1alpha1/image.ts';
import { normalizeReference, parseReference } from '../../../machines/images/index.ts';

/** The Image object name for a machine's spec.image; [] when the reference is not valid. */
export function imageNameOf(reference: string): string[] {
  try {
    return [imageObjectName(normalizeReference(reference))];
  } catch {
    return [];
  }
}

export const isLoopbackRegistry = (registry: string) => /^(localhost|127(\.[0-9]{1,3}){3}|\[::1\])(:[0-9]+)?$/.test(registry);

/** The Image a machine creates for `reference` when there is none: a pull from its registry. */
export function defaultImageFor(reference: string) {
  const normalized = normalizeReference(reference);
  const loopback = isLoopbackRegistry(parseReference(reference).registry);
  return {
    apiVersion: 'slipway.dev/v1alpha1',
    kind: 'Image',
    metadata: { name: imageObjectName(normalized) },
    spec: { source: { registry: { reference, ...(loopback ? { plainHttp: true } : {}) } } },
  };
}
