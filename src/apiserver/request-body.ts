// Request bodies: read with a size limit enforced as bytes arrive (nothing past the limit is
// kept), then decoded as JSON or YAML with the parser's own message on failure.
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { badRequest, tooLarge, unsupportedMediaType } from './status-errors.ts';

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;
// Past the limit we keep reading (and discarding) so the client can read our 413 instead of
// seeing its upload reset, but not forever.
const DISCARD_LIMIT_FACTOR = 16;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (over) {
        chunks.length = 0;
        if (size > limit * DISCARD_LIMIT_FACTOR) {
          req.destroy();
          reject(tooLarge(limit));
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export type BodyFormat = 'json' | 'yaml';

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** JSON or YAML for create and update bodies; anything else is a 415. */
export function objectBodyFormat(contentType: string | undefined): BodyFormat {
  const type = mediaType(contentType);
  if (type === '' || type === 'application/json' || type === '*/*') return 'json';
  if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return 'yaml';
  throw unsupportedMediaType(type, ['application/json', 'application/yaml']);
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw badRequest('error decoding the request body: the body is empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding the request body as JSON: ${(error as Error).message}`);
  }
}

export function parseYaml(text: string): unknown {
  if (text.trim() === '') throw badRequest('error decoding the request body: the body is empty');
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw badRequest(`error decoding the request body as YAML: ${doc.errors[0].message.split('\n')[0]}`);
  return doc.toJS();
}

export function decodeBody(body: Buffer, format: BodyFormat): unknown {
  const text = body.toString('utf8');
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A body that must be a single object (create, update, apply). */
export function requireObjectBody(value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    throw badRequest(`error decoding the request body: expected a JSON object with apiVersion, kind and metadata, got ${what}`);
  }
  return value;
}
