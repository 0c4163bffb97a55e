// What the API server checks on every write of the container provider's kinds and of Slipway's
// slipway.dev kinds, beyond their schemas (Cluster API providers do this in validating webhooks):
// values whose form a schema cannot judge (image references, quantities and their bounds, subnets,
// SSH keys, host paths) and fields that may not change once set. Bad input is refused with a 422
// naming every problem, before anything is stored or made on the host.
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, StatusCause } from '../../../api/meta.ts';
import type { CustomResourceValidator } from '../../../api/resource.ts';
import { fieldError } from '../../../api/builtin/field-errors.ts';
import { parseByteQuantity, parseQuantity } from '../../../api/quantity.ts';
import type { ContainerMachine, ContainerMachineSpec } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import type { ContainerMachineTemplate } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine-template.ts';
import { group as infrastructureGroup } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import { group as slipwayGroup } from '../../../api/slipway.dev/v1alpha1/common.ts';
import type { Image } from '../../../api/slipway.dev/v1alpha1/image.ts';
import { ipAddressObjectName, type IPAddress } from '../../../api/slipway.dev/v1alpha1/ip-address.ts';
import type { Network } from '../../../api/slipway.dev/v1alpha1/network.ts';
import { normalizeReference, parseReference } from '../../../machines/images/index.ts';
import { validateInterfaceName } from '../../../machines/network/interface-name.ts';
import { portMappingsConflict } from '../../../machines/network/port-mapping.ts';
import { parseSubnet } from '../../../machines/network/subnet.ts';
import { parseSshPublicKey } from '../../../machines/ssh/public-key.ts';
import { MIN_CPUS, MIN_MEMORY_BYTES, MIN_ROOTFS_BYTES } from '../../../machines/runtime/index.ts';
import { isLoopbackRegistry } from './image-references.ts';
import { portMappingOf } from './machine-ports.ts';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `check`; a throw becomes an Invalid cause for `field`. */
function checked(causes: StatusCause[], field: string, value: unknown, check: () => void): void {
  try {
    check();
  } catch (error) {
    causes.push(fieldError.invalid(field, value, message(error)));
  }
}

function quantityAtLeast(causes: StatusCause[], field: string, value: string | number | undefined, minimum: number, minimumText: string, read: (v: string | number) => number): void {
  if (value === undefined) return;
  checked(causes, field, value, () => {
    if (read(value) < minimum) throw new Error(`must be at least ${minimumText}`);
  });
}

/** A normalized absolute path: no "." or ".." segments, no doubled or trailing slashes, no NUL. */
function absolutePathProblem(value: string): string | undefined {
  if (!value.startsWith('/') || value.includes('\0')) return 'must be an absolute path';
  if (value !== '/' && path.posix.normalize(value) !== value) return `must be a plain absolute path without ".", ".." or doubled and trailing slashes (did you mean ${JSON.stringify(path.posix.normalize(value).replace(/(.)\/$/, '$1'))}?)`;
  return undefined;
}

/** Every problem of a ContainerMachine spec (or a template's), under field path `at`. */
export function containerMachineSpecProblems(spec: Partial<ContainerMachineSpec>, at: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (typeof spec.image === 'string') checked(causes, `${at}.image`, spec.image, () => parseReference(spec.image!));
  quantityAtLeast(causes, `${at}.resources.cpus`, spec.resources?.cpus, MIN_CPUS, `${MIN_CPUS * 1000}m (a hundredth of a CPU)`, parseQuantity);
  quantityAtLeast(causes, `${at}.resources.memory`, spec.resources?.memory, MIN_MEMORY_BYTES, '64Mi: a machine needs that much for its init and SSH server', parseByteQuantity);
  quantityAtLeast(causes, `${at}.rootfsSize`, spec.rootfsSize, MIN_ROOTFS_BYTES, '64Mi', parseByteQuantity);
  (spec.ssh?.authorizedKeys ?? []).forEach((key, i) => checked(causes, `${at}.ssh.authorizedKeys[${i}]`, key.slice(0, 60), () => parseSshPublicKey(key)));
  const ports = spec.ports ?? [];
  ports.forEach((port, i) => {
    const clash = ports.slice(0, i).findIndex((other) => portMappingsConflict(portMappingOf(other), portMappingOf(port)));
    if (clash >= 0) causes.push(fieldError.duplicate(`${at}.ports[${i}].hostPort`, port.hostPort));
  });
  (spec.copyFiles ?? []).forEach((copy, i) => {
    for (const field of ['hostPath', 'machinePath'] as const) {
      const problem = absolutePathProblem(copy[field]);
      if (problem) causes.push(fieldError.invalid(`${at}.copyFiles[${i}].${field}`, copy[field], problem));
    }
  });
  return causes;
}

