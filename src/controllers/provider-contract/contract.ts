// What Slipway reads from provider objects, at the field paths of Cluster API's v1beta2 contracts
// (docs/book/src/developer/providers/contracts/), plus Slipway's node extension. Every reader takes
// an unstructured object and tolerates absent or mistyped fields (a provider's object is input we
// do not control): absent means "not yet". docs/providers.md is the prose version of this file.
import type { Condition, KubeObject } from '../../api/meta.ts';
import { findCondition } from './conditions.ts';

export interface APIEndpoint {
  host: string;
  port: number;
}

/** The address types the Machine API accepts (others are dropped, not copied). */
export const MACHINE_ADDRESS_TYPES = ['Hostname', 'ExternalIP', 'InternalIP', 'ExternalDNS', 'InternalDNS'] as const;

export interface MachineAddress {
  type: (typeof MACHINE_ADDRESS_TYPES)[number];
  address: string;
}

export interface FailureDomain {
  name: string;
  controlPlane?: boolean;
  attributes?: Record<string, string>;
}

/** Slipway's extension: the node an infrastructure machine runs, as its provider sees it. */
export interface NodeReport {
  name: string;
  conditions: Condition[];
}

/** The condition an infrastructure machine reports once its bootstrap ran (the name Cluster API's Docker provider uses). */
export const BOOTSTRAP_EXEC_SUCCEEDED_CONDITION = 'BootstrapExecSucceeded';
/** The condition every provider object may report, mirrored into the owner's InfrastructureReady / BootstrapConfigReady. */
export const PROVIDER_READY_CONDITION = 'Ready';
/** The control plane's availability condition, mirrored into the Cluster's ControlPlaneAvailable. */
export const CONTROL_PLANE_AVAILABLE_CONDITION = 'Available';

