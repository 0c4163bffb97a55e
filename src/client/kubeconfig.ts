// kubeconfig files (the format kubectl reads): parse, write, build, and resolve a context to what
// a client needs to connect. File references are resolved relative to the kubeconfig's directory,
// as kubectl does.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface KubeconfigCluster {
  server: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate-data'?: string;
  'client-certificate'?: string;
  'client-key-data'?: string;
  'client-key'?: string;
}

export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: KubeconfigCluster }[];
  users: { name: string; user: KubeconfigUser }[];
  contexts: { name: string; context: KubeconfigContext }[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
}

/** Everything needed to talk to one API server as one user. */
export interface ConnectionConfig {
  server: string;
  /** PEM; absent means the system's trusted CAs. */
  caCert?: string;
  token?: string;
  clientCert?: string;
  clientKey?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** The context's namespace, "default" when it names none. */
  namespace: string;
}

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

function list<T>(value: unknown, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KubeconfigError(`kubeconfig: ${field} must be a list`);
  return value as T[];
}

/**
 * The YAML document, or JSON one, as data. JSON (which Slipway writes) is read without loading the
 * YAML parser: that load is ~30 ms of every CLI command's start.
 */
async function parseDocument(text: string): Promise<unknown> {
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch {
      // YAML's flow mappings start with "{" too.
    }
  }
  return (await import('yaml')).parse(text);
}

export async function parseKubeconfig(text: string): Promise<Kubeconfig> {
  const doc = ((await parseDocument(text)) ?? {}) as Record<string, unknown>;
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new KubeconfigError('kubeconfig: the document must be a mapping');
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: list(doc.clusters, 'clusters'),
    users: list(doc.users, 'users'),
    contexts: list(doc.contexts, 'contexts'),
    ...(typeof doc['current-context'] === 'string' ? { 'current-context': doc['current-context'] } : {}),
    ...(doc.preferences && typeof doc.preferences === 'object' ? { preferences: doc.preferences as Record<string, unknown> } : {}),
  };
}

/** JSON, which kubectl and every other client read as the YAML it is a subset of. */
export function stringifyKubeconfig(config: Kubeconfig): string {
  return `${JSON.stringify(config, null, 2)}\n`;
}

export async function readKubeconfig(file: string): Promise<Kubeconfig> {
  return parseKubeconfig(await readFile(file, 'utf8'));
}

/** Written owner-only: a kubeconfig holds credentials. */
export async function writeKubeconfig(file: string, config: Kubeconfig): Promise<void> {
  await writeFile(file, stringifyKubeconfig(config), { mode: 0o600 });
}

export interface KubeconfigEntry {
  /** Names the cluster, user ("<name>-user") and context alike. */
  name: string;
  server: string;
  caCert?: string;
  token?: string;
  clientCert?: string;
  clientKey?: string;
  namespace?: string;
}

/** A kubeconfig with one cluster, user and context, the context current. */
export function buildKubeconfig(entry: KubeconfigEntry): Kubeconfig {
  return setContext({ apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [] }, entry, true);
}

/** Adds or replaces the entry's cluster, user and context (by name); optionally makes it current. */
export function setContext(config: Kubeconfig, entry: KubeconfigEntry, makeCurrent: boolean): Kubeconfig {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  const userName = `${entry.name}-user`;
  const cluster: KubeconfigCluster = { server: entry.server, ...(entry.caCert ? { 'certificate-authority-data': b64(entry.caCert) } : {}) };
  const user: KubeconfigUser = {
    ...(entry.token ? { token: entry.token } : {}),
    ...(entry.clientCert ? { 'client-certificate-data': b64(entry.clientCert) } : {}),
    ...(entry.clientKey ? { 'client-key-data': b64(entry.clientKey) } : {}),
  };
  const context: KubeconfigContext = { cluster: entry.name, user: userName, ...(entry.namespace ? { namespace: entry.namespace } : {}) };
  const upsert = <T extends { name: string }>(items: T[], item: T) => [...items.filter((i) => i.name !== item.name), item];
  return {
    ...config,
    clusters: upsert(config.clusters, { name: entry.name, cluster }),
    users: upsert(config.users, { name: userName, user }),
    contexts: upsert(config.contexts, { name: entry.name, context }),
    ...(makeCurrent ? { 'current-context': entry.name } : {}),
  };
}

async function inlineOrFile(data: string | undefined, file: string | undefined, baseDir: string, what: string): Promise<string | undefined> {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (!file) return undefined;
  try {
    return await readFile(path.resolve(baseDir, file), 'utf8');
  } catch (error) {
    throw new KubeconfigError(`kubeconfig: cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

/** The named context (default: the current one) as connection settings. */
export async function resolveContext(config: Kubeconfig, options: { context?: string; baseDir?: string } = {}): Promise<ConnectionConfig> {
  const contextName = options.context ?? config['current-context'];
  if (!contextName) throw new KubeconfigError('kubeconfig: no context given and current-context is not set');
  const context = config.contexts.find((c) => c.name === contextName)?.context;
  if (!context) throw new KubeconfigError(`kubeconfig: context "${contextName}" not found`);
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster?.server) throw new KubeconfigError(`kubeconfig: cluster "${context.cluster}" of context "${contextName}" not found or has no server`);
  const user = config.users.find((u) => u.name === context.user)?.user ?? {};
  const baseDir = options.baseDir ?? process.cwd();
  const tokenFromFile = user.tokenFile ? (await inlineOrFile(undefined, user.tokenFile, baseDir, 'token'))?.trim() : undefined;
  const caCert = await inlineOrFile(cluster['certificate-authority-data'], cluster['certificate-authority'], baseDir, 'certificate authority');
  const clientCert = await inlineOrFile(user['client-certificate-data'], user['client-certificate'], baseDir, 'client certificate');
  const clientKey = await inlineOrFile(user['client-key-data'], user['client-key'], baseDir, 'client key');
  if (Boolean(clientCert) !== Boolean(clientKey)) throw new KubeconfigError(`kubeconfig: user "${context.user}" needs both a client certificate and a client key`);
  const token = user.token ?? tokenFromFile;
  return {
    server: cluster.server,
    namespace: context.namespace || 'default',
    ...(caCert ? { caCert } : {}),
    ...(token ? { token } : {}),
    ...(clientCert && clientKey ? { clientCert, clientKey } : {}),
    ...(cluster['insecure-skip-tls-verify'] ? { insecureSkipTlsVerify: true } : {}),
    ...(cluster['tls-server-name'] ? { tlsServerName: cluster['tls-server-name'] } : {}),
  };
}

/** Reads a kubeconfig file and resolves a context of it. */
export async function loadConnectionConfig(file: string, context?: string): Promise<ConnectionConfig> {
  return resolveContext(await readKubeconfig(file), { context, baseDir: path.dirname(path.resolve(file)) });
}
