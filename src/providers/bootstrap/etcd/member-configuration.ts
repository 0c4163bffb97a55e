// The settings of one etcd member, as the environment file etcd reads them from (etcd takes every
// flag as an ETCD_* variable): TLS-only client and peer listeners with client-certificate
// authentication against the cluster's CA, a plain-HTTP metrics and health listener on loopback
// only, and the member's place in the cluster.
//
// A member is named after its Machine and advertises that name (https://<machine>:2379 and :2380):
// the name is known before the machine has an address, so the control plane can add the member, and
// certificates can name it, before the machine exists. Machines of a cluster must resolve each
// other's names (docs/providers.md).

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_METRICS_PORT = 2381;

/** Where the member's files live on its machine. */
export const memberPaths = {
  pkiDir: '/etc/etcd/pki',
  environmentFile: '/etc/etcd/etcd.env',
  dataDir: '/var/lib/etcd',
  runner: '/usr/local/sbin/slipway-etcd',
  log: '/var/log/etcd.log',
} as const;

export const memberFiles = {
  ca: `${memberPaths.pkiDir}/ca.crt`,
  serverCert: `${memberPaths.pkiDir}/server.crt`,
  serverKey: `${memberPaths.pkiDir}/server.key`,
  peerCert: `${memberPaths.pkiDir}/peer.crt`,
  peerKey: `${memberPaths.pkiDir}/peer.key`,
} as const;

export const memberPeerURL = (name: string) => `https://${name}:${ETCD_PEER_PORT}`;
export const memberClientURL = (name: string) => `https://${name}:${ETCD_CLIENT_PORT}`;

export interface InitialMember {
  name: string;
  peerURL: string;
}

export interface MemberSettings {
  /** The member's name and the host it advertises: its Machine's name. */
  name: string;
  /** Keeps clusters started from the same member names apart (etcd refuses peers with another token). */
  clusterToken: string;
  initialClusterState: 'new' | 'existing';
  /** Every member etcd starts with, this one included. */
  initialCluster: InitialMember[];
  /** The etcd version the image must provide (checked before etcd starts). */
  version?: string;
  extraArgs?: Record<string, string>;
  cipherSuites?: string[];
}

export class MemberConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemberConfigurationError';
  }
}

// The flags Slipway sets, and those that would undo them (another config source, self-signed TLS,
// discovery instead of the initial cluster): extraArgs may not name them.
const reservedFlags = new Set([
  'name', 'data-dir', 'wal-dir', 'config-file',
  'listen-client-urls', 'advertise-client-urls', 'listen-peer-urls', 'initial-advertise-peer-urls', 'listen-metrics-urls',
  'initial-cluster', 'initial-cluster-state', 'initial-cluster-token', 'discovery', 'discovery-srv', 'discovery-srv-name', 'discovery-proxy', 'discovery-fallback',
  'cert-file', 'key-file', 'trusted-ca-file', 'client-cert-auth', 'auto-tls', 'client-crl-file',
  'peer-cert-file', 'peer-key-file', 'peer-trusted-ca-file', 'peer-client-cert-auth', 'peer-auto-tls', 'peer-crl-file',
  'cipher-suites',
]);
const flagName = /^[a-z0-9]+(-[a-z0-9]+)*$/;
// Values are written into a file a shell reads: no control characters, so no line can be injected.
const safeValue = /^[^\x00-\x1f\x7f]*$/;

const environmentName = (flag: string) => `ETCD_${flag.toUpperCase().replaceAll('-', '_')}`;

/** Problems with user-given settings, one line each (empty when there are none). */
export function memberSettingsProblems(settings: Pick<MemberSettings, 'extraArgs' | 'cipherSuites'>): string[] {
  const problems: string[] = [];
  for (const [flag, value] of Object.entries(settings.extraArgs ?? {})) {
    if (!flagName.test(flag)) problems.push(`extraArgs: ${JSON.stringify(flag)} is not an etcd flag name (lower-case words joined by "-", no leading dashes)`);
    else if (reservedFlags.has(flag)) problems.push(`extraArgs: ${flag} is set by Slipway and may not be overridden`);
    if (!safeValue.test(value)) problems.push(`extraArgs: the value of ${flag} contains control characters`);
  }
  for (const suite of settings.cipherSuites ?? []) {
    if (!/^TLS_[A-Z0-9_]+$/.test(suite)) problems.push(`cipherSuites: ${JSON.stringify(suite)} is not a Go TLS cipher suite name`);
  }
  return problems;
}

