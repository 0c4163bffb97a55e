// The ContainerMachine controller: makes each ContainerMachine a runc machine on this host and keeps
// it as its spec says, as Cluster API's Docker provider and Ignite do for theirs.
//
// Creating, in order, each step recorded before the next so that a crash anywhere resumes where it
// stopped: wait for the cluster's infrastructure and the Machine's bootstrap data (Machines of a
// Cluster); the Network Ready; the Image (made when missing) Ready; a machine id, written to status
// before anything exists under it; an IPAddress; the port forwards (a taken port is PortConflict,
// before any machine is made); the SSH key Secret; the network namespace and veth on the bridge;
// the runtime machine; the files to copy; the start. Then, for a Machine of a Cluster, its
// bootstrap data runs inside, and the machine counts as provisioned once the bootstrap sentinel
// exists. Running machines are looked at every few seconds (one `runc list` for all), so a machine
// whose init died is reported, or started again under restartPolicy Always.
//
// Deleting: the forwards stop, the runtime machine (container, mounts, state) and its network
// namespace and veth are removed, the addresses released, then the finalizer. When this daemon
// starts leading, the host is swept first (host-sweep.ts): what objects claim is adopted, the rest
// removed.
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { KubeObject } from '../../../api/meta.ts';
import type { Cluster } from '../../../api/cluster.x-k8s.io/v1beta2/cluster.ts';
import type { Condition } from '../../../api/cluster.x-k8s.io/v1beta2/common.ts';
import { ConditionType, Reason } from '../../../api/cluster.x-k8s.io/v1beta2/conditions.ts';
import type { Machine } from '../../../api/cluster.x-k8s.io/v1beta2/machine.ts';
import { group as infrastructureGroup } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/common.ts';
import type { ContainerCluster } from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-cluster.ts';
import {
  CONTAINER_PROVIDER_ID_PREFIX, ContainerMachineConditionType, ContainerMachineReason, START_REQUESTED_ANNOTATION, STOP_IMMEDIATELY_ANNOTATION,
  type ContainerMachine, type ContainerMachineStatus,
} from '../../../api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import type { Image } from '../../../api/slipway.dev/v1alpha1/image.ts';
import { ipAddressObjectName } from '../../../api/slipway.dev/v1alpha1/ip-address.ts';
import { DEFAULT_NETWORK_NAME } from '../../../api/slipway.dev/v1alpha1/network.ts';
import { defineController, type ControllerDefinition, type ManagerContext, type ReconcileResult } from '../../../client/controller.ts';
import { isAlreadyExists, isNotFound } from '../../../client/rest-client.ts';
import { clustersResource, machinesResource, objectsOfCluster } from '../../../controllers/cluster/resources.ts';
import { pausedCondition } from '../../../controllers/cluster/paused.ts';
import { findCondition, isConditionTrue, setCondition, type ConditionState } from '../../../controllers/provider-contract/conditions.ts';
import { BootstrapError, hasBootstrapSentinel, runCloudConfig, BOOTSTRAP_SENTINEL } from '../../../machines/cloud-init/index.ts';
import { normalizeReference, type ImageRecord } from '../../../machines/images/index.ts';
import { attachMachine, attachmentName, detachMachine, type MachineAttachment } from '../../../machines/network/attachment.ts';
import { parseSubnet } from '../../../machines/network/subnet.ts';
import { MachineRuntimeError, type MachineStatus } from '../../../machines/runtime/index.ts';
import { clusterOf, hasFinalizer, infrastructureMachineOf, owningMachine, releaseFinalizer, withFinalizer } from '../lifecycle.ts';
import { readBootstrapData } from './bootstrap-data.ts';
import { clusterHostEntries, clusterSiblingsOf, hostsEntryChanged } from './cluster-hosts.ts';
import { clusterNetworkName } from './container-cluster-controller.ts';
import { sweepHost } from './host-sweep.ts';
import { defaultImageFor, imageNameOf } from './image-references.ts';
import { ensureAddress, releaseAddresses, addressesClaimedBy } from './ip-allocation.ts';
import type { MachineHost } from './machine-host.ts';
import { portMappingOf } from './machine-ports.ts';
import type { NetworkObject } from './network-controller.ts';
import { containerClustersResource, containerMachineFinalizer, containerMachinesResource, imagesResource, ipAddressesResource, networksResource } from './resources.ts';
import { MachineLabel, runtimeSpecFor } from './runtime-spec.ts';
import { ensureSshKeySecret } from './ssh-key-secret.ts';

