// A whole Slipway with container machines for the provider's tests: its own namespace, name prefix
// (netns and veths), Network (its own bridge and a free /24 in 10.217.0.0/16) and Image (the Debian
// test rootfs imported from an archive through the API). After the test — passed or failed — every
// machine is deleted through the API, then whatever might remain on the host (containers, mounts,
// network namespaces, veths, the bridge) is removed by force before the data directory goes. Slipway
// runs in the test's process, or in a child process for tests that SIGKILL it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { KubeObject } from '../../src/api/meta.ts';
import type { ContainerMachine } from '../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/container-machine.ts';
import { imageObjectName } from '../../src/api/slipway.dev/v1alpha1/image.ts';
import type { IPAddress } from '../../src/api/slipway.dev/v1alpha1/ip-address.ts';
import { secretsResource } from '../../src/client/resources.ts';
import { isNotFound, type RestClient } from '../../src/client/rest-client.ts';
import { startSlipway, type RunningSlipway } from '../../src/daemon/daemon.ts';
import { normalizeReference } from '../../src/machines/images/index.ts';
import { detachMachine, listAttachments } from '../../src/machines/network/attachment.ts';
import { removeBridge } from '../../src/machines/network/bridge.ts';
import type { Subnet } from '../../src/machines/network/subnet.ts';
import { MachineRuntime } from '../../src/machines/runtime/index.ts';
import { readMounts } from '../../src/machines/runtime/mountinfo.ts';
import { sshCommand } from '../../src/machines/ssh/ssh-command.ts';
import { RestClient as Client } from '../../src/client/rest-client.ts';
import { namespacesResource } from '../../src/client/resources.ts';
import { containerMachinesResource, imagesResource, ipAddressesResource, networksResource } from '../../src/providers/infrastructure/container/resources.ts';
import { debianImageArchive, DEBIAN_ETCD_TEST_IMAGE, DEBIAN_TEST_IMAGE } from './debian-image.ts';
import { startSlipwayProcess, type SlipwayProcess } from './slipway-process.ts';
import { until } from './until.ts';
import { freeTestSubnet, testNamePrefix } from '../machines/support/network.ts';

const run = promisify(execFile);
export type ContainerMachineObject = ContainerMachine & KubeObject;
export const TEST_CGROUP_PARENT = 'slipway-test';

export interface Leftovers {
  containers: string[];
  stateDirectories: string[];
  mounts: string[];
  attachments: string[];
  addresses: string[];
}

export class ContainerTestEnv {
  client!: RestClient;
  /** Slipway in the test's process, or (inProcess false) in a child process it can SIGKILL. */
  readonly inProcess: boolean;
  private slipway: RunningSlipway | undefined;
  private process: SlipwayProcess | undefined;
  readonly namespace: string;
  readonly dataDir: string;
  readonly prefix: string;
  readonly bridge: string;
  readonly network: string;
  readonly subnet: Subnet;
  /** The image machines use, imported from the Debian archive. */
  readonly image: typeof DEBIAN_TEST_IMAGE | typeof DEBIAN_ETCD_TEST_IMAGE;
  /** A view of the daemon's runtime root, for checks (list, exec); never for changes while the daemon runs. */
  readonly runtime: MachineRuntime;
  private readonly keyDir: string;

  constructor(namespace: string, dataDir: string, prefix: string, subnet: Subnet, keyDir: string, inProcess: boolean, image: ContainerTestEnv['image'] = DEBIAN_TEST_IMAGE) {
    this.inProcess = inProcess;
    this.image = image;
    this.namespace = namespace;
    this.dataDir = dataDir;
    this.prefix = prefix;
    this.bridge = `slwt-c${prefix}`;
    this.network = `net-${prefix}`;
    this.subnet = subnet;
    this.keyDir = keyDir;
    this.runtime = new MachineRuntime({ root: path.join(dataDir, 'machines'), cgroupParent: TEST_CGROUP_PARENT });
  }