function field(obj: KubeObject | undefined, path: readonly string[]): unknown {
  let value: unknown = obj;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const bool = (obj: KubeObject | undefined, path: readonly string[]) => field(obj, path) === true;
const string = (obj: KubeObject | undefined, path: readonly string[]) => {
  const value = field(obj, path);
  return typeof value === 'string' && value !== '' ? value : undefined;
};
const integer = (obj: KubeObject | undefined, path: readonly string[]) => {
  const value = field(obj, path);
  return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
};

/** spec.controlPlaneEndpoint, only when both host and port are set (a zero value is "not yet"). */
function endpoint(obj: KubeObject | undefined): APIEndpoint | undefined {
  const host = string(obj, ['spec', 'controlPlaneEndpoint', 'host']);
  const port = integer(obj, ['spec', 'controlPlaneEndpoint', 'port']);
  return host && port ? { host, port } : undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const infraCluster = {
  /** status.initialization.provisioned: the cluster's infrastructure is ready for machines. */
  provisioned: (obj: KubeObject | undefined) => bool(obj, ['status', 'initialization', 'provisioned']),
  /** spec.controlPlaneEndpoint {host, port}: where the control plane will answer (optional). */
  controlPlaneEndpoint: endpoint,
  /** status.failureDomains: [{name, controlPlane?, attributes?}] (optional). */
  failureDomains(obj: KubeObject | undefined): FailureDomain[] | undefined {
    const list = field(obj, ['status', 'failureDomains']);
    if (!Array.isArray(list)) return undefined;
    return list.filter((d): d is Record<string, unknown> => isRecord(d) && typeof d.name === 'string' && d.name !== '').map((d) => ({
      name: d.name as string,
      ...(typeof d.controlPlane === 'boolean' ? { controlPlane: d.controlPlane } : {}),
      ...(isRecord(d.attributes) ? { attributes: Object.fromEntries(Object.entries(d.attributes).filter(([, v]) => typeof v === 'string')) as Record<string, string> } : {}),
    }));
  },
  /** status.conditions[Ready] (optional): mirrored into the Cluster's InfrastructureReady. */
  readyCondition: (obj: KubeObject | undefined) => findCondition(obj, PROVIDER_READY_CONDITION),
};

export const infraMachine = {
  /** status.initialization.provisioned: the machine exists and has its providerID. */
  provisioned: (obj: KubeObject | undefined) => bool(obj, ['status', 'initialization', 'provisioned']),
  /** spec.providerID: the provider's unique id for the machine (required once provisioned). */
  providerID: (obj: KubeObject | undefined) => string(obj, ['spec', 'providerID']),
  /** status.addresses: [{type, address}] (optional). */
  addresses(obj: KubeObject | undefined): MachineAddress[] | undefined {
    const list = field(obj, ['status', 'addresses']);
    if (!Array.isArray(list)) return undefined;
    return list.filter((a): a is MachineAddress => isRecord(a) && MACHINE_ADDRESS_TYPES.includes(a.type as MachineAddress['type']) && typeof a.address === 'string' && a.address !== '')
      .map((a) => ({ type: a.type, address: a.address }));
  },
  /** status.failureDomain: where the machine was actually placed (optional). */
  failureDomain: (obj: KubeObject | undefined) => string(obj, ['status', 'failureDomain']),
  /** Slipway's status.node {name, conditions} (optional): the node the machine runs. */
  node(obj: KubeObject | undefined): NodeReport | undefined {
    const node = field(obj, ['status', 'node']);
    if (!isRecord(node) || typeof node.name !== 'string' || node.name === '') return undefined;
    const conditions = Array.isArray(node.conditions)
      ? node.conditions.filter((c): c is Condition => isRecord(c) && typeof c.type === 'string' && (c.status === 'True' || c.status === 'False' || c.status === 'Unknown'))
      : [];
    return { name: node.name, conditions };
  },
  /** status.conditions[BootstrapExecSucceeded] is True: the bootstrap data ran (for clusters without nodes). */
  bootstrapSucceeded: (obj: KubeObject | undefined) => findCondition(obj, BOOTSTRAP_EXEC_SUCCEEDED_CONDITION)?.status === 'True',
  /** status.conditions[Ready] (optional): mirrored into the Machine's InfrastructureReady. */
  readyCondition: (obj: KubeObject | undefined) => findCondition(obj, PROVIDER_READY_CONDITION),
};

export const bootstrapConfig = {
  /** status.initialization.dataSecretCreated: the bootstrap data Secret exists. */
  dataSecretCreated: (obj: KubeObject | undefined) => bool(obj, ['status', 'initialization', 'dataSecretCreated']),
  /** status.dataSecretName: the Secret (same namespace) holding the bootstrap data under key "value". */
  dataSecretName: (obj: KubeObject | undefined) => string(obj, ['status', 'dataSecretName']),
  /** status.conditions[Ready] (optional): mirrored into the Machine's BootstrapConfigReady. */
  readyCondition: (obj: KubeObject | undefined) => findCondition(obj, PROVIDER_READY_CONDITION),
};

export const controlPlane = {
  /** status.initialization.controlPlaneInitialized: the control plane answers and can accept workers. */
  initialized: (obj: KubeObject | undefined) => bool(obj, ['status', 'initialization', 'controlPlaneInitialized']),
  /** spec.controlPlaneEndpoint {host, port} (optional: a control plane may provide the endpoint). */
  controlPlaneEndpoint: endpoint,
  /** spec.replicas: desired control plane machines (for implementations based on machines). */
  replicas: (obj: KubeObject | undefined) => integer(obj, ['spec', 'replicas']),
  /** status.replicas: current control plane machines. */
  statusReplicas: (obj: KubeObject | undefined) => integer(obj, ['status', 'replicas']),
  /** status.readyReplicas: machines with Ready true. */
  readyReplicas: (obj: KubeObject | undefined) => integer(obj, ['status', 'readyReplicas']),
  /** status.availableReplicas: machines with Available true. */
  availableReplicas: (obj: KubeObject | undefined) => integer(obj, ['status', 'availableReplicas']),
  /** status.upToDateReplicas: machines with UpToDate true. */
  upToDateReplicas: (obj: KubeObject | undefined) => integer(obj, ['status', 'upToDateReplicas']),
  /** spec.version: the desired Kubernetes (or other software) version. */
  version: (obj: KubeObject | undefined) => string(obj, ['spec', 'version']),
  /** status.conditions[Available] (optional): mirrored into the Cluster's ControlPlaneAvailable. */
  availableCondition: (obj: KubeObject | undefined) => findCondition(obj, CONTROL_PLANE_AVAILABLE_CONDITION),
};
