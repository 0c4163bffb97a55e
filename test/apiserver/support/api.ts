// Small helpers over rawRequest for the API server tests: JSON requests that fail loudly on an
// unexpected status, and a streaming watch reader.
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { rawRequest, type RawResponse, type RawTarget } from '../../support/http.ts';

export interface Api {
  target: RawTarget;
  /** Sends `body` (JSON unless a string) and asserts the status code. */
  call(method: string, path: string, expected: number, body?: unknown, headers?: Record<string, string>): Promise<any>;
  raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse>;
}

export function api(target: RawTarget): Api {
  const raw = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    // Node does not frame DELETE bodies by itself: say how long the body is.
    const framing: Record<string, string> = text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) };
    return rawRequest(target, method, path, { body: text, headers: { ...framing, ...headers } });
  };
  return {
    target,
    raw,
    async call(method, path, expected, body, headers) {
      const res = await raw(method, path, body, headers);
      assert.equal(res.status, expected, `${method} ${path}: ${res.text.slice(0, 600)}`);
      return res.text === '' ? undefined : res.json();
    },
  };
}

export interface WatchStream {
  events: any[];
  /** Resolves once `predicate` holds for the events received so far. */
  until(predicate: (events: any[]) => boolean, what: string, ms?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  status: number;
  close(): void;
}

export function watch(target: RawTarget, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, target.url), { method: 'GET', ca: target.caCert, headers: { authorization: `Bearer ${target.token}`, accept: 'application/json', ...headers } }, (res) => {
      const events: any[] = [];
      let buffer = '';
      let endResolve: () => void;
      const ended = new Promise<void>((r) => { endResolve = r; });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) events.push(JSON.parse(line));
        }
      });
      res.on('end', () => {
        if (buffer.trim()) events.push(JSON.parse(buffer));
        endResolve();
      });
      res.on('error', () => endResolve());
      resolve({
        events,
        ended,
        status: res.statusCode ?? 0,
        async until(predicate, what, ms = 10_000) {
          const deadline = Date.now() + ms;
          while (!predicate(events)) {
            if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => [e.type, e.object?.metadata?.name, e.object?.metadata?.resourceVersion]))}`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sorted names of a list response's items. */
export const names = (list: { items: { metadata: { name: string } }[] }) => list.items.map((i) => i.metadata.name).sort();
