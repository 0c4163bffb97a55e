// An API server that can be stopped and started again on the same port and data directory (a real
// restart: server and store closed, then reopened), and briefly served on another port while the
// main one is down, so tests can change data behind a client's back.
// (test/support/server.ts has no restart; this builds the same pieces on one kept directory.)
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { startApiServer, type RunningApiServer } from '../../src/apiserver/server.ts';
import { createCertificateAuthority, issueCertificate } from '../../src/pki/certificates.ts';
import { openSqliteStore } from '../../src/storage/sqlite.ts';
import type { Store } from '../../src/storage/store.ts';

export class RestartableServer {
  readonly dir: string;
  readonly token = randomBytes(24).toString('base64url');
  readonly caCert: string;
  private readonly tls: { cert: string; key: string };
  private running: { server: RunningApiServer; store: Store } | undefined;
  port = 0;

  private constructor(dir: string, caCert: string, tls: { cert: string; key: string }) {
    this.dir = dir;
    this.caCert = caCert;
    this.tls = tls;
  }

  static async create(): Promise<RestartableServer> {
    const dir = await mkdtemp(path.join(tmpdir(), 'slipway-restartable-'));
    const ca = await createCertificateAuthority('slipway-test-ca');
    const tls = await issueCertificate(ca, { commonName: 'slipway-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usages: ['server'] });
    const server = new RestartableServer(dir, ca.cert, tls);
    await server.start();
    return server;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** The store of the running server (for compaction). */
  get store(): Store {
    if (!this.running) throw new Error('the server is not running');
    return this.running.store;
  }

  /** Starts on `port` (default: the port it had, or an ephemeral one the first time). Returns the URL. */
  async start(port = this.port): Promise<string> {
    if (this.running) throw new Error('the server is already running');
    const store = await openSqliteStore(path.join(this.dir, 'store.db'));
    try {
      const server = await startApiServer({
        store,
        host: '127.0.0.1',
        port,
        tls: this.tls,
        tokens: new Map([[this.token, { username: 'test-admin', groups: ['system:masters', 'system:authenticated'] }]]),
        logger: pino({ level: process.env.SLIPWAY_TEST_LOG ?? 'silent' }),
        bookmarkIntervalMs: 500,
      });
      this.running = { server, store };
      if (this.port === 0) this.port = server.port;
      return server.url;
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const running = this.running;
    this.running = undefined;
    await running?.server.close();
    await running?.store.close();
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
