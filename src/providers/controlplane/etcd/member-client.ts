// The etcd client the control plane manages members with: member list, add as learner, promote,
// remove, move leader, per-endpoint status and health, alarms. It speaks etcd's gRPC gateway (JSON
// over the same TLS client port, /v3/...) through undici rather than gRPC: every call goes to the
// endpoint it names (a status is that member's, leadership moves are sent to the leader) instead of
// a balanced channel that retries elsewhere, and 64-bit member ids arrive as strings, not numbers
// that lose precision. Authentication is the cluster's client certificate; members are checked
// against the cluster's CA under the name their certificates carry (the Machine's name), whatever
// address the control plane reaches them at.
import { Agent, request } from 'undici';

export interface MemberEndpoint {
  /** https://host:port: where this client reaches the member. */
  url: string;
  /** The name the member's certificate must carry, when it is not the URL's host (a Machine's name when the URL holds its address). */
  serverName?: string;
}

export interface EtcdClientCredentials {
  /** The cluster's etcd CA certificate, the only one members' certificates are accepted from. */
  ca: string;
  cert: string;
  key: string;
}

export interface EtcdMember {
  /** In hex, as etcdctl prints it. */
  id: string;
  /** Empty for a learner that has not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  learner: boolean;
}

export interface EndpointStatus {
  endpoint: string;
  memberId: string;
  /** The leader as this member sees it; "0" when it knows none. */
  leaderId: string;
  version: string;
  dbSizeBytes: number;
  dbSizeInUseBytes: number;
  raftTerm: number;
  raftIndex: number;
  raftAppliedIndex: number;
  learner: boolean;
  errors: string[];
}

export type AlarmType = 'NOSPACE' | 'CORRUPT';

export interface Alarm {
  memberId: string;
  alarm: AlarmType;
}

/** What an etcd error means for a caller deciding what to do next. */
export type EtcdErrorKind = 'LearnerNotInSync' | 'TooManyLearners' | 'MemberNotFound' | 'PeerURLExists' | 'NotLeader' | 'Unhealthy' | 'Stopped' | 'Other';

const errorKinds: [RegExp, EtcdErrorKind][] = [
  [/can only promote a learner member which is in sync with leader/, 'LearnerNotInSync'],
  [/too many learner members/, 'TooManyLearners'],
  [/member not found/, 'MemberNotFound'],
  [/peer ?URLs? already exists/i, 'PeerURLExists'],
  [/not leader/, 'NotLeader'],
  [/unhealthy cluster|not enough started members|no leader/, 'Unhealthy'],
  // A member removed from the cluster keeps its listener open for a moment and answers this to everything.
  [/raft: stopped|server stopped|permanently removed/, 'Stopped'],
];

/** An endpoint answered with an error. */
export class EtcdError extends Error {
  readonly endpoint: string;
  /** The gRPC status code etcd gave. */
  readonly code: number | undefined;
  readonly kind: EtcdErrorKind;
  constructor(endpoint: string, message: string, code: number | undefined) {
    super(`etcd at ${endpoint}: ${message}`);
    this.name = 'EtcdError';
    this.endpoint = endpoint;
    this.code = code;
    this.kind = errorKinds.find(([pattern]) => pattern.test(message))?.[1] ?? 'Other';
  }
}

/** No endpoint could be reached (refused, timed out, TLS refused); `causes` says why for each. */
export class EtcdUnreachableError extends Error {
  readonly causes: { endpoint: string; message: string }[];
  constructor(causes: { endpoint: string; message: string }[]) {
    super(`no etcd endpoint answered: ${causes.map((c) => `${c.endpoint}: ${c.message}`).join('; ') || 'no endpoints given'}`);
    this.name = 'EtcdUnreachableError';
    this.causes = causes;
  }
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** etcd's ids are uint64: decimal strings on the gateway, hex for people. */
const toHex = (decimal: string | undefined) => BigInt(decimal ?? '0').toString(16);
const toDecimal = (hex: string) => {
  if (!/^[0-9a-f]{1,16}$/.test(hex)) throw new Error(`${JSON.stringify(hex)} is not an etcd member id (hex, up to 16 digits)`);
  return BigInt(`0x${hex}`).toString(10);
};

interface GatewayMember { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }

const member = (m: GatewayMember): EtcdMember => ({
  id: toHex(m.ID), name: m.name ?? '', peerURLs: m.peerURLs ?? [], clientURLs: m.clientURLs ?? [], learner: m.isLearner === true,
});

export class EtcdMemberClient {
  readonly #endpoints: MemberEndpoint[];
  readonly #agents = new Map<string, Agent>();
  readonly #credentials: EtcdClientCredentials;
  readonly #timeoutMs: number;

