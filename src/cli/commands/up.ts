// `slipway up`: runs the store, API server and controllers in the foreground until interrupted.
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { DEFAULT_DATA_DIR } from '../kubeconfig-path.ts';
import type { GlobalOptions } from '../global-options.ts';

interface UpOptions extends GlobalOptions {
  listen: string;
  machines: boolean;
  'machine-subnet'?: string;
  'machine-bridge'?: string;
  store: 'sqlite' | 'etcd';
  'etcd-endpoints'?: string[];
  'log-level': string;
}

/** "127.0.0.1:6443", "[::1]:6443", "localhost:0" → host and port. */
export function parseListenAddress(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new UsageError(`invalid --listen address "${listen}"`, 'use HOST:PORT, e.g. 127.0.0.1:6443 ([::1]:6443 for IPv6)');
  return { host: match[1] ?? match[2], port };
}

export async function up(argv: UpOptions): Promise<void> {
  const { host, port } = parseListenAddress(argv.listen);
  const dataDir = path.resolve(argv['data-dir'] ?? DEFAULT_DATA_DIR);
  const etcdEndpoints = argv['etcd-endpoints']?.flatMap((value) => value.split(',')).map((e) => e.trim()).filter(Boolean);
  if (etcdEndpoints?.length && argv.store !== 'etcd') throw new UsageError('--etcd-endpoints needs --store etcd', 'add --store etcd, or drop --etcd-endpoints');

  // Loaded here, not at the top: the other commands need none of the server's code.
  const { startSlipway, DEFAULT_MACHINE_BRIDGE, DEFAULT_MACHINE_SUBNET } = await import('../../daemon/daemon.ts');
  const defaultNetwork = { subnet: argv['machine-subnet'] ?? DEFAULT_MACHINE_SUBNET, bridge: argv['machine-bridge'] ?? DEFAULT_MACHINE_BRIDGE };
  const slipway = await startSlipway({
    dataDir,
    host,
    port,
    storeBackend: argv.store,
    ...(etcdEndpoints?.length ? { etcdEndpoints } : {}),
    logLevel: argv['log-level'],
    machines: argv.machines ? { defaultNetwork } : false,
    onProgress: (message) => process.stdout.write(`${message}\n`),
  });
  process.stdout.write(`Slipway is up at ${slipway.url}; kubeconfig: ${slipway.kubeconfigPath}; try: kubectl --kubeconfig ${slipway.kubeconfigPath} get namespaces\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM');
  // A second signal while stopping means the user wants out now.
  process.once('SIGINT', () => process.exit(130)).once('SIGTERM', () => process.exit(143));
  process.stdout.write(`${signal} received, stopping Slipway\n`);
  await slipway.stop();
  process.stdout.write('Slipway stopped\n');
}