export type ContainerMachineObject = ContainerMachine & KubeObject;
type ImageObject = Image & KubeObject;
type MachineObject = Machine & KubeObject;

/** How often a running machine is looked at, to notice that its init died. */
export const LIVENESS_INTERVAL_MS = 10_000;
const RETRY_MS = 15_000;
/** Parallel reconciles: 20 machines created at once each wait on their own runc, mount and ip commands. */
const CONCURRENCY = 20;

export function containerMachineController(host: MachineHost): ControllerDefinition {
  // One sweep per leadership term, before any machine is touched.
  const sweeps = new WeakMap<AbortSignal, Promise<void>>();
  // What each machine's /etc/hosts lists of its Cluster (by machine id), so it is rewritten only when that changes.
  const writtenHosts = new Map<string, string>();
  const swept = (ctx: ManagerContext) => {
    let sweep = sweeps.get(ctx.signal);
    if (!sweep) sweeps.set(ctx.signal, (sweep = sweepHost(ctx.client, host, ctx.logger).then(() => undefined)));
    return sweep;
  };
  return defineController({
    name: 'containermachine',
    for: containerMachinesResource,
    // A Machine's bootstrap data and failure domain.
    watches: [{ resource: machinesResource, mapFn: infrastructureMachineOf('ContainerMachine') }],
    concurrency: CONCURRENCY,
    reconcile: async (key, ctx) => {
      await swept(ctx).catch((error: unknown) => {
        sweeps.delete(ctx.signal);
        throw error;
      });
      watchDependencies(ctx);
      return new MachineReconcile(key, ctx, host, writtenHosts).run();
    },
  });
}

const keyOf = (obj: KubeObject) => `${obj.metadata.namespace}/${obj.metadata.name}`;

/** Machines waiting for an Image, a Network or a Cluster hear of its changes (found by listing the cache: these change rarely). */
function watchDependencies(ctx: ManagerContext): void {
  const machines = () => ctx.informer<ContainerMachineObject>(containerMachinesResource).list();
  // A pull's progress (written every 250 ms) is the Image's to show; machines hear of its phase.
  ctx.watchResource(imagesResource, (image) => machines().filter((m) => imageNameOf(m.spec.image).includes(image.metadata.name!) || m.status?.image?.reference === (image as ImageObject).status?.reference).map(keyOf),
    (old, obj) => (old as ImageObject).status?.phase !== (obj as ImageObject).status?.phase || old.metadata.deletionTimestamp !== obj.metadata.deletionTimestamp);
  ctx.watchResource(networksResource, (network) => machines().filter((m) => m.status?.network?.name === network.metadata.name || !m.status?.network).map(keyOf));
  ctx.watchResource(containerMachinesResource, clusterSiblingsOf(ctx), hostsEntryChanged);
  ctx.watchResource(clustersResource, (cluster) => objectsOfCluster(ctx.informer<ContainerMachineObject>(containerMachinesResource), keyOf(cluster)).map(keyOf),
    (old, obj) => old.metadata.generation !== obj.metadata.generation || !isDeepStrictEqual((old as Cluster).status?.initialization, (obj as Cluster).status?.initialization));
}

/** A step that cannot finish yet: the reason and message go to the conditions, the reconcile ends there. */
class Waiting extends Error {
  readonly reason: string;
  readonly requeueAfter: number | undefined;
  /** Also record a Warning event (once per reason and message). */
  readonly warn: boolean;

  constructor(reason: string, message: string, requeueAfter?: number, warn = false) {
    super(message);
    this.reason = reason;
    this.requeueAfter = requeueAfter;
    this.warn = warn;
  }
}

class MachineReconcile {
  private machine!: ContainerMachineObject;
  private status!: ContainerMachineStatus;
  private readonly key: string;
  private readonly ctx: ManagerContext;
  private readonly host: MachineHost;
  private readonly logger: Logger;
  private readonly writtenHosts: Map<string, string>;
  /** The object had no finalizer when this reconcile began: nothing was ever made for it on the host. */
  private brandNew = false;

