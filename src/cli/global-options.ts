// Options every slipway command accepts, before or after the command's name.
import type { Command } from 'commander';

export interface GlobalOptions {
  kubeconfig?: string;
  namespace?: string;
  context?: string;
  'data-dir'?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option('--kubeconfig <path>', 'Path to the kubeconfig (default: $KUBECONFIG, then <data-dir>/kubeconfig, then ~/.kube/config)')
    .option('-n, --namespace <namespace>', 'Namespace (default: the context\'s, else "default")')
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)')
    .option('--data-dir <dir>', 'Slipway data directory (default: ./.data)');
}
