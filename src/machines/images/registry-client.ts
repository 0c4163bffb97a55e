// A client for the OCI distribution API (what Docker Hub, docker-registry, Harbor, GHCR… serve):
// manifests and blobs of one registry, with authentication on demand. undici (Node's own HTTP
// client, as a package) is used for its Agent: a custom CA for a private HTTPS registry, and one
// keep-alive connection pool per pull.
import { Agent, fetch, type Response } from 'undici';
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
    this.#credentials = typeof options.credentials === 'function' ? options.credentials(registry) : options.credentials;
    this.#signal = options.signal;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** GET /v2/<repository>/manifests/<tag or digest>. */
  async manifest(repository: string, reference: string, what: string): Promise<FetchedManifest> {
    const response = await this.#get(repository, `/v2/${repository}/manifests/${reference}`, { accept: acceptedManifestTypes.join(', ') }, what);
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > maxManifestBytes) {
      await response.body?.cancel();
      throw new ImageError('Invalid', `${what}: the registry sent a ${length}-byte manifest, over the ${maxManifestBytes}-byte limit`);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > maxManifestBytes) throw new ImageError('Invalid', `${what}: the manifest is over the ${maxManifestBytes}-byte limit`);
    return { bytes, contentType: response.headers.get('content-type') ?? undefined };
  }

  /** GET /v2/<repository>/blobs/<digest>: the body as a stream (redirects to storage are followed). */
  async blob(repository: string, digest: string, what: string): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.#get(repository, `/v2/${repository}/blobs/${digest}`, {}, what);
    if (!response.body) throw new ImageError('Registry', `${what}: registry ${this.registry} answered without a body`);
    return response.body;
  }

  async #get(repository: string, path: string, headers: Record<string, string>, what: string): Promise<Response> {
    const url = this.#base + path;
    const pending = this.#authorization.get(repository);
    let authorization = pending ? await pending : undefined;
    let response = await this.#send(url, { ...headers, ...(authorization ? { authorization } : {}) });
    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate') ?? '';
      await response.body?.cancel();
      const answer = this.#answer(repository, challenge);
      this.#authorization.set(repository, answer);
      try {
        authorization = await answer;
      } catch (error) {
        this.#authorization.delete(repository);
        throw error;
      }
      response = await this.#send(url, { ...headers, authorization });
      if (response.status === 401) {
        await response.body?.cancel();
        this.#authorization.delete(repository);
        throw new ImageError('Unauthorized', this.#credentials
          ? `registry ${this.registry} refused the credentials of ${this.#credentials.username} for ${repository}: check the user name and password, and their access to the repository`
          : `registry ${this.registry} needs credentials for ${repository}: pass a user name and password`);
      }
    }
    if (response.status >= 200 && response.status < 300) return response;
    const body = await response.text().catch(() => '');
    throw registryError(response.status, body, this.registry, what);
  }

  async #answer(repository: string, header: string): Promise<string> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const fetcher = async (url: string, init: { headers: Record<string, string> }) => this.#send(url, init.headers);
      return fetchBearerToken(fetcher, bearer, `repository:${repository}:pull`, this.#credentials, this.registry);
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.#credentials) throw new ImageError('Unauthorized', `registry ${this.registry} needs credentials (basic auth) for ${repository}: pass a user name and password`);
      return basicAuthorization(this.#credentials);
    }
    throw new ImageError('Unauthorized', `registry ${this.registry} answered 401 with ${header ? `an unsupported challenge "${header.slice(0, 100)}"` : 'no challenge'}: only Bearer and Basic authentication are supported`);
  }

  async #send(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, { headers: { 'user-agent': 'slipway', ...headers }, dispatcher: this.#agent, redirect: 'follow', signal: this.#signal });
    } catch (error) {
      if (this.#signal?.aborted) throw error;
      const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
      const detail = cause?.code ?? cause?.message ?? (error as Error).message;
      const hint = /EPROTO|wrong version number|ECONNRESET/i.test(String(cause?.message ?? '') + detail) && url.startsWith('https:')
        ? ' (if this registry speaks plain HTTP, use the plain-HTTP option)'
        : /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(detail) ? ' (pass the CA certificate that signed the registry\'s certificate)' : '';
      throw new ImageError('Registry', `cannot reach registry ${this.registry} at ${new URL(url).origin}: ${detail}${hint}`, { cause: error });
    }
  }
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
