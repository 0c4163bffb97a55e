// The OCI runtime configuration (bundle/config.json) that runc runs a machine from: a VM-like
// container with its own PID, mount, UTS, IPC and cgroup namespaces, the given network
// namespace, cgroup limits, and the cgroup hierarchy mounted read-only so the machine reads
// its own limits at /sys/fs/cgroup (runc mounts each v1 controller there, the machine's own
// cgroup as its root, on this host's hybrid layout; on a pure v2 host it mounts cgroup2).
import { machineCapabilities } from './capabilities.ts';
import type { MachineSpec } from './machine-spec.ts';
import { cgroupLimits } from './resource-limits.ts';

/** The annotation holding the machine's labels as JSON. */
export const LABELS_ANNOTATION = 'slipway.dev/labels';
export const MACHINE_ID_ANNOTATION = 'slipway.dev/machine-id';
export const STOP_SIGNAL_ANNOTATION = 'slipway.dev/stop-signal';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BundleInput {
  spec: MachineSpec;
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  /** The init's command line. */
  initArgs: string[];
  /** Whether the init is the image's own (an init system): it gets more capabilities. */
  imageInit: boolean;
  stopSignal: number;
  /** The cgroup path; a relative one is below the cgroup of whoever runs runc. */
  cgroupsPath: string;
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options?: string[];
}

/** The parts of the OCI runtime spec (1.0) Slipway writes. */
export interface OciRuntimeConfig {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: OciMount[];
  annotations: Record<string, string>;
  linux: {
    cgroupsPath: string;
    namespaces: { type: string; path?: string }[];
    resources: {
      devices: { allow: boolean; access: string }[];
      memory: { limit: number; swap: number };
      cpu: { quota: number; period: number; shares: number };
      pids: { limit: number };
    };
    maskedPaths: string[];
    readonlyPaths: string[];
  };
}

/** The environment of the init: PATH and HOME, then the image's Env, then the caller's. */
export function initEnvironment(spec: MachineSpec): string[] {
  const env = new Map<string, string>([['PATH', DEFAULT_PATH], ['HOME', '/root'], ['container', 'slipway']]);
  for (const entry of spec.imageConfig?.Env ?? []) {
    const equals = entry.indexOf('=');
    env.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  for (const [name, value] of Object.entries(spec.env ?? {})) env.set(name, value);
  return [...env].map(([name, value]) => `${name}=${value}`);
}

export function ociRuntimeConfig(input: BundleInput): OciRuntimeConfig {
  const { spec } = input;
  const capabilities = machineCapabilities(input.imageInit, spec.capabilities);
  const limits = cgroupLimits(spec.resources);
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: input.initArgs,
      env: initEnvironment(spec),
      cwd: '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      // A machine behaves like a host: sudo and other setuid programs must work inside it.
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755', 'size=65536k'] },
    ],
    annotations: {
      ...spec.annotations,
      [MACHINE_ID_ANNOTATION]: spec.id,
      [LABELS_ANNOTATION]: JSON.stringify(spec.labels ?? {}),
      [STOP_SIGNAL_ANNOTATION]: String(input.stopSignal),
    },
    linux: {
      cgroupsPath: input.cgroupsPath,
      namespaces: [
        { type: 'pid' },
        { type: 'ipc' },
        { type: 'uts' },
        { type: 'mount' },
        { type: 'cgroup' },
        spec.networkNamespace ? { type: 'network', path: spec.networkNamespace } : { type: 'network' },
      ],
      resources: {
        // Deny every device node; runc then allows its standard set (null, zero, random, tty, pts…).
        devices: [{ allow: false, access: 'rwm' }],
        memory: limits.memory,
        cpu: limits.cpu,
        pids: limits.pids,
      },
      maskedPaths: [
        '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
        '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
      ],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}