  constructor(key: string, ctx: ManagerContext, host: MachineHost, writtenHosts: Map<string, string>) {
    this.writtenHosts = writtenHosts;
    this.key = key;
    this.ctx = ctx;
    this.host = host;
    this.logger = ctx.logger.child({ containerMachine: key });
  }

  private get generation() {
    return this.machine.metadata.generation;
  }

  private set(state: ConditionState): void {
    this.status.conditions = setCondition(this.status.conditions ?? [], state, this.generation) as Condition[];
  }

  private event(type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.ctx.recorder.event(this.machine, type, reason, message);
  }

  /** Writes status when it changed: a merge patch, since this controller alone writes it and others update the object meanwhile. */
  private async writeStatus(): Promise<void> {
    const previous = this.machine.status ?? {};
    if (isDeepStrictEqual(this.status, previous)) return;
    const removed = Object.keys(previous).filter((field) => !(field in this.status));
    const written = await this.ctx.client.patch<ContainerMachineObject>(containerMachinesResource, this.machine.metadata.name!, {
      status: { ...this.status, ...Object.fromEntries(removed.map((field) => [field, null])) },
    }, { type: 'merge', namespace: this.machine.metadata.namespace, subresource: 'status' });
    this.machine = { ...this.machine, metadata: written.metadata, status: structuredClone(this.status) };
  }

  private get ownerKey(): string {
    return `${this.key}/${this.machine.metadata.uid}`;
  }

  async run(): Promise<ReconcileResult | void> {
    const cached = this.ctx.informer<ContainerMachineObject>(containerMachinesResource).get(this.key);
    if (!cached) return;
    this.machine = cached;
    this.status = { ...structuredClone(cached.status ?? {}), ...(this.generation ? { observedGeneration: this.generation } : {}) };
    if (cached.metadata.deletionTimestamp) return this.delete();

    const paused = pausedCondition(this.machine, await clusterOf(this.ctx, this.machine));
    this.set(paused);
    if (paused.status === 'True') return this.writeStatus();
    if (!hasFinalizer(this.machine, containerMachineFinalizer)) {
      this.brandNew = true;
      const updated = await this.ctx.client.update(containerMachinesResource, { ...this.machine, metadata: withFinalizer(this.machine, containerMachineFinalizer) });
      this.machine = { ...this.machine, metadata: updated.metadata };
    }
    try {
      return await this.reconcile();
    } catch (error) {
      if (!(error instanceof Waiting)) throw error;
      await this.wait(error);
      return error.requeueAfter === undefined ? undefined : { requeueAfter: error.requeueAfter };
    }
  }

  /** Records why the machine is not (yet) where its spec wants it. */
  private async wait(waiting: Waiting): Promise<void> {
    const before = findCondition(this.machine, ConditionType.Ready);
    const state: ConditionState = { type: ConditionType.Ready, status: 'False', reason: waiting.reason, message: waiting.message };
    if (!this.status.initialization?.provisioned) this.set({ ...state, type: ContainerMachineConditionType.Provisioned });
    this.set(state);
    if (waiting.reason === ContainerMachineReason.InvalidSpec || waiting.reason === ContainerMachineReason.CreateFailed) this.status.state = 'Failed';
    else if (!this.status.state) this.status.state = 'Creating';
    await this.writeStatus();
    if (waiting.warn && (before?.reason !== waiting.reason || before.message !== waiting.message)) this.event('Warning', waiting.reason, waiting.message);
  }

