// The machine runtime: Footloose/Ignite-style machines, each a runc container that looks like a
// VM (its own init, hostname, SSH server, cgroup limits and persistent root filesystem). It
// owns the machines' state directories and Slipway's runc root; networking is the caller's (it
// passes an existing network namespace and the machine's address).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { ConfinedDirectory, resolveInRoot } from './confined-path.ts';
import { followConsoleLog, readConsoleLog, type FollowOptions } from './console-log.ts';
import { copyIntoMachine, copyOutOfMachine } from './file-copy.ts';
import { SLIPWAY_INIT_PATH } from './init-script.ts';
import { KeyedLock } from './keyed-lock.ts';
import { machineDirectory, type MachineDirectory } from './machine-directory.ts';
import { hostsFile, writeMachineFile, writeMachineFiles } from './machine-files.ts';
import { validateMachineId } from './machine-id.ts';
import { MachineRuntimeError } from './machine-runtime-error.ts';
import { validateMachineSpec, type HostEntry, type MachineSpec } from './machine-spec.ts';
import { readMounts } from './mountinfo.ts';
import { LABELS_ANNOTATION, ociRuntimeConfig, STOP_SIGNAL_ANNOTATION } from './oci-bundle.ts';
import { isMounted, mountOverlay, unmountOverlay } from './overlay-rootfs.ts';
import { makeWritableLayer, mountWritableLayer, unmountWritableLayer } from './writable-layer.ts';
import { Runc, type ExecOptions, type ExecResult, type RuncState } from './runc.ts';
import { signalNumber, stopSignal } from './stop-signal.ts';
import { pathExists } from '../path-exists.ts';

export interface MachineRuntimeOptions {
  /** Where machines' state directories live: <root>/<machine-id>/. */
  root: string;
  /** runc's state root for Slipway's containers (default <root>/.runc); list() reports what is there. */
  runcRoot?: string;
  /** The runc executable (default "runc" on PATH). */
  runcBinary?: string;
  /**
   * Parent of the machines' cgroups (default "slipway"): relative to the cgroup of the process
   * that runs runc, or absolute ("/slipway") so machines outlive a service manager that kills
   * its service's whole cgroup.
   */
  cgroupParent?: string;
  /** How long stop() waits after the stop signal before SIGKILL (default 10 s). */
  stopTimeoutMs?: number;
}

export type MachineStatusName = 'created' | 'running' | 'paused' | 'stopped';

export interface MachineStatus {
  id: string;
  /** runc's view; 'stopped' also when the machine has no container (stopped by Slipway or never started). */
  status: MachineStatusName;
  /** The init's PID on the host while it runs. */
  pid?: number;
  rootfsMounted: boolean;
  /** Whether runc has a container for it (a stopped machine has none). */
  hasContainer: boolean;
  /** The spec it was created with; undefined for a half-made machine whose record is missing. */
  spec?: MachineSpec;
  createdAt?: string;
  labels: Record<string, string>;
}

export interface StopResult {
  /** True when the init exited on the stop signal within the grace period (no SIGKILL needed). */
  graceful: boolean;
  durationMs: number;
}

interface MachineRecord {
  spec: MachineSpec;
  createdAt: string;
}

const STOP_POLL_MS = 50;
const KILL_WAIT_MS = 10_000;

export class MachineRuntime {
  readonly root: string;
  readonly runc: Runc;
  private readonly cgroupParent: string;
  private readonly stopTimeoutMs: number;
  private readonly lock = new KeyedLock();

  constructor(options: MachineRuntimeOptions) {
    this.root = path.resolve(options.root);
    this.runc = new Runc(options.runcRoot ?? path.join(this.root, '.runc'), options.runcBinary);
    this.cgroupParent = options.cgroupParent ?? 'slipway';
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    if (!/^\/?[a-z0-9][a-z0-9_.-]*(\/[a-z0-9][a-z0-9_.-]*)*$/.test(this.cgroupParent)) {
      throw new MachineRuntimeError('Invalid', `cgroupParent ${JSON.stringify(this.cgroupParent)} must be a cgroup path such as "slipway" or "/slipway"`);
    }
  }

  /** The machine's directories (paths only). */
  directory(id: string): MachineDirectory {
    return machineDirectory(this.root, id);
  }

