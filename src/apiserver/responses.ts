// Writing responses: JSON (or YAML when asked), Status bodies for errors, and the `Warning`
// headers (RFC 7234 code 299) that kubectl prints.
import type { ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import type { Status } from '../api/meta.ts';

export function warningHeader(message: string): string {
  return `299 - ${JSON.stringify(message)}`;
}

export function sendJsonText(res: ServerResponse, code: number, json: string, warnings: string[] = []): void {
  if (res.headersSent) return;
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) };
  if (warnings.length > 0) headers.warning = warnings.map(warningHeader);
  res.writeHead(code, headers);
  res.end(json);
}

export function sendObject(res: ServerResponse, code: number, body: unknown, options: { yaml?: boolean; warnings?: string[] } = {}): void {
  if (options.yaml) {
    if (res.headersSent) return;
    const text = stringify(body);
    const headers: Record<string, string | string[]> = { 'content-type': 'application/yaml', 'content-length': String(Buffer.byteLength(text)) };
    if (options.warnings?.length) headers.warning = options.warnings.map(warningHeader);
    res.writeHead(code, headers);
    res.end(text);
    return;
  }
  sendJsonText(res, code, JSON.stringify(body), options.warnings);
}

export function sendStatus(res: ServerResponse, status: Status, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const json = JSON.stringify(status);
  res.writeHead(status.code, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)), ...extraHeaders });
  res.end(json);
}
