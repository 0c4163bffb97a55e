// A whole Slipway (store, API server, controllers) in the test's own process, on a fresh data
// directory, with a client for one namespace that it creates. Container machines are off unless the
// test asks for them (they make bridges and namespaces on the host).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSlipway, type RunningSlipway, type SlipwayOptions } from '../../src/daemon/daemon.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { namespacesResource } from '../../src/client/resources.ts';

export interface SlipwayForTest {
  slipway: RunningSlipway;
  dataDir: string;
  client: RestClient;
  /** Stops Slipway and removes its data directory. */
  stop(): Promise<void>;
}

export async function startSlipwayWithNamespace(namespace: string, options: Pick<SlipwayOptions, 'machines'> = {}): Promise<SlipwayForTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `slipway-${namespace}-`));
  const slipway = await startSlipway({ dataDir, port: 0, logLevel: 'warn', machines: false, ...options });
  const client = new RestClient({ server: slipway.url, caCert: slipway.caCert, token: slipway.adminToken, namespace });
  await client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  return {
    slipway, client, dataDir,
    stop: async () => {
      client.close();
      await slipway.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