  /**
   * Validates `spec` and makes the machine's state directory and record; the machine is then
   * 'stopped' until start(). Fails without making anything on bad input or an existing id.
   */
  async create(spec: MachineSpec): Promise<MachineStatus> {
    await validateMachineSpec(spec);
    const record: MachineRecord = { spec: structuredClone(spec), createdAt: new Date().toISOString() };
    const dirs = this.directory(spec.id);
    return this.lock.run(spec.id, async () => {
      if (await this.runc.state(spec.id)) {
        throw new MachineRuntimeError('AlreadyExists', `machine ${spec.id} already has a container: clean it up first (cleanup) or pick another id`);
      }
      await mkdir(this.root, { recursive: true, mode: 0o711 });
      await mkdir(dirs.dir, { mode: 0o711 }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EEXIST') throw new MachineRuntimeError('AlreadyExists', `machine ${spec.id} already exists: clean it up first (cleanup) or pick another id`);
        throw error;
      });
      try {
        for (const dir of [dirs.rootfs, dirs.bundle]) await mkdir(dir, { mode: 0o755 });
        await makeWritableLayer(dirs, spec.rootfsSizeBytes);
        await writeFileAtomically(dirs.metadata, `${JSON.stringify(record, null, 2)}\n`);
      } catch (error) {
        await unmountWritableLayer(dirs).catch(() => {});
        await rm(dirs.dir, { recursive: true, force: true });
        throw error;
      }
      return this.describe(spec.id, undefined, record, false);
    });
  }

  /**
   * Starts the machine: mounts its root filesystem, writes its hostname, hosts, keys and init,
   * writes the bundle, and has runc run it, detached. Idempotent: a running machine
   * is left alone, a stopped or killed one is started again with the files it had.
   */
  async start(id: string): Promise<MachineStatus> {
    return this.lock.run(id, async () => {
      const dirs = this.directory(id);
      const record = await this.readRecord(dirs);
      const current = await this.runc.state(id);
      if (current?.status === 'running') return this.describe(id, current, record, true);
      if (current?.status === 'created') {
        await this.runc.start(id);
        return this.describe(id, await this.runc.state(id), record, true);
      }
      if (current) await this.runc.delete(id);
      // The image or the network namespace may have gone since the machine was created.
      await validateMachineSpec(record.spec);
      const { spec } = record;
      try {
        await mountWritableLayer(dirs, spec.rootfsSizeBytes);
        await mountOverlay({ lowerDirs: spec.lowerDirs, upperDir: dirs.upper, workDir: dirs.work, target: dirs.rootfs });
        await writeMachineFiles(dirs.rootfs, spec);
        const imageInit = spec.init === 'image' && (await hasExecutable(dirs.rootfs, '/sbin/init'));
        const config = ociRuntimeConfig({
          spec,
          rootfs: dirs.rootfs,
          initArgs: imageInit ? ['/sbin/init'] : [SLIPWAY_INIT_PATH],
          imageInit,
          stopSignal: stopSignal(imageInit, spec.imageConfig?.StopSignal),
          cgroupsPath: `${this.cgroupParent}/${id}`,
        });
        await writeFileAtomically(dirs.config, `${JSON.stringify(config, null, 2)}\n`);
        const pid = await this.runc.runDetached(id, dirs.bundle, dirs);
        // runc said the init started, with this PID: what `runc state` would report, without another process.
        const started: RuncState = { id, pid, status: 'running', bundle: dirs.bundle, rootfs: dirs.rootfs, created: new Date().toISOString(), annotations: config.annotations };
        return this.describe(id, started, record, true);
      } catch (error) {
        await this.runc.delete(id).catch(() => {});
        await unmountOverlay(dirs.rootfs).catch(() => {});
        await unmountWritableLayer(dirs).catch(() => {});
        throw error;
      }
    });
  }

  /**
   * Stops the machine cleanly: its stop signal (SIGTERM for Slipway's init), SIGKILL if it has
   * not exited after `timeoutMs`; then removes the container and unmounts the root filesystem.
   * The state directory (and so the machine's files) stays. Stopping a stopped machine does nothing.
   */
  async stop(id: string, options: { timeoutMs?: number } = {}): Promise<StopResult> {
    return this.lock.run(id, async () => {
      const dirs = this.directory(id);
      const began = performance.now();
      const current = await this.runc.state(id);
      if (!current && !(await pathExists(dirs.dir))) throw notFound(id);
      let graceful = true;
      if (current?.status === 'running') {
        const signal = Number(current.annotations[STOP_SIGNAL_ANNOTATION]) || constants.signals.SIGTERM;
        await this.runc.kill(id, signal);
        graceful = await this.waitUntilStopped(id, options.timeoutMs ?? this.stopTimeoutMs);
        if (!graceful) {
          await this.runc.kill(id, 'KILL');
          await this.waitUntilStopped(id, KILL_WAIT_MS);
        }
      }
      if (current) await this.runc.delete(id);
      await unmountOverlay(dirs.rootfs);
      await unmountWritableLayer(dirs);
      return { graceful, durationMs: Math.round(performance.now() - began) };
    });
  }

  /** Sends `signal` (default SIGKILL) to the machine's init; nothing happens when it is not running. */
  async kill(id: string, signal: string = 'SIGKILL'): Promise<void> {
    validateMachineId(id);
    const number = signalNumber(signal);
    if (number === undefined) throw new MachineRuntimeError('Invalid', `signal ${JSON.stringify(signal)} is not a signal: give a name like SIGTERM or a number`);
    if (!(await this.runc.state(id)) && !(await pathExists(this.directory(id).dir))) throw notFound(id);
    await this.runc.kill(id, number);
  }

  /** The machine's status; NotFound when Slipway has neither a state directory nor a container for it. */
  async state(id: string): Promise<MachineStatus> {
    const dirs = this.directory(id);
    const container = await this.runc.state(id);
    const record = await this.readRecord(dirs).catch(() => undefined);
    if (!container && !record && !(await pathExists(dirs.dir))) throw notFound(id);
    return this.describe(id, container, record, await isMounted(dirs.rootfs));
  }

  /**
   * Every machine Slipway has here: the containers under its runc root and the state
   * directories under its root, half-made ones included (so a restarted controller can adopt
   * or clean them up). `containers` is runc's list when the caller has just read it.
   */
  async list(containers?: RuncState[]): Promise<MachineStatus[]> {
    const byId = new Map((containers ?? await this.runc.list()).map((state) => [state.id, state]));
    const ids = new Set(byId.keys());
    for (const entry of await readdir(this.root, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && isMachineId(entry.name)) ids.add(entry.name);
    }
    const mountPoints = new Set((await readMounts()).map((entry) => entry.mountPoint));
    const machines: MachineStatus[] = [];
    for (const id of [...ids].sort()) {
      const dirs = this.directory(id);
      const record = await this.readRecord(dirs).catch(() => undefined);
      machines.push(this.describe(id, byId.get(id), record, mountPoints.has(dirs.rootfs)));
    }
    return machines;
  }

  /**
   * Removes everything of the machine, whatever state it is in, half-made included: the
   * container (killed if running), its mounts, its state directory. Safe to repeat.
   */
  async cleanup(id: string): Promise<void> {
    const dirs = this.directory(id);
    await this.lock.run(id, async () => {
      await this.runc.delete(id);
      // Deepest first; the state directory is only removed once nothing is mounted inside it.
      const inside = (await readMounts()).map((entry) => entry.mountPoint).filter((point) => point.startsWith(`${dirs.dir}/`));
      for (const point of [...new Set(inside)].sort((a, b) => b.length - a.length)) await unmountOverlay(point);
      await rm(dirs.dir, { recursive: true, force: true });
    });
  }

  /** Runs `command` inside the running machine as root; returns its exit code and output. */
  async exec(id: string, command: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string' || arg.includes('\0'))) {
      throw new MachineRuntimeError('Invalid', 'exec needs a command: a non-empty list of arguments without NUL characters');
    }
    for (const name of Object.keys(options.env ?? {})) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new MachineRuntimeError('Invalid', `environment variable name ${JSON.stringify(name)} is not valid`);
    }
    const dirs = this.directory(id);
    const current = await this.runc.state(id);
    if (current?.status !== 'running') {
      if (!current && !(await pathExists(dirs.dir))) throw notFound(id);
      throw new MachineRuntimeError('Invalid', `machine ${id} is not running (${current?.status ?? 'stopped'}): start it first`);
    }
    return this.runc.exec(id, command, options, path.join(dirs.dir, `exec-${randomBytes(6).toString('hex')}.log`));
  }

  /**
   * Replaces the machine's extra /etc/hosts lines (its cluster's other machines, say): kept in its
   * record for later starts and, while its root filesystem is mounted, written at once.
   */
  async setHosts(id: string, hosts: HostEntry[]): Promise<void> {
    await this.lock.run(id, async () => {
      const dirs = this.directory(id);
      const record = await this.readRecord(dirs);
      const spec: MachineSpec = { ...record.spec, hosts };
      await validateMachineSpec(spec);
      await writeFileAtomically(dirs.metadata, `${JSON.stringify({ ...record, spec }, null, 2)}\n`);
      if (await isMounted(dirs.rootfs)) await writeMachineFile(dirs.rootfs, '/etc/hosts', hostsFile(spec));
    });
  }

  /** Copies a host file or directory into the machine (running or stopped); see copyIntoMachine. */
  async copyIn(id: string, hostPath: string, machinePath: string, options: { parents?: boolean } = {}): Promise<void> {
    await this.withRootfs(id, (rootfs) => copyIntoMachine(rootfs, hostPath, machinePath, options));
  }

  /** Copies a file or directory out of the machine (running or stopped); see copyOutOfMachine. */
  async copyOut(id: string, machinePath: string, hostPath: string): Promise<void> {
    await this.withRootfs(id, (rootfs) => copyOutOfMachine(rootfs, machinePath, hostPath));
  }

  /** Everything the machine's init has written to its console, across restarts. */
  async logs(id: string): Promise<string> {
    const dirs = this.directory(id);
    if (!(await pathExists(dirs.dir))) throw notFound(id);
    return readConsoleLog(dirs.consoleLog);
  }

  /** The console as it is written; ends when `signal` aborts or the machine is cleaned up. */
  followLogs(id: string, options: FollowOptions = {}): AsyncGenerator<string> {
    return followConsoleLog(this.directory(id).consoleLog, options);
  }

  private async withRootfs(id: string, operation: (rootfs: string) => Promise<void>): Promise<void> {
    await this.lock.run(id, async () => {
      const dirs = this.directory(id);
      const { spec } = await this.readRecord(dirs);
      if (await isMounted(dirs.rootfs)) return operation(dirs.rootfs);
      await mountWritableLayer(dirs, spec.rootfsSizeBytes);
      try {
        await mountOverlay({ lowerDirs: spec.lowerDirs, upperDir: dirs.upper, workDir: dirs.work, target: dirs.rootfs });
        try {
          await operation(dirs.rootfs);
        } finally {
          await unmountOverlay(dirs.rootfs);
        }
      } finally {
        await unmountWritableLayer(dirs);
      }
    });
  }

  private async waitUntilStopped(id: string, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const state = await this.runc.state(id);
      if (!state || state.status === 'stopped') return true;
      if (performance.now() >= deadline) return false;
      await delay(STOP_POLL_MS);
    }
  }

  private async readRecord(dirs: MachineDirectory): Promise<MachineRecord> {
    const text = await readFile(dirs.metadata, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw notFound(path.basename(dirs.dir));
      throw error;
    });
    return JSON.parse(text) as MachineRecord;
  }

  private describe(id: string, container: RuncState | undefined, record: MachineRecord | undefined, rootfsMounted: boolean): MachineStatus {
    const status: MachineStatus = {
      id,
      status: container && container.status !== 'creating' ? container.status : container ? 'created' : 'stopped',
      rootfsMounted,
      hasContainer: container !== undefined,
      labels: record?.spec.labels ?? parseLabels(container?.annotations[LABELS_ANNOTATION]),
    };
    if (container && container.pid > 0 && container.status !== 'stopped') status.pid = container.pid;
    if (record) {
      status.spec = record.spec;
      status.createdAt = record.createdAt;
    }
    return status;
  }
}

function notFound(id: string): MachineRuntimeError {
  return new MachineRuntimeError('NotFound', `machine ${id} does not exist: create it first (or check the id with list)`);
}

function isMachineId(name: string): boolean {
  try {
    validateMachineId(name);
    return true;
  } catch {
    return false;
  }
}

function parseLabels(json: string | undefined): Record<string, string> {
  try {
    return json ? (JSON.parse(json) as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** Whether `machinePath` resolves (inside the machine) to an executable file. */
async function hasExecutable(rootfs: string, machinePath: string): Promise<boolean> {
  const components = await resolveInRoot(rootfs, machinePath);
  if (components.length === 0) return false;
  const dir = await ConfinedDirectory.openComponents(rootfs, components.slice(0, -1)).catch(() => undefined);
  if (!dir) return false;
  try {
    const stats = await dir.lstat(components[components.length - 1]);
    return stats !== undefined && stats.isFile() && (stats.mode & 0o111) !== 0;
  } finally {
    await dir.close();
  }
}

/** Writes via a temporary file and rename, so a crash never leaves a torn record or bundle. */
async function writeFileAtomically(file: string, content: string): Promise<void> {
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, file);
}
