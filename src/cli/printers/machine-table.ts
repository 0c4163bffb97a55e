// The tables of `slipway ps` and `slipway images`, with Ignite's columns: for machines ID, IMAGE,
// SIZE, CPUS, MEMORY, CREATED, STATUS ("Up 5m" while running), IPS, PORTS, NAME; for images IMAGE
// ID (the digest's first 12 hex digits, as Docker shows it), NAME, CREATED, SIZE and STATUS.
import { formatPortMapping } from '../../machines/network/port-mapping.ts';
import { formatByteSize } from '../byte-size.ts';
import type { ImageObject, MachineObject } from '../object-lookup.ts';
import { alignColumns } from './table-printer.ts';
import { ageOf } from './duration.ts';

const MACHINE_HEADER = ['ID', 'IMAGE', 'SIZE', 'CPUS', 'MEMORY', 'CREATED', 'STATUS', 'IPS', 'PORTS', 'NAME'];
const IMAGE_HEADER = ['IMAGE ID', 'NAME', 'CREATED', 'SIZE', 'STATUS'];
/** The API's defaults, shown when the spec leaves them out. */
const DEFAULT_CPUS = '1';
const DEFAULT_MEMORY = '512Mi';

function machineStatus(machine: MachineObject, now: Date): string {
  const { state, startedAt } = machine.status ?? {};
  if (machine.metadata.deletionTimestamp) return 'Deleting';
  if (state === 'Running') return `Up ${ageOf(startedAt, now)}`;
  return state ?? 'Creating';
}

export function machineRow(machine: MachineObject, now: Date): string[] {
  const ports = (machine.status?.ports ?? []).map((p) => formatPortMapping({ bindAddress: p.hostIP, hostPort: p.hostPort, machinePort: p.machinePort, protocol: p.protocol === 'UDP' ? 'udp' : 'tcp' }));
  return [
    machine.status?.machineID ?? '-',
    machine.spec.image,
    String(machine.spec.rootfsSize ?? '-'),
    String(machine.spec.resources?.cpus ?? DEFAULT_CPUS),
    String(machine.spec.resources?.memory ?? DEFAULT_MEMORY),
    `${ageOf(machine.metadata.creationTimestamp, now)} ago`,
    machineStatus(machine, now),
    machine.status?.network?.ip ?? '',
    ports.join(', '),
    machine.metadata.name!,
  ];
}

export function imageRow(image: ImageObject, now: Date): string[] {
  const { digest, reference, size, phase, createdAt } = image.status ?? {};
  const name = reference ?? image.spec.reference ?? image.spec.source.registry?.reference ?? image.metadata.name!;
  return [
    digest ? digest.replace(/^sha256:/, '').slice(0, 12) : '-',
    name,
    `${ageOf(createdAt ?? image.metadata.creationTimestamp, now)} ago`,
    size === undefined ? '-' : formatByteSize(size),
    phase ?? 'Pending',
  ];
}

/** The rows under their header (the header alone when there are none, as Ignite prints it), aligned as kubectl aligns tables. */
export function renderRows(header: string[], rows: string[][]): string {
  return alignColumns([header, ...rows]).join('\n');
}

export const machineTable = (machines: MachineObject[], now = new Date()) => renderRows(MACHINE_HEADER, machines.map((m) => machineRow(m, now)));
export const imageTable = (images: ImageObject[], now = new Date()) => renderRows(IMAGE_HEADER, images.map((i) => imageRow(i, now)));