  private async reconcile(): Promise<ReconcileResult | void> {
    const { spec } = this.machine;
    const owner = owningMachine(this.ctx, this.machine);
    if (owner) this.waitForCluster(owner);
    if (owner?.spec.failureDomain) this.status.failureDomain = owner.spec.failureDomain;

    const network = this.network(owner);
    const { id, fresh } = await this.machineId();
    let running = !fresh && (await this.host.isRunning(id));
    let current: MachineStatus | undefined;
    if (!running && !fresh) {
      current = await this.host.runtime.state(id).catch((error: unknown) => {
        if (error instanceof MachineRuntimeError && error.reason === 'NotFound') return undefined;
        throw error;
      });
      running = current?.status === 'running';
    }
    // Not there, or half-made by a crash (no record): to be made, from its image. A machine that exists
    // needs its image no more (its layers stay in the store while it lives).
    const toMake = !running && !current?.spec;
    const image = toMake ? await this.image() : undefined;
    if (image) this.status.image = { reference: image.reference, digest: image.digest };
    const address = await this.address(network);
    const attachmentFacts = { machineId: id, bridge: network.spec.bridge, subnet: parseSubnet(network.spec.subnet), address, namePrefix: this.host.namePrefix };
    this.status.network = { name: network.metadata.name!, bridge: network.spec.bridge, ip: address, prefixLength: attachmentFacts.subnet.prefixLength, gateway: attachmentFacts.subnet.gateway };
    const hostname = spec.hostname ?? this.machine.metadata.name!;
    this.status.addresses = [{ type: 'InternalIP', address }, { type: 'Hostname', address: hostname }];
    if (spec.rootfsSize !== undefined) this.status.rootfsSize = spec.rootfsSize;

    const wantRunning = (spec.powerState ?? 'Running') === 'Running';
    // Ports first: a taken one is reported before any machine is made.
    if (wantRunning && (running || !this.staysDown())) await this.forwardPorts(address);
    else {
      await this.host.portForwards.stop(this.ownerKey);
      delete this.status.ports;
    }
    // A machine made now is attached now; start() need not attach it again.
    const attached = image !== undefined;
    if (image) {
      if (current) await this.host.runtime.cleanup(id);
      await this.create(id, image, await attachMachine(attachmentFacts));
    }
    await this.updateClusterHosts(id);

    if (wantRunning && !running) {
      // The providerID is written while the machine starts: one API round trip less before it is Ready.
      const [started] = await Promise.all([this.start(id, attachmentFacts, attached), this.setProviderID(id)]);
      if (!started) return this.finish(false);
      running = true;
    } else {
      await this.setProviderID(id);
      if (!wantRunning) {
        await this.stop(id);
        running = false;
      } else {
        this.status.state = 'Running';
      }
    }
    if (running) await this.bootstrap(owner, id, hostname);
    return this.finish(running);
  }

  /** Machines of a Cluster wait for its infrastructure and for their bootstrap data, as Cluster API's providers do. */
  private waitForCluster(owner: MachineObject): void {
    const cluster = this.ctx.informer<Cluster & KubeObject>(clustersResource).getByName(owner.metadata.namespace, owner.spec.clusterName);
    if (!cluster?.status?.initialization?.infrastructureProvisioned) {
      throw new Waiting(Reason.WaitingForClusterInfrastructureReady, `Waiting for the infrastructure of Cluster ${owner.spec.clusterName} to be provisioned`);
    }
    if (!owner.spec.bootstrap.dataSecretName) {
      throw new Waiting(Reason.WaitingForBootstrapData, `Waiting for the bootstrap data of Machine ${owner.metadata.name}`);
    }
  }

  /** spec.network, else the ContainerCluster's (Machines of a Cluster), else "default"; it must be Ready. */
  private network(owner: MachineObject | undefined): NetworkObject {
    let name = this.machine.spec.network;
    if (!name && owner) {
      const cluster = this.ctx.informer<Cluster & KubeObject>(clustersResource).getByName(owner.metadata.namespace, owner.spec.clusterName);
      const ref = cluster?.spec.infrastructureRef;
      const infra = ref?.kind === 'ContainerCluster' && ref.apiGroup === infrastructureGroup
        ? this.ctx.informer<ContainerCluster & KubeObject>(containerClustersResource).getByName(owner.metadata.namespace, ref.name)
        : undefined;
      if (infra) name = clusterNetworkName(infra);
    }
    name ??= DEFAULT_NETWORK_NAME;
    const network = this.ctx.informer<NetworkObject>(networksResource).get(name);
    if (!network) throw new Waiting(ContainerMachineReason.WaitingForNetwork, `Network ${name} does not exist: create it, or name an existing one in spec.network`, undefined, true);
    if (!isConditionTrue(network, ConditionType.Ready)) {
      throw new Waiting(ContainerMachineReason.WaitingForNetwork, `Network ${name} is not ready: ${findCondition(network, ConditionType.Ready)?.message || 'its bridge is being made'}`);
    }
    return network;
  }