/** Fields of a machine that may change after creation; everything else describes the machine made and is fixed. */
const MUTABLE_MACHINE_FIELDS = new Set(['powerState', 'restartPolicy', 'ports', 'providerID']);

function immutable(causes: StatusCause[], field: string, what: string): void {
  causes.push(fieldError.forbidden(field, `${what} cannot change once created; delete and re-create the object instead`));
}

const validateContainerMachine: CustomResourceValidator = (obj, old) => {
  const machine = obj as ContainerMachine & KubeObject;
  const before = old as (ContainerMachine & KubeObject) | undefined;
  if (before && isDeepStrictEqual(before.spec, machine.spec)) return [];
  const causes = containerMachineSpecProblems(machine.spec, 'spec');
  if (before) {
    const fields = new Set([...Object.keys(before.spec), ...Object.keys(machine.spec)]) as Set<keyof ContainerMachineSpec>;
    for (const field of fields) {
      if (MUTABLE_MACHINE_FIELDS.has(field) || isDeepStrictEqual(before.spec[field], machine.spec[field])) continue;
      immutable(causes, `spec.${field}`, field);
    }
    if (before.spec.providerID !== undefined && machine.spec.providerID !== before.spec.providerID) immutable(causes, 'spec.providerID', 'providerID');
  }
  return causes;
};

const validateContainerMachineTemplate: CustomResourceValidator = (obj) =>
  containerMachineSpecProblems((obj as ContainerMachineTemplate & KubeObject).spec.template.spec, 'spec.template.spec');

/** Spec changes of a kind whose spec is fixed once created. */
function fixedSpec(obj: KubeObject, old: KubeObject | undefined, kind: string): StatusCause[] {
  if (!old || isDeepStrictEqual(old.spec, obj.spec)) return [];
  return [fieldError.forbidden('spec', `the spec of a ${kind} cannot change once created; make a new ${kind} instead`)];
}

const validateNetwork: CustomResourceValidator = (obj, old) => {
  const { spec } = obj as Network & KubeObject;
  if (old) return fixedSpec(obj, old, 'Network');
  const causes: StatusCause[] = [];
  checked(causes, 'spec.subnet', spec.subnet, () => parseSubnet(spec.subnet));
  checked(causes, 'spec.bridge', spec.bridge, () => validateInterfaceName(spec.bridge, 'bridge name'));
  return causes;
};

const validateIPAddress: CustomResourceValidator = (obj, old) => {
  if (old) return fixedSpec(obj, old, 'IPAddress');
  const { spec, metadata } = obj as IPAddress & KubeObject;
  const expected = ipAddressObjectName(spec.network, spec.address);
  return metadata.name === expected ? [] : [fieldError.invalid('metadata.name', metadata.name, `an IPAddress is named after its network and address: ${expected}`)];
};

const validateImage: CustomResourceValidator = (obj, old) => {
  if (old) return fixedSpec(obj, old, 'Image');
  const { spec } = obj as Image & KubeObject;
  const causes: StatusCause[] = [];
  if (spec.reference !== undefined) checked(causes, 'spec.reference', spec.reference, () => parseReference(spec.reference!));
  const { registry, archive, debian } = spec.source;
  if (registry) {
    checked(causes, 'spec.source.registry.reference', registry.reference, () => {
      const parsed = parseReference(registry.reference);
      if (registry.plainHttp && !isLoopbackRegistry(parsed.registry)) throw new Error(`plainHttp is only allowed for a registry on loopback (localhost, 127.0.0.1), not ${parsed.registry}`);
      if (spec.reference !== undefined && normalizeReference(spec.reference) !== normalizeReference(registry.reference)) {
        throw new Error(`differs from spec.reference ${JSON.stringify(spec.reference)}: leave spec.reference out for registry sources`);
      }
    });
  }
  if (archive) {
    const problem = absolutePathProblem(archive.path);
    if (problem) causes.push(fieldError.invalid('spec.source.archive.path', archive.path, problem));
  }
  if (debian && spec.reference === undefined) causes.push(fieldError.required('spec.reference', 'a Debian build needs the reference to store the image under'));
  return causes;
};

export const containerProviderValidators: ReadonlyMap<string, CustomResourceValidator> = new Map([
  [`${infrastructureGroup}/ContainerMachine`, validateContainerMachine],
  [`${infrastructureGroup}/ContainerMachineTemplate`, validateContainerMachineTemplate],
  [`${slipwayGroup}/Network`, validateNetwork],
  [`${slipwayGroup}/IPAddress`, validateIPAddress],
  [`${slipwayGroup}/Image`, validateImage],
]);
