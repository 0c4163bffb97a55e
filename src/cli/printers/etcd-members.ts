// The etcd part of `slipway describe cluster` for a Cluster whose control plane is an EtcdCluster:
// the health summary, the leader, and one row per member as etcd reports it (EtcdCluster status).
import type { KubeObject } from '../../api/meta.ts';
import type { EtcdClusterStatus } from '../../api/controlplane.cluster.x-k8s.io/v1alpha1/etcd-cluster.ts';
import { alignColumns } from './table-printer.ts';

const mebibytes = (bytes: number | undefined) => (bytes === undefined ? '-' : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

/** The members block, or '' when `controlPlane` is not an EtcdCluster. */
export function renderEtcdMembers(controlPlane: KubeObject | undefined): string {
  if (controlPlane?.kind !== 'EtcdCluster') return '';
  const status = (controlPlane.status ?? {}) as EtcdClusterStatus;
  const healthy = status.conditions?.find((c) => c.type === 'EtcdClusterHealthy');
  const lines = [
    `etcd: ${healthy ? (healthy.status === 'True' ? 'healthy' : 'not healthy') : 'not observed yet'}${status.leader ? `, leader ${status.leader}` : ', no leader'}`,
    ...(healthy?.status === 'False' && healthy.message ? healthy.message.split('\n').map((line) => `  ${line}`) : []),
  ];
  const members = status.members ?? [];
  if (members.length > 0) {
    const rows = [['MEMBER', 'ID', 'ROLE', 'REACHABLE', 'HEALTHY', 'VERSION', 'DB SIZE', 'ALARMS']];
    for (const m of members) {
      rows.push([m.name ?? `(${m.machine ?? 'not started'})`, m.id, m.leader ? 'leader' : m.learner ? 'learner' : 'follower', m.reachable ? 'yes' : 'no', m.healthy ? 'yes' : 'no', m.version ?? '-', mebibytes(m.dbSizeBytes), m.alarms?.join(',') || '-']);
    }
    lines.push(...alignColumns(rows).map((row) => `  ${row.trimEnd()}`));
  }
  return `${lines.join('\n')}\n`;
}
