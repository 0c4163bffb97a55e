// What etcd says about an EtcdCluster's members, asked through the member client at the Machines'
// addresses (checking each member's certificate against its Machine name): membership, each
// member's own status and health, alarms. The planner's input and the status's members list.
import type { EtcdClusterMemberStatus } from '../../../api/controlplane.cluster.x-k8s.io/v1alpha1/etcd-cluster.ts';
import { ETCD_CLIENT_PORT } from '../../bootstrap/etcd/member-configuration.ts';
import { EtcdMemberClient, EtcdUnreachableError, type EndpointStatus, type EtcdClientCredentials, type MemberEndpoint } from './member-client.ts';
import { machineOfMember, type MemberState } from './next-step.ts';

export interface MemberObservation {
  /** undefined when no member answered. */
  members: MemberState[] | undefined;
  statuses: EtcdClusterMemberStatus[];
  /** Why no member answered. */
  unreachable?: string;
}

/** A member's status request and health check must answer within this: a dead member's address does not answer at all. */
const TIMEOUT_MS = 2_000;

export function memberEndpoint(machine: string, address: string): MemberEndpoint {
  return { url: `https://${address.includes(':') ? `[${address}]` : address}:${ETCD_CLIENT_PORT}`, serverName: machine };
}

/** A client for the members at `addresses` (Machine name → address); the caller closes it. */
export function memberClient(addresses: Map<string, string>, credentials: EtcdClientCredentials): EtcdMemberClient {
  return new EtcdMemberClient({ endpoints: [...addresses].map(([machine, address]) => memberEndpoint(machine, address)), credentials, timeoutMs: TIMEOUT_MS });
}

/** etcd's members as seen through `client`; `machines` are the Machines there are (a member of none is a stray). */
export async function observeMembers(client: EtcdMemberClient, machines: Set<string>): Promise<MemberObservation> {
  let list;
  try {
    list = await client.members();
  } catch (error) {
    if (error instanceof EtcdUnreachableError) return { members: undefined, statuses: [], unreachable: error.message };
    throw error;
  }
  const [statuses, alarms] = await Promise.all([
    client.statuses(),
    client.alarms().catch(() => []),
  ]);
  const byMachine = new Map(statuses.map((s) => [s.endpoint.serverName!, s]));
  const leaderId = statuses.map((s) => s.status?.leaderId).find((id) => id !== undefined && id !== '0');
  const members: MemberState[] = [];
  const reported: EtcdClusterMemberStatus[] = [];
  await Promise.all(list.map(async (m) => {
    const machine = machineOfMember(m);
    const seen = machine ? byMachine.get(machine) : undefined;
    const status: EndpointStatus | undefined = seen?.status?.memberId === m.id ? seen.status : undefined;
    // A learner does not serve etcd's health check (it takes a quorum read); it is healthy when it answers and has caught up enough to know the leader.
    const health = !seen ? { healthy: false, reason: 'no Machine address to reach it at' }
      : m.learner ? (status && status.leaderId !== '0' ? { healthy: true } : { healthy: false, reason: seen.error ?? 'it knows no leader yet' })
        : await client.health(seen.endpoint);
    const memberAlarms = alarms.filter((a) => a.memberId === m.id).map((a) => a.alarm);
    members.push({ id: m.id, name: m.name, peerURLs: m.peerURLs, learner: m.learner, healthy: health.healthy, leader: m.id === leaderId, alarms: memberAlarms });
    const problem = health.healthy ? undefined : health.reason ?? seen?.error;
    reported.push({
      id: m.id,
      ...(m.name ? { name: m.name } : {}),
      ...(machine && machines.has(machine) ? { machine } : {}),
      learner: m.learner, leader: m.id === leaderId, reachable: status !== undefined, healthy: health.healthy,
      ...(status ? { version: status.version, dbSizeBytes: status.dbSizeBytes } : {}),
      ...(memberAlarms.length ? { alarms: memberAlarms } : {}),
      ...(problem ? { message: problem.slice(0, 1024) } : {}),
    });
  }));
  const order = (a: { name?: string; id: string }, b: { name?: string; id: string }) => (a.name ?? '').localeCompare(b.name ?? '') || a.id.localeCompare(b.id);
  return { members: members.sort(order), statuses: reported.sort(order) };
}
