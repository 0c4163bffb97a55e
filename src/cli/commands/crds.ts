// `slipway crds`: the CustomResourceDefinitions `slipway up` installs, as multi-document YAML, so
// any Kubernetes API server can serve Slipway's kinds: `slipway crds | kubectl apply -f -`.
import { yaml } from '../yaml.ts';
import type { KubeObject } from '../../api/meta.ts';

/** One document per CRD, separated by `---`; long strings are never folded. */
const crdsYaml = (crds: readonly KubeObject[]): string => crds.map((crd) => yaml().stringify(crd, { lineWidth: 0 })).join('---\n');

export async function crds(): Promise<void> {
  // Loaded here: the CRDs come from every kind's schema, which the other commands do not need.
  const { builtinCRDs } = await import('../../daemon/crds.ts');
  process.stdout.write(crdsYaml(builtinCRDs));
}
