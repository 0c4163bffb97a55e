// Serving /openapi/v3 (the index) and /openapi/v3/<api/v1 | apis/<group>/<version>> from
// documents built once per registry change, with their hash as ETag so clients (kubectl explain,
// field validation) cache them.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { openApiV3Document, openApiV3Index } from './openapi.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import { pathNotFound } from './status-errors.ts';

interface Built {
  json: string;
  hash: string;
}

export class OpenApiDocuments {
  private readonly registry: ResourceRegistry;
  private documents = new Map<string, Built>();
  private index?: string;

  constructor(registry: ResourceRegistry) {
    this.registry = registry;
    registry.onChange(() => { this.documents = new Map(); this.index = undefined; });
  }

  private document(group: string, version: string): Built | undefined {
    const key = `${group}/${version}`;
    let built = this.documents.get(key);
    if (!built && this.registry.servesGroupVersion(group, version)) {
      const json = JSON.stringify(openApiV3Document(this.registry.typesIn(group, version), group, version));
      built = { json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
      this.documents.set(key, built);
    }
    return built;
  }

  /** `segments`: the path after /openapi. */
  serve(req: IncomingMessage, res: ServerResponse, segments: string[]): void {
    if (segments[0] !== 'v3') throw pathNotFound();
    if (segments.length === 1) {
      this.index ??= JSON.stringify(openApiV3Index(
        this.registry.groupVersions().flatMap((g) => g.versions.map((version) => ({ group: g.group, version }))),
        (gv) => this.document(gv.group, gv.version)!.hash,
      ));
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'content-length': String(Buffer.byteLength(this.index)) });
      res.end(this.index);
      return;
    }
    const [, kind, ...rest] = segments;
    const [group, version] = kind === 'api' && rest.length === 1 ? ['', rest[0]] : kind === 'apis' && rest.length === 2 ? rest : [undefined, undefined];
    const built = group === undefined || version === undefined ? undefined : this.document(group, version);
    if (!built) throw pathNotFound();
    const etag = `"${built.hash}"`;
    const url = new URL(req.url ?? '/', 'https://localhost');
    const cacheControl = url.searchParams.get('hash') === built.hash ? 'public, immutable, max-age=31536000' : 'no-cache, private';
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, 'cache-control': cacheControl });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', etag, 'cache-control': cacheControl, 'content-length': String(Buffer.byteLength(built.json)) });
    res.end(built.json);
  }
}