  /** The image in the store: its Image object is made (a pull from the reference's registry) when missing, and must be Ready. */
  private async image(): Promise<ImageRecord> {
    const reference = normalizeReference(this.machine.spec.image);
    const images = this.ctx.informer<ImageObject>(imagesResource);
    const [name] = imageNameOf(reference);
    let image = images.get(name) ?? images.list().find((i) => i.status?.reference === reference);
    if (!image) {
      image = await this.ctx.client.create<ImageObject>(imagesResource, defaultImageFor(this.machine.spec.image)).catch((error: unknown) => {
        if (isAlreadyExists(error)) return undefined;
        throw error;
      });
      if (image) this.event('Normal', 'Pulling', `Created Image ${name} to pull ${reference}`);
      throw new Waiting(ContainerMachineReason.WaitingForImage, `Waiting for image ${reference} to be pulled`);
    }
    if (image.status?.phase !== 'Ready') {
      const ready = findCondition(image, ConditionType.Ready);
      if (image.status?.phase === 'Failed') {
        throw new Waiting(ready?.reason === 'ImageNotFound' ? ContainerMachineReason.ImageNotFound : ContainerMachineReason.WaitingForImage, `Image ${image.metadata.name} failed: ${ready?.message ?? 'unknown error'}`, undefined, true);
      }
      throw new Waiting(ContainerMachineReason.WaitingForImage, `Waiting for image ${reference}: ${image.status?.phase ?? 'Pending'} (Image ${image.metadata.name})`);
    }
    const record = await this.host.images.find(reference);
    if (!record) throw new Waiting(ContainerMachineReason.WaitingForImage, `Image ${reference} is Ready but not in this daemon's image store yet`, RETRY_MS);
    return record;
  }

  /**
   * The machine's runtime id: the one in status, or one the runtime labelled with this object's uid
   * (made before a crash kept status from recording it), or a new one — written to status before any
   * machine exists under it. `fresh` when it is new: nothing exists under it yet.
   */
  private async machineId(): Promise<{ id: string; fresh: boolean }> {
    if (this.status.machineID) return { id: this.status.machineID, fresh: false };
    // Nothing is made for an object before its finalizer is written, so a brand-new one has nothing to
    // adopt. Otherwise only this reconcile makes a machine for this uid: runc's list of a moment ago is recent enough.
    const adopted = this.brandNew ? undefined : (await this.host.runtime.list(await this.host.containers())).find((m) => m.labels[MachineLabel.uid] === this.machine.metadata.uid);
    this.status.machineID = adopted?.id ?? randomBytes(8).toString('hex');
    this.status.state = 'Creating';
    this.set({ type: ContainerMachineConditionType.Provisioned, status: 'False', reason: ContainerMachineReason.Creating, message: `Creating machine ${this.status.machineID}` });
    this.set({ type: ConditionType.Ready, status: 'False', reason: ContainerMachineReason.Creating, message: `Creating machine ${this.status.machineID}` });
    await this.writeStatus();
    return { id: this.status.machineID, fresh: adopted === undefined };
  }