  /** Starts (or restarts, on the same data directory) Slipway with this test's machine options. */
  async start(): Promise<void> {
    const machines = { defaultNetwork: false as const, namePrefix: this.prefix, cgroupParent: TEST_CGROUP_PARENT };
    if (this.inProcess) {
      this.slipway = await startSlipway({ dataDir: this.dataDir, port: 0, logLevel: process.env.SLIPWAY_TEST_LOG ?? 'warn', machines });
      this.client = new Client({ server: this.slipway.url, caCert: this.slipway.caCert, token: this.slipway.adminToken, namespace: this.namespace });
    } else {
      this.process = await startSlipwayProcess(this.dataDir, { controllers: true, machines, exposeGc: true });
      this.client = new Client({ server: this.process.url, caCert: this.process.caCert, token: this.process.token, namespace: this.namespace });
    }
  }

  async stop(): Promise<void> {
    this.client?.close();
    await this.slipway?.stop();
    await this.process?.stop();
    this.slipway = this.process = undefined;
  }

  /** The pid of the Slipway process (inProcess false). */
  get pid(): number {
    assert.ok(this.process, 'Slipway runs in the test process');
    return this.process.pid;
  }

  /** Has the Slipway process (inProcess false) collect garbage. */
  collectGarbage(): void {
    assert.ok(this.process, 'Slipway runs in the test process');
    this.process.child.kill('SIGUSR2');
  }

  /** SIGKILLs the Slipway process (inProcess false): machines, mounts and namespaces stay as they are. */
  async kill(): Promise<void> {
    assert.ok(this.process, 'only a Slipway in its own process can be killed');
    this.client.close();
    await this.process.kill();
    this.process = undefined;
  }

  machine(name: string, spec: Partial<ContainerMachine['spec']> = {}, metadata: Partial<KubeObject['metadata']> = {}): ContainerMachineObject {
    return {
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachine',
      metadata: { name, namespace: this.namespace, ...metadata },
      spec: { image: this.image, network: this.network, resources: { cpus: '500m', memory: '256Mi' }, ...spec },
    } as ContainerMachineObject;
  }

  async get(name: string): Promise<ContainerMachineObject> {
    return this.client.get<ContainerMachineObject>(containerMachinesResource, name, this.namespace);
  }

