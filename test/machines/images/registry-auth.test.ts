// Registry authentication against real servers: docker-registry with htpasswd basic auth over
// HTTPS (a certificate from Slipway's PKI), and a small Node front for docker-registry that speaks
// the bearer-token flow (WWW-Authenticate challenge, token service behind basic credentials) and
// redirects blob downloads to another origin, as registries on object storage do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fetch } from 'undici';
import { ImageStore, pullImage } from '../../../src/machines/images/index.ts';
import { parseChallenges } from '../../../src/machines/images/registry-auth.ts';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certificates.ts';
import { startRegistry, type RunningRegistry } from '../../support/docker-registry.ts';
import { layerFromTree, push, writeOciLayout, writeRandomTree } from '../../support/oci-fixture.ts';
import { storeContents } from './store-contents.ts';

const user = { username: 'slipway', password: `pw-${randomBytes(6).toString('hex')}` };
let work: string;
let layout: string;
let diffIDs: string[];
let ca: { cert: string; key: string };
let basic: RunningRegistry;
let plain: RunningRegistry;

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'slipway-registry-auth-'));
  const layers = [];
  for (const n of [1, 2, 3]) {
    await writeRandomTree(path.join(work, `tree${n}`), 2, 50_000);
    layers.push(await layerFromTree(path.join(work, `tree${n}`), 'gzip'));
  }
  diffIDs = layers.map((l) => l.diffID);
  layout = path.join(work, 'layout');
  await writeOciLayout(layout, [{ name: 'img', images: [{ layers }] }]);
  ca = await createCertificateAuthority('slipway-test-ca');
  const serving = await issueCertificate(ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], usages: ['server'] });
  basic = await startRegistry({ htpasswd: user, tls: { ...serving, ca: ca.cert } });
  plain = await startRegistry();
  await push(layout, 'img', `${basic.host}/private/img:1`, ['--dest-creds', `${user.username}:${user.password}`]);
  await push(layout, 'img', `${plain.host}/private/img:1`);
});

after(async () => {
  await basic?.stop();
  await plain?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

async function newStore(): Promise<ImageStore> {
  return ImageStore.open(await mkdtemp(path.join(work, 'store-')));
}

test('WWW-Authenticate challenges are parsed with quoted and bare parameters, one or several', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm", Bearer realm=https://t.example/x,scope="a\\"b"'), [
    { scheme: 'basic', params: { realm: 'Registry Realm' } },
    { scheme: 'bearer', params: { realm: 'https://t.example/x', scope: 'a"b' } },
  ]);
  assert.deepEqual(parseChallenges(''), []);
});

test('basic auth over HTTPS: a pull needs the right credentials and the registry\'s CA', async () => {
  const reference = `${basic.host}/private/img:1`;
  const store = await newStore();
  const before = await storeContents(store);
  await assert.rejects(pullImage(store, reference, { ca: ca.cert }), { code: 'Unauthorized', message: /needs credentials \(basic auth\) for private\/img: pass a user name and password/ });
  await assert.rejects(pullImage(store, reference, { ca: ca.cert, credentials: { ...user, password: 'wrong' } }), { code: 'Unauthorized', message: /refused the credentials of slipway/ });
  await assert.rejects(pullImage(store, reference, { credentials: user }), { code: 'Registry', message: /pass the CA certificate/ });
  assert.deepEqual(await storeContents(store), before, 'failed pulls change nothing');
  const image = await pullImage(store, reference, { ca: ca.cert, credentials: (registry) => (registry === basic.host ? user : undefined) });
  assert.deepEqual(image.layers.map((l) => l.diffID), diffIDs);
});

interface Front {
  host: string;
  tokenRequests: string[];
  /** Authorization headers seen by the blob storage origin. */
  storageAuthorizations: (string | undefined)[];
  peakBlobDownloads: number;
  close(): Promise<void>;
}

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; host: string }> {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function relay(upstream: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const response = await fetch(upstream, { headers: { accept: req.headers.accept ?? '*/*' } });
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'content-length', 'docker-content-digest']) {
    const value = response.headers.get(name);
    if (value) headers[name] = value;
  }
  res.writeHead(response.status, headers);
  if (response.body) Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
  else res.end();
}

