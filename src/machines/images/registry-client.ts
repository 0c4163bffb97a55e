// A client for the OCI distribution API (what Docker Hub, docker-registry, Harbor, GHCR… serve):
// manifests and blobs of one registry, with authentication on demand. undici (Node's own HTTP
// client, as a package) is used for its Agent (a custom CA for a private HTTPS registry, one
// keep-alive connection pool per pull) and its request API, whose bodies are Node streams: fetch's
// web streams made layer downloads about twice as slow.
import { Agent, interceptors, request, type Dispatcher } from 'undici';
import { acceptedManifestTypes } from './manifest.ts';
import { ImageError } from './image-error.ts';
import { basicAuthorization, fetchBearerToken, parseChallenges, type RegistryCredentials } from './registry-auth.ts';
import { dockerHub } from './reference.ts';

export interface RegistryOptions {
  /** Speak plain HTTP instead of HTTPS: for a registry on loopback or in a machine's own network. */
  plainHttp?: boolean;
  /** Extra CA certificates (PEM) to trust for HTTPS, besides the system's. */
  ca?: string | string[];
  /** Credentials for basic auth or a token service; a function is asked per registry host. */
  credentials?: RegistryCredentials | ((registry: string) => RegistryCredentials | undefined);
  /** Cancels every request, including bodies being downloaded. */
  signal?: AbortSignal;
}

export interface FetchedManifest {
  bytes: Buffer;
  contentType?: string;
}

// Registries cap manifests at 4 MiB; anything larger is not a manifest.
const maxManifestBytes = 4 << 20;

export class RegistryClient {
  readonly registry: string;
  readonly #base: string;
  readonly #agent: Agent;
  readonly #dispatcher: Dispatcher;
  readonly #credentials?: RegistryCredentials;
  readonly #signal?: AbortSignal;
  /** Authorization header per repository, once a challenge has been answered. */
  readonly #authorization = new Map<string, Promise<string>>();