/** The ETCD_* variables of the member, in a stable order; throws MemberConfigurationError on bad settings. */
export function memberEnvironment(settings: MemberSettings): [string, string][] {
  const problems = memberSettingsProblems(settings);
  if (!settings.initialCluster.some((m) => m.name === settings.name)) problems.push(`initialCluster must include the member itself (${settings.name})`);
  for (const member of settings.initialCluster) {
    if (/[,=\s]/.test(member.name) || /[,=\s]/.test(member.peerURL)) problems.push(`initialCluster: ${JSON.stringify(member.name)}=${JSON.stringify(member.peerURL)} may not contain ",", "=" or spaces`);
  }
  if (problems.length > 0) throw new MemberConfigurationError(problems.join('; '));
  const variables: [string, string][] = [
    ['ETCD_NAME', settings.name],
    ['ETCD_DATA_DIR', memberPaths.dataDir],
    ['ETCD_LISTEN_CLIENT_URLS', `https://0.0.0.0:${ETCD_CLIENT_PORT}`],
    ['ETCD_ADVERTISE_CLIENT_URLS', memberClientURL(settings.name)],
    ['ETCD_LISTEN_PEER_URLS', `https://0.0.0.0:${ETCD_PEER_PORT}`],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', memberPeerURL(settings.name)],
    // Health and metrics for the machine itself (the bootstrap waits on /health): loopback, plain HTTP.
    ['ETCD_LISTEN_METRICS_URLS', `http://127.0.0.1:${ETCD_METRICS_PORT}`],
    ['ETCD_INITIAL_CLUSTER', settings.initialCluster.map((m) => `${m.name}=${m.peerURL}`).join(',')],
    ['ETCD_INITIAL_CLUSTER_STATE', settings.initialClusterState],
    ['ETCD_INITIAL_CLUSTER_TOKEN', settings.clusterToken],
    ['ETCD_CERT_FILE', memberFiles.serverCert],
    ['ETCD_KEY_FILE', memberFiles.serverKey],
    ['ETCD_TRUSTED_CA_FILE', memberFiles.ca],
    ['ETCD_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_PEER_CERT_FILE', memberFiles.peerCert],
    ['ETCD_PEER_KEY_FILE', memberFiles.peerKey],
    ['ETCD_PEER_TRUSTED_CA_FILE', memberFiles.ca],
    ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_LOGGER', 'zap'],
  ];
  if (settings.cipherSuites?.length) variables.push(['ETCD_CIPHER_SUITES', settings.cipherSuites.join(',')]);
  for (const [flag, value] of Object.entries(settings.extraArgs ?? {}).sort(([a], [b]) => a.localeCompare(b))) variables.push([environmentName(flag), value]);
  // Name lookups, for members that find each other by names their /etc/hosts gains as machines come
  // (the container provider rewrites the file; its networks have no DNS to ask). Go's own resolver
  // keeps the file for 5 s and then asks DNS, and etcd resolves a connecting peer's certificate
  // names to check its address: a joiner that came within those 5 s waited out DNS timeouts (10 s)
  // and was refused, so every join cost a failed start and a restart. The C library reads the file
  // on every lookup. A lookup of a member whose machine does not exist yet (the leader dials a
  // learner as soon as it is added) gives up after 2 s instead of 10, so the first dial after the
  // machine came finds it; etcd retries failed dials anyway.
  variables.push(['GODEBUG', 'netdns=cgo'], ['RES_OPTIONS', 'timeout:1 attempts:2']);
  // Not etcd's (etcd ignores variables without its prefix): the runner checks the binary against it.
  if (settings.version) variables.push(['SLIPWAY_ETCD_VERSION', settings.version.replace(/^v/, '')]);
  return variables;
}

/** The environment file: one NAME='value' line each, for a shell to read with `set -a; . FILE`. */
export function environmentFile(variables: [string, string][]): string {
  const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;
  return variables.map(([name, value]) => `${name}=${quote(value)}\n`).join('');
}
