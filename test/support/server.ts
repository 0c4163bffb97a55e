// A real API server for tests: HTTPS on 127.0.0.1 with an ephemeral port, a temp sqlite store,
// a freshly generated CA, one admin token, and a kubeconfig for kubectl. stop() removes it all.
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Registry } from 'prom-client';
import { startApiServer } from '../../src/apiserver/server.ts';
import { buildKubeconfig, writeKubeconfig } from '../../src/client/kubeconfig.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import type { Store } from '../../src/storage/store.ts';

export interface TestServer {
  url: string;
  token: string;
  caCert: string;
  kubeconfigPath: string;
  /** The store under the server, for tests that check what was (not) written or compact it. */
  store: Store;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  bookmarkIntervalMs?: number;
  maxRequestBodyBytes?: number;
  metricsRegistries?: Registry[];
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slipway-apiserver-'));
  try {
    const ca = await createCertificateAuthority('slipway-test-ca');
    const tls = await issueCertificate(ca, { commonName: 'slipway-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'] });
    const token = randomBytes(24).toString('base64url');
    const store = await openSqliteStore(path.join(dir, 'store.db'));
    const server = await startApiServer({
      store,
      host: '127.0.0.1',
      port: 0,
      tls,
      tokens: new Map([[token, { username: 'test-admin', groups: ['system:masters', 'system:authenticated'] }]]),
      // SLIPWAY_TEST_LOG=info shows the request log while debugging a test.
      logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }),
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      maxRequestBodyBytes: options.maxRequestBodyBytes,
      metricsRegistries: options.metricsRegistries,
    });
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    await writeKubeconfig(kubeconfigPath, buildKubeconfig({ name: 'slipway-test', server: server.url, caCert: ca.cert, token, namespace: 'default' }));
    return {
      url: server.url,
      token,
      caCert: ca.cert,
      kubeconfigPath,
      store,
      async stop() {
        await server.close();
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