  constructor(registry: string, options: RegistryOptions = {}) {
    this.registry = registry;
    // Docker Hub's API lives on a different host from its name in references.
    const host = registry === dockerHub ? 'registry-1.docker.io' : registry;
    this.#base = `${options.plainHttp ? 'http' : 'https'}://${host}`;
    this.#agent = new Agent({ connect: options.ca ? { ca: options.ca } : {}, keepAliveTimeout: 10_000 });
    // Blobs are often redirected to object storage; the Authorization header is dropped when the
    // redirect leaves the registry's origin.
    this.#dispatcher = this.#agent.compose(interceptors.redirect({ maxRedirections: 5 }));
    this.#credentials = typeof options.credentials === 'function' ? options.credentials(registry) : options.credentials;
    this.#signal = options.signal;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** GET /v2/<repository>/manifests/<tag or digest>. */
  async manifest(repository: string, reference: string, what: string): Promise<FetchedManifest> {
    const response = await this.#get(repository, `/v2/${repository}/manifests/${reference}`, { accept: acceptedManifestTypes.join(', ') }, what);
    const length = Number(header(response, 'content-length') ?? 0);
    if (length > maxManifestBytes) {
      response.body.destroy();
      throw new ImageError('Invalid', `${what}: the registry sent a ${length}-byte manifest, over the ${maxManifestBytes}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxManifestBytes) {
        response.body.destroy();
        throw new ImageError('Invalid', `${what}: the manifest is over the ${maxManifestBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
    return { bytes: Buffer.concat(chunks), contentType: header(response, 'content-type') };
  }

  /** GET /v2/<repository>/blobs/<digest>: the body as a stream (redirects to storage are followed). */
  async blob(repository: string, digest: string, what: string): Promise<AsyncIterable<Uint8Array>> {
    return (await this.#get(repository, `/v2/${repository}/blobs/${digest}`, {}, what)).body;
  }

  async #get(repository: string, path: string, headers: Record<string, string>, what: string): Promise<Dispatcher.ResponseData> {
    const url = this.#base + path;
    const pending = this.#authorization.get(repository);
    let authorization = pending ? await pending : undefined;
    let response = await this.#send(url, { ...headers, ...(authorization ? { authorization } : {}) });
    if (response.statusCode === 401) {
      const challenge = header(response, 'www-authenticate') ?? '';
      await response.body.dump();
      const answer = this.#answer(repository, challenge);
      this.#authorization.set(repository, answer);
      try {
        authorization = await answer;
      } catch (error) {
        this.#authorization.delete(repository);
        throw error;
      }
      response = await this.#send(url, { ...headers, authorization });
      if (response.statusCode === 401) {
        await response.body.dump();
        this.#authorization.delete(repository);
        throw new ImageError('Unauthorized', this.#credentials
          ? `registry ${this.registry} refused the credentials of ${this.#credentials.username} for ${repository}: check the user name and password, and their access to the repository`
          : `registry ${this.registry} needs credentials for ${repository}: pass a user name and password`);
      }
    }
    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    const body = await response.body.text().catch(() => '');
    throw registryError(response.statusCode, body, this.registry, what);
  }

  async #answer(repository: string, header: string): Promise<string> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const fetcher = async (url: string, init: { headers: Record<string, string> }) => {
        const response = await this.#send(url, init.headers);
        return { status: response.statusCode, text: () => response.body.text() };
      };
      return fetchBearerToken(fetcher, bearer, `repository:${repository}:pull`, this.#credentials, this.registry);
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.#credentials) throw new ImageError('Unauthorized', `registry ${this.registry} needs credentials (basic auth) for ${repository}: pass a user name and password`);
      return basicAuthorization(this.#credentials);
    }
    throw new ImageError('Unauthorized', `registry ${this.registry} answered 401 with ${header ? `an unsupported challenge "${header.slice(0, 100)}"` : 'no challenge'}: only Bearer and Basic authentication are supported`);
  }

  async #send(url: string, headers: Record<string, string>): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, { headers: { 'user-agent': 'slipway', ...headers }, dispatcher: this.#dispatcher, signal: this.#signal });
    } catch (error) {
      if (this.#signal?.aborted) throw error;
      // Socket and TLS errors come as they are, or wrapped with the cause.
      const cause = ((error as { cause?: unknown }).cause ?? error) as NodeJS.ErrnoException;
      const detail = cause.code ?? cause.message ?? String(error);
      const hint = /EPROTO|wrong version number|ECONNRESET/i.test(String(cause.message ?? '') + detail) && url.startsWith('https:')
        ? ' (if this registry speaks plain HTTP, use the plain-HTTP option)'
        : /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(detail) ? ' (pass the CA certificate that signed the registry\'s certificate)' : '';
      throw new ImageError('Registry', `cannot reach registry ${this.registry} at ${new URL(url).origin}: ${detail}${hint}`, { cause: error });
    }
  }
}

/** A response header as one string (repeated headers joined, as HTTP allows for lists). */
function header(response: Dispatcher.ResponseData, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function registryError(status: number, body: string, registry: string, what: string): ImageError {
  let detail = '';
  try {
    const errors = (JSON.parse(body) as { errors?: { code?: string; message?: string }[] }).errors ?? [];
    detail = errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch {
    detail = body.trim().slice(0, 200);
  }
  const suffix = detail ? ` (${detail})` : '';
  if (status === 404) return new ImageError('NotFound', `${what} was not found in registry ${registry}${suffix}: check the repository name and tag`);
  if (status === 403) return new ImageError('Unauthorized', `registry ${registry} denied access to ${what}${suffix}`);
  if (status === 429) return new ImageError('Registry', `registry ${registry} is rate-limiting requests for ${what}${suffix}: try again later`);
  return new ImageError('Registry', `registry ${registry} answered ${status} for ${what}${suffix}`);
}
