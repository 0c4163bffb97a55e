// `slipway kubeconfig`: where the admin kubeconfig of a data directory is (or its contents), so
// `export KUBECONFIG=$(slipway kubeconfig)` points kubectl and other tools at Slipway.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { CliError } from '../errors.ts';
import { DEFAULT_DATA_DIR, dataDirKubeconfig } from '../kubeconfig-path.ts';
import type { GlobalOptions } from '../global-options.ts';

interface KubeconfigOptions extends GlobalOptions {
  print: boolean;
}

export async function kubeconfig(argv: KubeconfigOptions): Promise<void> {
  const dataDir = argv['data-dir'] ?? DEFAULT_DATA_DIR;
  const file = dataDirKubeconfig(dataDir);
  if (!existsSync(file)) throw new CliError(`no kubeconfig in the data directory "${dataDir}"`, 'run `slipway up` first (with the same --data-dir)');
  process.stdout.write(argv.print ? await readFile(file, 'utf8') : `${file}\n`);
}