/**
 * A registry front with bearer-token auth in front of `upstream`. Blob requests are redirected to
 * a second origin (the "storage") that delays each download so concurrency can be observed.
 */
async function startFront(upstream: RunningRegistry, blobDelayMs: number): Promise<Front> {
  const tokens = new Set<string>();
  const front = { tokenRequests: [] as string[], storageAuthorizations: [] as (string | undefined)[], peakBlobDownloads: 0 };
  let downloads = 0;
  const storage = await listen(async (req, res) => {
    front.storageAuthorizations.push(req.headers.authorization);
    front.peakBlobDownloads = Math.max(front.peakBlobDownloads, ++downloads);
    await new Promise((r) => setTimeout(r, blobDelayMs));
    downloads--;
    await relay(`${upstream.url}${req.url}`, req, res);
  });
  const api = await listen(async (req, res) => {
    const url = new URL(req.url!, `http://${req.headers.host}`);
    if (url.pathname === '/token') {
      front.tokenRequests.push(url.searchParams.get('scope') ?? '');
      const expected = `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected || url.searchParams.get('service') !== 'slipway-front') {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const repository = /^\/v2\/(.+)\/(manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Bearer realm="http://${api.host}/token",service="slipway-front",scope="repository:${repository}:pull"`,
      }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (url.pathname.includes('/blobs/')) {
      res.writeHead(307, { location: `http://${storage.host}${url.pathname}` }).end();
      return;
    }
    await relay(`${upstream.url}${url.pathname}`, req, res);
  });
  return {
    get tokenRequests() { return front.tokenRequests; },
    get storageAuthorizations() { return front.storageAuthorizations; },
    get peakBlobDownloads() { return front.peakBlobDownloads; },
    host: api.host,
    close: async () => {
      for (const s of [api.server, storage.server]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

test('bearer tokens: the challenge leads to the token service, credentials are checked there, one token serves the whole pull, and redirected blob downloads carry no Authorization', async () => {
  const front = await startFront(plain, 0);
  try {
    const reference = `${front.host}/private/img:1`;
    const store = await newStore();
    await assert.rejects(pullImage(store, reference, { plainHttp: true }), { code: 'Unauthorized', message: /needs credentials for this image/ });
    await assert.rejects(pullImage(store, reference, { plainHttp: true, credentials: { ...user, password: 'nope' } }), { code: 'Unauthorized', message: /token service refused the credentials of slipway/ });
    front.tokenRequests.length = 0;
    const image = await pullImage(store, reference, { plainHttp: true, credentials: user });
    assert.deepEqual(image.layers.map((l) => l.diffID), diffIDs);
    assert.deepEqual(front.tokenRequests, ['repository:private/img:pull'], 'one token, scoped to the repository, for manifests, config and layers');
    assert.equal(front.storageAuthorizations.length, 4, 'config and three layers came from the storage origin');
    assert.deepEqual(front.storageAuthorizations, [undefined, undefined, undefined, undefined], 'the token is not sent to another origin');
  } finally {
    await front.close();
  }
});

test('layer downloads run in parallel, at most `concurrency` at once', async () => {
  for (const concurrency of [1, 2]) {
    const front = await startFront(plain, 300);
    try {
      const store = await newStore();
      await pullImage(store, `${front.host}/private/img:1`, { plainHttp: true, credentials: user, concurrency });
      // Each download is held 0.3 s, so three layers with room for two overlap.
      assert.equal(front.peakBlobDownloads, concurrency, `peak downloads with concurrency ${concurrency}`);
    } finally {
      await front.close();
    }
  }
});

test('a cancelled pull stops its downloads, says so, and leaves the store as it was', async () => {
  const front = await startFront(plain, 400);
  try {
    const store = await newStore();
    const before = await storeContents(store);
    const controller = new AbortController();
    const pulling = pullImage(store, `${front.host}/private/img:1`, { plainHttp: true, credentials: user, signal: controller.signal });
    setTimeout(() => controller.abort(), 600);
    await assert.rejects(pulling, { code: 'Aborted', message: /pull of 127\.0\.0\.1:\d+\/private\/img:1 was cancelled/ });
    assert.deepEqual(await storeContents(store), before);
  } finally {
    await front.close();
  }
});