  /** The machine's address on the Network (any other it holds, from an interrupted allocation, is released). */
  private async address(network: NetworkObject): Promise<string> {
    const known = this.status.network?.name === network.metadata.name ? this.status.network?.ip : undefined;
    let address: string;
    try {
      address = (await ensureAddress(this.ctx, network, this.machine, known)).spec.address;
    } catch (error) {
      if (/has no free address/.test((error as Error).message)) throw new Waiting(ContainerMachineReason.AddressesExhausted, (error as Error).message, RETRY_MS, true);
      throw error;
    }
    const extra = addressesClaimedBy(this.ctx, this.machine.metadata.uid!).filter((a) => a.spec.address !== address || a.spec.network !== network.metadata.name);
    for (const other of extra) {
      await this.ctx.client.delete(ipAddressesResource, other.metadata.name!, { preconditions: { uid: other.metadata.uid } }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
    return address;
  }

  private async forwardPorts(address: string): Promise<void> {
    const ports = this.machine.spec.ports ?? [];
    try {
      await this.host.portForwards.ensure(this.ownerKey, ports.map(portMappingOf), address);
    } catch (error) {
      delete this.status.ports;
      throw new Waiting(ContainerMachineReason.PortConflict, (error as Error).message, RETRY_MS, true);
    }
    const active = ports.map((p) => ({ hostIP: p.hostIP ?? '127.0.0.1', hostPort: p.hostPort, machinePort: p.machinePort, protocol: p.protocol ?? 'TCP' }));
    if (active.length > 0) this.status.ports = active;
    else delete this.status.ports;
  }

  private async create(id: string, image: ImageRecord, attachment: MachineAttachment): Promise<void> {
    const keys = [...(this.machine.spec.ssh?.authorizedKeys ?? [])];
    if (this.machine.spec.ssh?.generateKey) {
      const secret = await ensureSshKeySecret(this.ctx, this.machine);
      keys.push(secret.publicKey);
      this.status.sshKeySecretRef = { name: secret.name };
    }
    const layers = await this.host.images.layerDirs(image);
    // The Cluster's other machines go into the machine as it is made, rather than in a second write of its record.
    const hosts = clusterHostEntries(this.ctx, this.machine);
    try {
      await this.host.runtime.create(runtimeSpecFor({ machine: this.machine, id, layers, attachment, sshAuthorizedKeys: keys, hosts }));
      this.writtenHosts.set(id, JSON.stringify(hosts));
    } catch (error) {
      if (error instanceof MachineRuntimeError && error.reason === 'Invalid') throw new Waiting(ContainerMachineReason.InvalidSpec, error.message, undefined, true);
      throw error;
    }
    this.event('Normal', 'Created', `Created machine ${id} from ${image.reference} at ${attachment.address}`);
  }

  /** The Cluster's other machines in /etc/hosts (kept for later starts, written now if it runs), when they changed since last written. */
  private async updateClusterHosts(id: string): Promise<void> {
    const hosts = clusterHostEntries(this.ctx, this.machine);
    const text = JSON.stringify(hosts);
    if (this.writtenHosts.get(id) === text) return;
    await this.host.runtime.setHosts(id, hosts);
    this.writtenHosts.set(id, text);
  }

  private async setProviderID(id: string): Promise<void> {
    const providerID = `${CONTAINER_PROVIDER_ID_PREFIX}${id}`;
    if (this.machine.spec.providerID === providerID) return;
    // Set once, by this controller only: a merge patch needs no resourceVersion the Machine controller may have moved on.
    const written = await this.ctx.client.patch<ContainerMachineObject>(containerMachinesResource, this.machine.metadata.name!, { spec: { providerID } }, { type: 'merge', namespace: this.machine.metadata.namespace });
    const generation = written.metadata.generation;
    // When the new generation is this patch alone, this reconcile has observed it: its status says so,
    // and the reconcile that follows (its own status write) finds nothing to write.
    if (generation !== undefined && generation === (this.generation ?? 0) + 1) {
      this.status.observedGeneration = generation;
      this.status.conditions = this.status.conditions?.map((condition) => ({ ...condition, observedGeneration: generation }));
    }
    this.machine = { ...this.machine, metadata: written.metadata, spec: written.spec };
  }

  /**
   * Starts the machine unless its init died and restartPolicy Never keeps it down (then it is reported
   * Stopped, reason Died, until slipway.dev/start-requested asks for it). Returns whether it runs.
   */
  /** Whether a machine that is not running died (it ran when last seen, or was reported Died). */
  private died(): boolean {
    return this.status.state === 'Running' || findCondition(this.machine, ConditionType.Ready)?.reason === ContainerMachineReason.Died;
  }

  /** Whether a machine that is not running stays down: it died, restartPolicy is Never, and no start was requested. */
  private staysDown(): boolean {
    return this.died() && (this.machine.spec.restartPolicy ?? 'Never') === 'Never' && this.machine.metadata.annotations?.[START_REQUESTED_ANNOTATION] === undefined;
  }

  private async start(id: string, attachmentFacts: Parameters<typeof attachMachine>[0], attached: boolean): Promise<boolean> {
    const died = this.died();
    const requested = this.machine.metadata.annotations?.[START_REQUESTED_ANNOTATION] !== undefined;
    if (this.staysDown()) {
      const message = `The machine's init exited; restartPolicy Never leaves it stopped (annotate it ${START_REQUESTED_ANNOTATION}=true to start it again)`;
      if (this.status.state === 'Running') this.event('Warning', ContainerMachineReason.Died, message);
      this.status.state = 'Stopped';
      this.set({ type: ConditionType.Ready, status: 'False', reason: ContainerMachineReason.Died, message });
      return false;
    }
    // After a host reboot the namespace and veth are gone with the machine.
    if (!attached) await attachMachine(attachmentFacts);
    if (!this.status.startedAt) {
      for (const copy of this.machine.spec.copyFiles ?? []) {
        try {
          // As Ignite's --copy-files: the machine path's missing directories are made.
          await this.host.runtime.copyIn(id, copy.hostPath, copy.machinePath, { parents: true });
        } catch (error) {
          throw new Waiting(ContainerMachineReason.CreateFailed, `copying ${copy.hostPath} to ${copy.machinePath} failed: ${(error as Error).message}`, RETRY_MS, true);
        }
      }
    }
    try {
      await this.host.runtime.start(id);
    } catch (error) {
      this.host.invalidateRunning();
      throw new Waiting(ContainerMachineReason.CreateFailed, `starting machine ${id} failed: ${(error as Error).message}`, RETRY_MS, true);
    }
    this.host.noteStarted(id);
    this.status.startedAt = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.status.state = 'Running';
    this.event('Normal', died ? 'Restarted' : 'Started', died ? `Machine ${id} died and was started again (restartPolicy ${this.machine.spec.restartPolicy ?? 'Never'})` : `Started machine ${id}`);
    if (requested) await this.removeAnnotation(START_REQUESTED_ANNOTATION);
    return true;
  }

  private async stop(id: string): Promise<void> {
    const immediately = this.machine.metadata.annotations?.[STOP_IMMEDIATELY_ANNOTATION] === 'true';
    const wasRunning = this.status.state === 'Running';
    if (immediately) await this.host.runtime.kill(id, 'SIGKILL').catch(() => undefined);
    const result = await this.host.runtime.stop(id);
    this.host.invalidateRunning();
    this.status.state = 'Stopped';
    if (wasRunning) this.event('Normal', 'Stopped', immediately ? `Killed machine ${id}` : `Stopped machine ${id} in ${result.durationMs} ms${result.graceful ? '' : ' (killed after the grace period)'}`);
    if (this.machine.metadata.annotations?.[STOP_IMMEDIATELY_ANNOTATION] !== undefined) await this.removeAnnotation(STOP_IMMEDIATELY_ANNOTATION);
  }

  private async removeAnnotation(name: string): Promise<void> {
    const written = await this.ctx.client.patch<ContainerMachineObject>(containerMachinesResource, this.machine.metadata.name!, { metadata: { annotations: { [name]: null } } }, { type: 'merge', namespace: this.machine.metadata.namespace });
    this.machine = { ...this.machine, metadata: written.metadata };
  }

  /** Runs a Machine's bootstrap data once, after the first start; the result is sticky (a later restart does not run it again). */
  private async bootstrap(owner: MachineObject | undefined, id: string, hostname: string): Promise<void> {
    if (!owner?.spec.bootstrap.dataSecretName) return;
    const previous = findCondition(this.machine, ContainerMachineConditionType.BootstrapExecSucceeded);
    if (previous?.status === 'True' || previous?.reason === ContainerMachineReason.BootstrapFailed) return;
    this.set({ type: ContainerMachineConditionType.BootstrapExecSucceeded, status: 'False', reason: ContainerMachineReason.Bootstrapping, message: `Running the bootstrap data of Secret ${owner.spec.bootstrap.dataSecretName}` });
    await this.writeStatus();
    const machineExec = { exec: (command: string[], options?: Parameters<MachineHost['runtime']['exec']>[2]) => this.host.runtime.exec(id, command, options) };
    try {
      const config = await readBootstrapData(this.ctx, owner, hostname);
      await runCloudConfig(machineExec, config, { onAction: (action) => this.logger.debug({ action }, 'bootstrap') });
      if (!(await hasBootstrapSentinel(machineExec))) {
        throw new Error(`the bootstrap data ran to its end without writing ${BOOTSTRAP_SENTINEL}, which Cluster API bootstrap data writes last`);
      }
      this.set({ type: ContainerMachineConditionType.BootstrapExecSucceeded, status: 'True', reason: ContainerMachineReason.BootstrapSucceeded, message: `${BOOTSTRAP_SENTINEL} exists${config.ignored.length ? `; not run: ${config.ignored.join(', ')}` : ''}` });
      this.event('Normal', ContainerMachineReason.BootstrapSucceeded, `Bootstrap data of Secret ${owner.spec.bootstrap.dataSecretName} ran`);
    } catch (error) {
      if (isNotFound(error)) throw new Waiting(Reason.WaitingForBootstrapData, `Bootstrap data Secret ${owner.spec.bootstrap.dataSecretName} does not exist yet`, RETRY_MS);
      const message = error instanceof BootstrapError ? `bootstrap ${error.message}` : (error as Error).message;
      this.set({ type: ContainerMachineConditionType.BootstrapExecSucceeded, status: 'False', reason: ContainerMachineReason.BootstrapFailed, message });
      this.event('Warning', ContainerMachineReason.BootstrapFailed, message);
    }
  }

  /** The conditions that sum up the reconcile, status written; running machines are looked at again later. */
  private async finish(running: boolean): Promise<ReconcileResult | void> {
    const bootstrap = findCondition({ ...this.machine, status: this.status }, ContainerMachineConditionType.BootstrapExecSucceeded);
    const needsBootstrap = bootstrap !== undefined;
    if (running && (!needsBootstrap || bootstrap.status === 'True')) this.status.initialization = { provisioned: true };
    if (this.status.initialization?.provisioned) {
      this.set({ type: ContainerMachineConditionType.Provisioned, status: 'True', reason: Reason.Provisioned, message: `Machine ${this.status.machineID} at ${this.status.network?.ip}` });
    } else if (needsBootstrap && running) {
      this.set({ type: ContainerMachineConditionType.Provisioned, status: 'False', reason: bootstrap.reason, message: bootstrap.message });
    }
    if (needsBootstrap && bootstrap.reason === ContainerMachineReason.BootstrapFailed) {
      this.status.state = 'Failed';
      this.set({ type: ConditionType.Ready, status: 'False', reason: ContainerMachineReason.BootstrapFailed, message: bootstrap.message });
    } else if (running && this.status.initialization?.provisioned) {
      this.set({ type: ConditionType.Ready, status: 'True', reason: ContainerMachineReason.Running, message: `Running at ${this.status.network?.ip}` });
    } else if (running) {
      this.set({ type: ConditionType.Ready, status: 'False', reason: bootstrap?.reason ?? ContainerMachineReason.Running, message: bootstrap?.message ?? '' });
    } else if (findCondition({ ...this.machine, status: this.status }, ConditionType.Ready)?.reason !== ContainerMachineReason.Died) {
      this.set({ type: ConditionType.Ready, status: 'False', reason: ContainerMachineReason.Stopped, message: 'The machine is stopped (spec.powerState Stopped)' });
    }
    await this.writeStatus();
    return running ? { requeueAfter: LIVENESS_INTERVAL_MS } : undefined;
  }

  private async delete(): Promise<void> {
    if (!hasFinalizer(this.machine, containerMachineFinalizer)) return;
    this.status.state = 'Deleting';
    this.set({ type: ConditionType.Ready, status: 'False', reason: ContainerMachineReason.Deleting, message: 'Removing the machine from the host' });
    await this.writeStatus().catch((error: unknown) => { if (!isNotFound(error)) throw error; });
    await this.host.portForwards.stop(this.ownerKey);
    const ids = new Set((await this.host.runtime.list()).filter((m) => m.labels[MachineLabel.uid] === this.machine.metadata.uid).map((m) => m.id));
    if (this.status.machineID) ids.add(this.status.machineID);
    for (const id of ids) {
      this.writtenHosts.delete(id);
      await this.host.runtime.cleanup(id);
      await detachMachine(attachmentName(id, this.host.namePrefix));
    }
    this.host.invalidateRunning();
    const network = this.status.network;
    await releaseAddresses(this.ctx, this.machine.metadata.uid!, network ? [ipAddressObjectName(network.name, network.ip)] : []);
    await releaseFinalizer(this.ctx, containerMachinesResource, this.machine, containerMachineFinalizer,
      `Machine ${[...ids].join(', ') || '(never made)'} removed: container, mounts, network namespace, veth and address`);
  }
}
