// `slipway crds`: the CustomResourceDefinitions `slipway up` installs, as multi-document YAML, so
// any Kubernetes API server can serve Slipway's kinds: `slipway crds | kubectl apply -f -`.
import type { CommandModule } from 'yargs';
import { yaml } from '../yaml.ts';
import type { KubeObject } from '../../api/meta.ts';
import type { GlobalOptions } from '../global-options.ts';

/** One document per CRD, separated by `---`; long strings are never folded. */
const crdsYaml = (crds: readonly KubeObject[]): string => crds.map((crd) => yaml().stringify(crd, { lineWidth: 0 })).join('---\n');

export const crdsCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'crds',
  describe: 'Print the CustomResourceDefinitions of Cluster API, Slipway\'s providers and slipway.dev as YAML',
  builder: (yargs) => yargs
    .example('$0 crds | kubectl apply --server-side -f -', 'Serve Slipway\'s kinds from another Kubernetes API server'),
  handler: async () => {
    // Loaded here: the CRDs come from every kind's schema, which the other commands do not need.
    const { builtinCRDs } = await import('../../daemon/crds.ts');
    process.stdout.write(crdsYaml(builtinCRDs));
  },
};