  constructor(options: { endpoints: MemberEndpoint[]; credentials: EtcdClientCredentials; timeoutMs?: number }) {
    for (const endpoint of options.endpoints) {
      if (new URL(endpoint.url).protocol !== 'https:') throw new Error(`etcd endpoint ${endpoint.url} must be https: members only speak TLS`);
    }
    this.#endpoints = [...options.endpoints];
    this.#credentials = options.credentials;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Where the client reaches members: those given, less any that answered as a removed (stopped) member, those that did not answer last. */
  get endpoints(): readonly MemberEndpoint[] {
    return this.#endpoints;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
    this.#agents.clear();
  }

  #agent(endpoint: MemberEndpoint): Agent {
    const key = `${endpoint.url} ${endpoint.serverName ?? ''}`;
    let agent = this.#agents.get(key);
    if (!agent) {
      const { ca, cert, key: privateKey } = this.#credentials;
      agent = new Agent({ connect: { ca, cert, key: privateKey, ...(endpoint.serverName ? { servername: endpoint.serverName } : {}) }, keepAliveTimeout: 10_000 });
      this.#agents.set(key, agent);
    }
    return agent;
  }

  /** One gateway call to one endpoint; etcd's errors become EtcdError, failures to reach it are thrown as they are. */
  async #call<T>(endpoint: MemberEndpoint, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const response = await request(new URL(path, endpoint.url), {
      dispatcher: this.#agent(endpoint),
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await response.body.text();
    let parsed: Record<string, unknown>;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new EtcdError(endpoint.url, `HTTP ${response.statusCode}: ${text.slice(0, 200)}`, undefined);
    }
    // /health answers 503 with a JSON body that is an answer, not an error.
    if (response.statusCode >= 400 && path !== '/health') {
      throw new EtcdError(endpoint.url, String(parsed.message ?? parsed.error ?? `HTTP ${response.statusCode}`), typeof parsed.code === 'number' ? parsed.code : undefined);
    }
    return parsed as T;
  }

  /**
   * The call on the first endpoint that answers (any member serves cluster-wide calls); EtcdUnreachableError when none does.
   * A member that answers as removed speaks for no cluster any more: it is dropped and the next endpoint asked;
   * one that does not answer is asked last from then on.
   */
  async #any<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const causes: { endpoint: string; message: string }[] = [];
    for (const endpoint of [...this.#endpoints]) {
      try {
        return await this.#call<T>(endpoint, method, path, body);
      } catch (error) {
        if (error instanceof EtcdError && error.kind !== 'Stopped') throw error;
        this.#endpoints.splice(this.#endpoints.indexOf(endpoint), 1);
        // An endpoint that did not answer goes last, so the next call asks a live member first.
        if (!(error instanceof EtcdError)) this.#endpoints.push(endpoint);
        causes.push({ endpoint: endpoint.url, message: error instanceof EtcdError ? error.message : describeFailure(error) });
      }
    }
    throw new EtcdUnreachableError(causes);
  }

  async members(): Promise<EtcdMember[]> {
    const answer = await this.#any<{ members?: GatewayMember[] }>('POST', '/v3/cluster/member/list', {});
    return (answer.members ?? []).map(member);
  }

  /** Adds a member as a learner (a non-voting member until promoted): it does not count towards quorum while it catches up. */
  async addLearner(peerURL: string): Promise<EtcdMember> {
    const answer = await this.#any<{ member?: GatewayMember }>('POST', '/v3/cluster/member/add', { peerURLs: [peerURL], isLearner: true });
    if (!answer.member) throw new Error(`etcd added ${peerURL} but did not say as which member`);
    return member(answer.member);
  }

  /** Makes a learner a voting member; fails with kind LearnerNotInSync until it has caught up with the leader. */
  async promote(id: string): Promise<void> {
    await this.#any('POST', '/v3/cluster/member/promote', { ID: toDecimal(id) });
  }

  async remove(id: string): Promise<void> {
    await this.#any('POST', '/v3/cluster/member/remove', { ID: toDecimal(id) });
  }

  /** Hands leadership to `targetId`. Only the leader can, so the request goes to the endpoint that reports being it. */
  async moveLeader(targetId: string): Promise<void> {
    const statuses = await this.statuses();
    const leaderId = statuses.find((s) => s.status)?.status!.leaderId;
    const leader = statuses.find((s) => s.status && s.status.memberId === leaderId && leaderId !== '0');
    if (!leader) throw new EtcdUnreachableError(statuses.map((s) => ({ endpoint: s.endpoint.url, message: s.error ?? 'not the leader' })));
    await this.#call(leader.endpoint, 'POST', '/v3/maintenance/transfer-leadership', { targetID: toDecimal(targetId) });
  }

  /** One member's own view: its id, the leader it follows, version, database size, raft progress. */
  async status(endpoint: MemberEndpoint): Promise<EndpointStatus> {
    const s = await this.#call<Record<string, unknown> & { header?: { member_id?: string } }>(endpoint, 'POST', '/v3/maintenance/status', {});
    const number = (v: unknown) => Number(v ?? 0);
    return {
      endpoint: endpoint.url,
      memberId: toHex(s.header?.member_id),
      leaderId: toHex(s.leader as string | undefined),
      version: String(s.version ?? ''),
      dbSizeBytes: number(s.dbSize),
      dbSizeInUseBytes: number(s.dbSizeInUse),
      raftTerm: number(s.raftTerm),
      raftIndex: number(s.raftIndex),
      raftAppliedIndex: number(s.raftAppliedIndex),
      learner: s.isLearner === true,
      errors: Array.isArray(s.errors) ? s.errors.map(String) : [],
    };
  }

  /** Every endpoint's status, asked at once; an endpoint that does not answer has `error` instead. */
  async statuses(): Promise<{ endpoint: MemberEndpoint; status?: EndpointStatus; error?: string }[]> {
    return Promise.all(this.endpoints.map(async (endpoint) => {
      try {
        return { endpoint, status: await this.status(endpoint) };
      } catch (error) {
        return { endpoint, error: error instanceof EtcdError ? error.message : describeFailure(error) };
      }
    }));
  }

  /** etcd's own health check of one member (a leader, no alarm, a read that goes through). */
  async health(endpoint: MemberEndpoint): Promise<{ healthy: boolean; reason?: string }> {
    try {
      const answer = await this.#call<{ health?: string; reason?: string }>(endpoint, 'GET', '/health');
      return answer.health === 'true' ? { healthy: true } : { healthy: false, reason: answer.reason || 'etcd reports it unhealthy' };
    } catch (error) {
      return { healthy: false, reason: error instanceof EtcdError ? error.message : describeFailure(error) };
    }
  }

  /** The alarms raised in the cluster (no space left, corruption), per member. */
  async alarms(): Promise<Alarm[]> {
    const answer = await this.#any<{ alarms?: { memberID?: string; alarm?: string }[] }>('POST', '/v3/maintenance/alarm', { action: 'GET' });
    return (answer.alarms ?? []).filter((a) => a.alarm === 'NOSPACE' || a.alarm === 'CORRUPT').map((a) => ({ memberId: toHex(a.memberID), alarm: a.alarm as AlarmType }));
  }
}

/** A transport failure in one line: the innermost cause (ECONNREFUSED, a TLS verification error, a timeout). */
function describeFailure(error: unknown): string {
  let current = error as { message?: string; code?: string; cause?: unknown; name?: string };
  while (current?.cause && typeof current.cause === 'object') current = current.cause as typeof current;
  if (current?.name === 'TimeoutError') return 'timed out';
  return [current?.code, current?.message].filter(Boolean).join(': ') || String(error);
}
