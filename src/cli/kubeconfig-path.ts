// Which kubeconfig the CLI talks through: --kubeconfig, then $KUBECONFIG, then the one `slipway up`
// wrote into the data directory, then ~/.kube/config — so a fresh checkout works right after `up`.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CliError } from './errors.ts';

export const DEFAULT_DATA_DIR = '.data';

export interface KubeconfigSources {
  explicit?: string;
  /** $KUBECONFIG: a path list, as kubectl reads it; the first existing file is used. */
  env?: string;
  dataDir?: string;
  home?: string;
}

/** The kubeconfig `slipway up` writes for a data directory. */
export function dataDirKubeconfig(dataDir: string): string {
  return path.resolve(dataDir, 'kubeconfig');
}

export function resolveKubeconfigPath(sources: KubeconfigSources): string {
  if (sources.explicit) {
    if (!existsSync(sources.explicit)) throw new CliError(`the kubeconfig "${sources.explicit}" does not exist`, 'check the path given with --kubeconfig');
    return sources.explicit;
  }
  const fromEnv = (sources.env ?? '').split(path.delimiter).filter(Boolean);
  const candidates = [
    ...fromEnv,
    dataDirKubeconfig(sources.dataDir ?? DEFAULT_DATA_DIR),
    path.join(sources.home ?? homedir(), '.kube', 'config'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new CliError(`no kubeconfig found (looked at ${candidates.join(', ')})`, 'start a server with `slipway up`, or pass --kubeconfig');
  }
  return found;
}
