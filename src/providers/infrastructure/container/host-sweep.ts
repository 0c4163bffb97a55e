// Adoption and clean-up when this daemon starts leading: whatever runs on the host for a
// ContainerMachine that still exists is kept (its controller picks it up: the runtime labels and
// status.machineID say whose it is); anything no object claims — a container or state directory, a
// network namespace or veth under this daemon's name prefix, an IPAddress whose machine is gone — is
// the leftover of a crash or of a deletion that happened while Slipway was down, and is removed.
import type { Logger } from 'pino';
import type { KubeObject } from '../../../api/meta.ts';
import type { ContainerMachine } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { group as infrastructureGroup } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import { splitApiVersion } from '../../../api/meta.ts';
import type { RestClient } from '../../../client/rest-client.ts';
import { isNotFound } from '../../../client/rest-client.ts';
import { attachmentName, detachMachine, listAttachments } from '../../../machines/network/attachment.ts';
import type { IPAddressObject } from './ip-allocation.ts';
import type { MachineHost } from './machine-host.ts';
import { containerMachinesResource, ipAddressesResource } from './resources.ts';
import { MachineLabel } from './runtime-spec.ts';

export interface SweepReport {
  adopted: string[];
  removedMachines: string[];
  removedAttachments: string[];
  releasedAddresses: string[];
}

const claimedByContainerMachine = (address: IPAddressObject) =>
  address.spec.claimRef.kind === 'ContainerMachine' && splitApiVersion(address.spec.claimRef.apiVersion).group === infrastructureGroup;

export async function sweepHost(client: RestClient, host: MachineHost, logger: Logger): Promise<SweepReport> {
  const machines = (await client.listAll<ContainerMachine & KubeObject>(containerMachinesResource)).items;
  const uids = new Set(machines.map((m) => m.metadata.uid!));
  const recordedIds = new Set(machines.flatMap((m) => (m.status?.machineID ? [m.status.machineID] : [])));
  const report: SweepReport = { adopted: [], removedMachines: [], removedAttachments: [], releasedAddresses: [] };

  const kept = new Set<string>();
  for (const found of await host.runtime.list()) {
    const uid = found.labels[MachineLabel.uid];
    if (recordedIds.has(found.id) || (uid !== undefined && uids.has(uid))) {
      kept.add(found.id);
      report.adopted.push(found.id);
      continue;
    }
    await host.runtime.cleanup(found.id);
    report.removedMachines.push(found.id);
  }
  const wanted = new Set([...kept, ...recordedIds].map((id) => attachmentName(id, host.namePrefix)));
  for (const attachment of await listAttachments(host.namePrefix)) {
    if (wanted.has(attachment.name)) continue;
    await detachMachine(attachment.name);
    report.removedAttachments.push(attachment.name);
  }
  for (const address of (await client.listAll<IPAddressObject>(ipAddressesResource)).items) {
    if (!claimedByContainerMachine(address) || uids.has(address.spec.claimRef.uid)) continue;
    await client.delete(ipAddressesResource, address.metadata.name!, { preconditions: { uid: address.metadata.uid } }).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
    report.releasedAddresses.push(address.metadata.name!);
  }
  const removed = report.removedMachines.length + report.removedAttachments.length + report.releasedAddresses.length;
  logger[removed > 0 ? 'warn' : 'info']({ ...report }, `machines adopted: ${report.adopted.length}; leftovers removed: ${report.removedMachines.length} machine(s), ${report.removedAttachments.length} network attachment(s), ${report.releasedAddresses.length} address(es)`);
  return report;
}
