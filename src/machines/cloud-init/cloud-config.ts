// The cloud-config subset Cluster API's bootstrap providers emit, parsed into steps run in document
// order (as Cluster API's Docker provider runs them, not in cloud-init's own stage order):
// write_files (content with encodings, owner, permissions, append), bootcmd and runcmd (each entry a
// shell line or an argv list), and users (name, ssh_authorized_keys, shell, groups, sudo). Every
// other top-level key is reported as ignored rather than silently dropped. Bad input fails with one
// message naming the first problem and where it is.
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';

/** A command: a line for the machine's shell, or arguments run without one. */
export type CloudCommand = { shell: string } | { argv: string[] };

export interface CloudFile {
  path: string;
  content: Buffer;
  /** "user", "user:group" (names or ids), resolved inside the machine. */
  owner: string;
  permissions: number;
  append: boolean;
}

export interface CloudUser {
  name: string;
  sshAuthorizedKeys: string[];
  shell?: string;
  groups: string[];
  /** A sudoers rule such as "ALL=(ALL) NOPASSWD:ALL". */
  sudo?: string;
}

export type CloudConfigStep =
  | { module: 'write_files'; files: CloudFile[] }
  | { module: 'bootcmd' | 'runcmd'; commands: CloudCommand[] }
  | { module: 'users'; users: CloudUser[] };

export interface CloudConfig {
  steps: CloudConfigStep[];
  /** Top-level keys this subset does not run, in document order. */
  ignored: string[];
}

export class CloudConfigError extends Error {
  constructor(message: string) {
    super(`invalid cloud-config: ${message}`);
    this.name = 'CloudConfigError';
  }
}

const HEADER = '#cloud-config';
const JINJA_HEADER = /^##\s*template:\s*jinja\s*\n/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}\$?$/;
const OWNER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$/;
const DEFAULT_PERMISSIONS = 0o644;

/** The template variables cloud-init's jinja rendering offers that bootstrap data uses: the machine's host name. */
const JINJA_HOSTNAME = /\{\{\s*(ds\.meta_data\.local_hostname|ds\.meta_data\.hostname|v1\.local_hostname|local_hostname)\s*\}\}/g;

export interface ParseOptions {
  /** Substituted for {{ ds.meta_data.local_hostname }} and friends in "## template: jinja" documents. */
  hostname?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new CloudConfigError(`${where} must be a string`);
}

function list(value: unknown, where: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new CloudConfigError(`${where} must be a list`);
  return value;
}

function decode(content: string, encoding: string, where: string): Buffer {
  switch (encoding.toLowerCase()) {
    case '':
    case 'text/plain':
      return Buffer.from(content);
    case 'b64':
    case 'base64':
      return strictBase64(content, where);
    case 'gz':
    case 'gzip':
      // YAML cannot hold raw gzip bytes; cloud-init accepts them only as a binary YAML value.
      return gunzip(Buffer.from(content, 'latin1'), where);
    case 'gz+b64':
    case 'gz+base64':
    case 'gzip+b64':
    case 'gzip+base64':
      return gunzip(strictBase64(content, where), where);
    default:
      throw new CloudConfigError(`${where}: unknown encoding ${JSON.stringify(encoding)}; use b64, gzip, gz+b64 or text/plain`);
  }
}

function strictBase64(content: string, where: string): Buffer {
  const compact = content.replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) throw new CloudConfigError(`${where}: content is not valid base64`);
  return Buffer.from(compact, 'base64');
}

function gunzip(bytes: Buffer, where: string): Buffer {
  try {
    return gunzipSync(bytes);
  } catch {
    throw new CloudConfigError(`${where}: content is not valid gzip data`);
  }
}

function permissions(value: unknown, where: string): number {
  if (value === undefined || value === null) return DEFAULT_PERMISSIONS;
  // YAML reads an unquoted 0644 as the octal number 420 (YAML 1.1) or decimal 644 (1.2); cloud-init documents the quoted string.
  const written = typeof value === 'number' ? value.toString(8) : text(value, where);
  if (!/^0?[0-7]{3,4}$/.test(written)) throw new CloudConfigError(`${where} ${JSON.stringify(written)} is not an octal mode such as "0644"`);
  return Number.parseInt(written, 8);
}

function command(value: unknown, where: string): CloudCommand {
  if (Array.isArray(value)) {
    const argv = value.map((arg, i) => text(arg, `${where}[${i}]`));
    if (argv.length === 0) throw new CloudConfigError(`${where} is an empty command`);
    return { argv };
  }
  return { shell: text(value, where) };
}

