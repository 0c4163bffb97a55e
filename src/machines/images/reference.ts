// Image references as Docker and the OCI distribution spec read them:
//   [registry[:port]/]repository[:tag][@sha256:digest]
// A name without a registry is on Docker Hub ("docker.io"), a one-part Hub name is under "library/",
// and a reference with neither tag nor digest means ":latest". References reach URLs, file names and
// command lines, so anything outside the grammar is refused before it is used.
import { validDigest } from './digest.ts';
import { ImageError } from './image-error.ts';

export interface ImageReference {
  /** Registry host and optional port, e.g. "docker.io", "127.0.0.1:5000". */
  registry: string;
  /** Repository path within the registry, e.g. "library/debian". */
  repository: string;
  tag?: string;
  digest?: string;
}

export const dockerHub = 'docker.io';
const shellMetacharacters = /[\s;&|$`<>(){}*?!'"\\#~]/;
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const hostComponent = /^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;
const ipv6Host = /^\[[0-9A-Fa-f:.]+\]$/;
const maxNameLength = 255;
const form = 'expected [registry/]repository[:tag][@sha256:digest], e.g. debian:bookworm or 127.0.0.1:5000/team/app:1.0';

function invalid(text: string, why: string): ImageError {
  return new ImageError('InvalidReference', `invalid image reference "${text}": ${why} (${form})`);
}

function validRegistry(text: string, host: string): string {
  const portAt = host.startsWith('[') ? host.indexOf(']:') + 1 : host.lastIndexOf(':');
  const name = portAt > 0 ? host.slice(0, portAt) : host;
  const port = portAt > 0 ? host.slice(portAt + 1) : undefined;
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) > 0 && Number(port) < 65536)) {
    throw invalid(text, `registry port "${port}" is not a port number`);
  }
  if (!ipv6Host.test(name) && !name.split('.').every((part) => hostComponent.test(part))) {
    throw invalid(text, `registry "${host}" is not a host name`);
  }
  return host === 'index.docker.io' ? dockerHub : host;
}

/** Parses and validates a reference, filling in Docker's defaults. Throws ImageError('InvalidReference'). */
export function parseReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.length === 0) throw invalid(String(text), 'it is empty');
  // Control characters would be invisible in the message, so name them by code.
  const control = [...text].find((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
  if (control) throw invalid(JSON.stringify(text).slice(1, -1), `it contains the control character U+${control.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const meta = shellMetacharacters.exec(text);
  if (meta) throw invalid(text, `it contains the shell metacharacter ${JSON.stringify(meta[0])}`);

  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digestText = rest.slice(at + 1);
    try {
      digest = validDigest(digestText);
    } catch (error) {
      throw invalid(text, (error as Error).message);
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    if (!tagPattern.test(tag)) throw invalid(text, `tag "${tag}" may hold only letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-")`);
    rest = rest.slice(0, colon);
  }
  if (rest.length === 0) throw invalid(text, 'the repository name is missing');
  if (rest.length > maxNameLength) throw invalid(text, `the name is longer than ${maxNameLength} characters`);

  const slash = rest.indexOf('/');
  const first = slash >= 0 ? rest.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  const registry = hasRegistry ? validRegistry(text, first) : dockerHub;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (repository !== repository.toLowerCase()) throw invalid(text, `repository "${repository}" must be lowercase`);
  for (const component of repository.split('/')) {
    if (!pathComponent.test(component)) {
      throw invalid(text, component === '' ? 'the repository has an empty path component' : `repository component "${component}" may hold only a-z, 0-9 and single ".", "_", "__" or "-" separators between them`);
    }
  }
  if (registry === dockerHub && !repository.includes('/')) repository = `library/${repository}`;
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** The canonical text of a reference: "docker.io/library/debian:bookworm", "host:5000/app@sha256:…". */
export function formatReference(reference: ImageReference): string {
  return `${reference.registry}/${reference.repository}${reference.tag !== undefined ? `:${reference.tag}` : ''}${reference.digest !== undefined ? `@${reference.digest}` : ''}`;
}

/** Parses and returns the canonical text, so that "debian" and "docker.io/library/debian:latest" name one image. */
export function normalizeReference(text: string): string {
  return formatReference(parseReference(text));
}