  /** Waits until the machine satisfies `check`, failing with its last conditions. */
  async waitFor(name: string, what: string, check: (m: ContainerMachineObject) => boolean, timeoutMs = 90_000): Promise<ContainerMachineObject> {
    return until(`${name}: ${what}`, async () => {
      const machine = await this.get(name);
      if (check(machine)) return machine;
      throw new Error(`state ${machine.status?.state}; conditions ${JSON.stringify(machine.status?.conditions?.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`))}`);
    }, timeoutMs);
  }

  waitReady(name: string, timeoutMs?: number): Promise<ContainerMachineObject> {
    return this.waitFor(name, 'Ready', (m) => m.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, timeoutMs);
  }

  async waitGone(name: string, timeoutMs = 60_000): Promise<void> {
    await until(`${name} to be deleted`, async () => this.get(name).then(() => false, (error: unknown) => isNotFound(error)), timeoutMs);
  }

  /** Runs `command` over SSH as root with the machine's generated key (Secret <name>-ssh-key). */
  async ssh(name: string, command: string[], options: { port?: number; address?: string } = {}): Promise<string> {
    const machine = await this.get(name);
    const secret = await this.client.get<KubeObject & { data: Record<string, string> }>(secretsResource, `${name}-ssh-key`, this.namespace);
    const keyPath = path.join(this.keyDir, name);
    await writeFile(keyPath, Buffer.from(secret.data['ssh-privatekey'], 'base64'), { mode: 0o600 });
    const argv = sshCommand({ privateKeyPath: keyPath, address: options.address ?? machine.status!.network!.ip, ...(options.port ? { port: options.port } : {}), command, tty: false });
    const { stdout } = await run(argv[0], argv.slice(1), { timeout: 30_000 });
    return stdout;
  }

  /** Whatever of this test's machines is on the host (works while Slipway is down). */
  async hostLeftovers(): Promise<Omit<Leftovers, 'addresses'>> {
    const machines = await this.runtime.list();
    const root = path.join(this.dataDir, 'machines');
    return {
      containers: machines.filter((m) => m.hasContainer).map((m) => m.id),
      stateDirectories: machines.map((m) => m.id),
      mounts: (await readMounts()).map((m) => m.mountPoint).filter((point) => point.startsWith(`${root}/`)),
      attachments: (await listAttachments(this.prefix)).map((a) => a.name),
    };
  }

  /** Whatever of this test's machines is on the host or allocated in the API. */
  async leftovers(): Promise<Leftovers> {
    const addresses = (await this.client.listAll<IPAddress & KubeObject>(ipAddressesResource)).items.filter((a) => a.spec.network === this.network).map((a) => a.spec.address);
    return { ...(await this.hostLeftovers()), addresses };
  }

  async assertNothingLeft(): Promise<void> {
    assert.deepEqual(await this.leftovers(), { containers: [], stateDirectories: [], mounts: [], attachments: [], addresses: [] });
  }

  /** Removes, by force, everything a test may have left on the host; for t.after. */
  async tearDown(): Promise<void> {
    if (this.client) {
      const machines = (await this.client.listAll<ContainerMachineObject>(containerMachinesResource, { namespace: this.namespace }).catch(() => ({ items: [] }))).items;
      await Promise.all(machines.map((m) => this.client.delete(containerMachinesResource, m.metadata.name!, { namespace: this.namespace }).catch(() => undefined)));
      await Promise.all(machines.map((m) => this.waitGone(m.metadata.name!, 60_000).catch(() => undefined)));
    }
    await this.stop().catch(() => undefined);
    for (const machine of await this.runtime.list().catch(() => [])) await this.runtime.cleanup(machine.id).catch(() => undefined);
    for (const attachment of await listAttachments(this.prefix).catch(() => [])) await detachMachine(attachment.name).catch(() => undefined);
    await removeBridge(this.bridge).catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
    await rm(this.keyDir, { recursive: true, force: true });
  }
}

export interface ContainerEnvOptions {
  namespace: string;
  /** This test file's own range of /24s (0–7) in 10.<range>.0.0/16. */
  slot: number;
  /** The second octet of the test area's /16 (default 217). */
  range?: number;
  /** The Debian image variant (with etcd-server for etcd members). */
  image?: ContainerTestEnv['image'];
  /** Slipway in the test's process (default) or in a child process. */
  inProcess?: boolean;
}

/**
 * Starts Slipway with container machines, creates the namespace, the Network and the Debian Image
 * (with etcd-server when asked), and waits for both to be Ready. `onTearDown` gets the clean-up
 * first, so a failed set-up is cleaned up too.
 */
export async function openContainerEnv(options: ContainerEnvOptions, onTearDown: (tearDown: () => Promise<void>) => void): Promise<ContainerTestEnv> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `slipway-${options.namespace}-`));
  const keyDir = await mkdtemp(path.join(tmpdir(), `slipway-${options.namespace}-keys-`));
  const env = new ContainerTestEnv(options.namespace, dataDir, testNamePrefix(), await freeTestSubnet(options.slot, options.range ?? 217), keyDir, options.inProcess ?? true, options.image);
  onTearDown(() => env.tearDown());
  const archive = await debianImageArchive(env.image);
  await env.start();
  await env.client.create(namespacesResource, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: options.namespace } });
  await env.client.create(networksResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Network', metadata: { name: env.network }, spec: { bridge: env.bridge, subnet: env.subnet.cidr } });
  const imageName = imageObjectName(normalizeReference(env.image));
  await env.client.create(imagesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name: imageName }, spec: { reference: env.image, source: { archive: { path: archive } } } });
  await until('the Network and the Image to be Ready', async () => {
    const ready = async (resource: typeof networksResource, name: string) => {
      const obj = await env.client.get<KubeObject & { status?: { conditions?: { type: string; status: string; message?: string }[] } }>(resource, name);
      const condition = obj.status?.conditions?.find((c) => c.type === 'Ready');
      if (condition?.status !== 'True') throw new Error(`${resource.kind} ${name}: ${condition?.message ?? 'no Ready condition yet'}`);
      return true;
    };
    return (await ready(networksResource, env.network)) && (await ready(imagesResource, imageName));
  }, 120_000);
  return env;
}

/** openContainerEnv for a test: torn down after it, passed or failed. */
export function startContainerTestEnv(t: TestContext, options: ContainerEnvOptions): Promise<ContainerTestEnv> {
  return openContainerEnv(options, (tearDown) => t.after(tearDown));
}