function file(value: unknown, where: string): CloudFile {
  if (!isRecord(value)) throw new CloudConfigError(`${where} must be a mapping with path and content`);
  const path = text(value.path, `${where}.path`);
  if (!path.startsWith('/') || path.includes('\0') || path.endsWith('/')) throw new CloudConfigError(`${where}.path ${JSON.stringify(path)} must be an absolute file path`);
  const owner = value.owner === undefined ? 'root:root' : text(value.owner, `${where}.owner`);
  if (!OWNER.test(owner)) throw new CloudConfigError(`${where}.owner ${JSON.stringify(owner)} must be "user" or "user:group"`);
  const append = value.append ?? false;
  if (typeof append !== 'boolean') throw new CloudConfigError(`${where}.append must be true or false`);
  return {
    path,
    content: decode(value.content === undefined || value.content === null ? '' : text(value.content, `${where}.content`), value.encoding === undefined ? '' : text(value.encoding, `${where}.encoding`), where),
    owner,
    permissions: permissions(value.permissions, `${where}.permissions`),
    append,
  };
}

function user(value: unknown, where: string): CloudUser | undefined {
  // "default" is the distribution's default user, which container images do not define.
  if (value === 'default') return undefined;
  const entry = typeof value === 'string' ? { name: value } : value;
  if (!isRecord(entry)) throw new CloudConfigError(`${where} must be a user name or a mapping with name`);
  const name = text(entry.name, `${where}.name`);
  if (!USER_NAME.test(name)) throw new CloudConfigError(`${where}.name ${JSON.stringify(name)} is not a valid user name`);
  const keys = list(entry.ssh_authorized_keys, `${where}.ssh_authorized_keys`).map((key, i) => text(key, `${where}.ssh_authorized_keys[${i}]`).trim());
  if (keys.some((key) => /[\r\n]/.test(key))) throw new CloudConfigError(`${where}.ssh_authorized_keys: one key per entry`);
  const groups = typeof entry.groups === 'string' ? entry.groups.split(',').map((g) => g.trim()).filter(Boolean) : list(entry.groups, `${where}.groups`).map((g, i) => text(g, `${where}.groups[${i}]`));
  for (const group of groups) if (!USER_NAME.test(group)) throw new CloudConfigError(`${where}.groups: ${JSON.stringify(group)} is not a valid group name`);
  const shell = entry.shell === undefined ? undefined : text(entry.shell, `${where}.shell`);
  if (shell !== undefined && !/^\/[A-Za-z0-9_./-]+$/.test(shell)) throw new CloudConfigError(`${where}.shell ${JSON.stringify(shell)} must be an absolute path`);
  const sudoEntries = entry.sudo === undefined || entry.sudo === false ? [] : Array.isArray(entry.sudo) ? entry.sudo : [entry.sudo];
  const sudo = sudoEntries.map((rule, i) => text(rule, `${where}.sudo[${i}]`)).join(', ');
  if (/[\r\n]/.test(sudo)) throw new CloudConfigError(`${where}.sudo must be one rule per entry`);
  return { name, sshAuthorizedKeys: keys, groups, ...(shell ? { shell } : {}), ...(sudo ? { sudo } : {}) };
}

/**
 * Parses bootstrap data in cloud-config form. It must start with "#cloud-config" (after an
 * optional "## template: jinja" line, whose host name variables are substituted).
 */
export function parseCloudConfig(data: string, options: ParseOptions = {}): CloudConfig {
  let body = data.replace(/^\uFEFF/, '');
  const jinja = JINJA_HEADER.exec(body);
  if (jinja) {
    body = body.slice(jinja[0].length);
    if (options.hostname !== undefined) body = body.replace(JINJA_HOSTNAME, options.hostname);
  }
  if (!body.startsWith(HEADER)) throw new CloudConfigError(`the data must start with "${HEADER}" (got ${JSON.stringify(body.slice(0, 20))}); only cloud-config bootstrap data is supported`);
  let document: unknown;
  try {
    document = parseYaml(body, { version: '1.1' });
  } catch (error) {
    throw new CloudConfigError(`not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return { steps: [], ignored: [] };
  if (!isRecord(document)) throw new CloudConfigError('the document must be a mapping of modules (write_files, runcmd, …)');
  const steps: CloudConfigStep[] = [];
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(document)) {
    switch (key) {
      case 'write_files':
        steps.push({ module: key, files: list(value, key).map((entry, i) => file(entry, `${key}[${i}]`)) });
        break;
      case 'bootcmd':
      case 'runcmd':
        steps.push({ module: key, commands: list(value, key).map((entry, i) => command(entry, `${key}[${i}]`)) });
        break;
      case 'users':
        steps.push({ module: key, users: list(value, key).map((entry, i) => user(entry, `${key}[${i}]`)).filter((u): u is CloudUser => u !== undefined) });
        break;
      default:
        ignored.push(key);
    }
  }
  return { steps, ignored };
}
