// Reads and writes through etcd's gRPC gateway for the end-to-end tests (the member client manages
// members, not keys): each call goes to the first member that answers, each member checked against
// the cluster's CA under its Machine name, as the control plane does.
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';

export interface KvMember { name: string; address: string }
export interface KvCredentials { ca: string; cert: string; key: string }

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString();

/** The key just after every key starting with `prefix` (etcd's range end for a prefix). */
function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix);
  bytes[bytes.length - 1] += 1;
  return bytes.toString('base64');
}

export class EtcdKv {
  #members: KvMember[];
  readonly #agents = new Map<string, Agent>();
  readonly #credentials: KvCredentials;
  readonly #timeoutMs: number;

  constructor(members: KvMember[], credentials: KvCredentials, timeoutMs = 2_000) {
    this.#members = members;
    this.#credentials = credentials;
    this.#timeoutMs = timeoutMs;
  }

  /** Members come and go during scaling and rollouts. */
  setMembers(members: KvMember[]): void {
    this.#members = members;
  }

  #agent(member: KvMember): Agent {
    let agent = this.#agents.get(member.name);
    if (!agent) this.#agents.set(member.name, (agent = new Agent({ connect: { ...this.#credentials, servername: member.name } })));
    return agent;
  }

  async #call<T>(path: string, body: unknown): Promise<T> {
    const failures: string[] = [];
    for (const member of this.#members) {
      try {
        const response = await request(`https://${member.address}:2379${path}`, {
          method: 'POST', dispatcher: this.#agent(member), body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(this.#timeoutMs),
        });
        const text = await response.body.text();
        if (response.statusCode === 200) return JSON.parse(text) as T;
        failures.push(`${member.name}: HTTP ${response.statusCode} ${text.slice(0, 200)}`);
      } catch (error) {
        failures.push(`${member.name}: ${(error as Error).message}`);
      }
    }
    throw new Error(`no member took the request: ${failures.join('; ')}`);
  }

  async put(key: string, value: string): Promise<void> {
    await this.#call('/v3/kv/put', { key: b64(key), value: b64(value) });
  }

  /** Every key and value under `prefix` (a linearizable read). */
  async getPrefix(prefix: string): Promise<Map<string, string>> {
    const answer = await this.#call<{ kvs?: { key: string; value: string }[] }>('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) });
    return new Map((answer.kvs ?? []).map((kv) => [unb64(kv.key), unb64(kv.value)]));
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((a) => a.close()));
  }
}

export const WRITE_EVERY_MS = 50;

/**
 * Puts `relay/w/<n>` every 50 ms until stopped, following the membership (`members`, asked twice a
 * second); records what was acknowledged and the longest gap between two acknowledgements.
 */
export function startWriter(kv: EtcdKv, members: () => Promise<KvMember[]>) {
  const acknowledged: string[] = [];
  let failed = 0;
  let longestGapMs = 0;
  let lastAck = performance.now();
  let running = true;
  const membership = (async () => {
    while (running) {
      const current = await members().catch(() => []);
      if (current.length > 0) kv.setMembers(current);
      await delay(500);
    }
  })();
  const writer = (async () => {
    for (let n = 0; running; n++) {
      const tick = performance.now();
      const key = `relay/w/${String(n).padStart(6, '0')}`;
      try {
        await kv.put(key, String(n));
        const now = performance.now();
        longestGapMs = Math.max(longestGapMs, now - lastAck);
        lastAck = now;
        acknowledged.push(key);
      } catch {
        failed++;
      }
      await delay(Math.max(0, WRITE_EVERY_MS - (performance.now() - tick)));
    }
  })();
  return {
    async stop() {
      running = false;
      await Promise.all([writer, membership]);
      return { acknowledged, failed, longestGapMs };
    },
  };
}
