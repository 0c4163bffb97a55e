// Options every slipway command accepts.
import type { Argv } from 'yargs';

export interface GlobalOptions {
  kubeconfig?: string;
  namespace?: string;
  context?: string;
  'data-dir'?: string;
}

export function withGlobalOptions(yargs: Argv): Argv<GlobalOptions> {
  return yargs
    .option('kubeconfig', { type: 'string', global: true, describe: 'Path to the kubeconfig (default: $KUBECONFIG, then <data-dir>/kubeconfig, then ~/.kube/config)' })
    .option('namespace', { alias: 'n', type: 'string', global: true, describe: 'Namespace (default: the context\'s, else "default")' })
    .option('context', { type: 'string', global: true, describe: 'kubeconfig context to use (default: its current-context)' })
    .option('data-dir', { type: 'string', global: true, describe: 'Slipway data directory (default: ./.data)' });
}
