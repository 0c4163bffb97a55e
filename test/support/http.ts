// Raw HTTPS requests to a test server, for tests that need exact status codes and bodies.
import { request as httpsRequest, Agent } from 'node:https';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export interface RawTarget {
  url: string;
  caCert: string;
  token?: string;
}

const agents = new Map<string, Agent>();

export function rawRequest(target: RawTarget, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {}): Promise<RawResponse> {
  let agent = agents.get(target.caCert);
  if (!agent) agents.set(target.caCert, (agent = new Agent({ ca: target.caCert, keepAlive: true })));
  const token = options.token === undefined ? target.token : options.token;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) {
    if (!headers['content-type']) headers['content-type'] = 'application/json';
    // Node does not frame a DELETE body by itself; without a length the server would read it as the next request.
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, target.url), { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
