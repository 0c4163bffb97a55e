// Machine start benchmark: `slipway run --ssh` until an SSH command has run in the new machine, beside
// the same done by hand — a bare `runc run` of an equivalent bundle — in the same script, the two
// interleaved run by run so drift in the machine's load touches both alike.
//   slipway:   `slipway run IMAGE --ssh=KEY.pub --memory 256MB` (a CLI process against a Slipway in its
//              own process), the machine's address read from the API, then `ssh … root@ADDRESS true`
//   reference: the same Debian rootfs (the image's unpacked layer in Slipway's store) on overlayfs,
//              a network namespace with a veth on the same bridge (two `ip -batch` processes, as
//              Slipway's: namespace and host side, then the inside), a config.json from `runc spec`
//              with the same memory limit and capabilities, dropbear as the init, `runc run -d`,
//              then the same `ssh … true`
//   Also timed: `slipway ps`, a CLI process with one API request, the command's own share of a run.
//   node bench/machine-run.ts [--runs N]
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConnectionConfig } from '../src/client/kubeconfig.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { containerMachines } from '../src/cli/machine-resources.ts';
import type { MachineObject } from '../src/cli/object-lookup.ts';
import { machineCapabilities } from '../src/machines/runtime/capabilities.ts';
import { readMounts } from '../src/machines/runtime/mountinfo.ts';
import { debianImageArchive, DEBIAN_TEST_IMAGE } from '../test/support/debian-image.ts';
import { TEST_CGROUP_PARENT } from '../test/machines/runtime/support.ts';
import { cleanUpNetwork, freeTestSubnet, testNamePrefix } from '../test/machines/support/network.ts';
import { runSlipway } from '../test/support/slipway-cli.ts';
import { startSlipwayProcess } from '../test/support/slipway-process.ts';
import { fmt, percentile } from './lib.ts';

const exec = promisify(execFile);
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 20;
const MEMORY_BYTES = 256 * 2 ** 20;
const SSH_DEADLINE_MS = 30_000;
const note = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

const work = await mkdtemp(path.join(tmpdir(), 'slipway-bench-run-'));
const dataDir = path.join(work, 'data');
const prefix = testNamePrefix();
const referencePrefix = `r${prefix.slice(1)}`;
const bridge = `slwt-d${prefix}`;
const subnet = await freeTestSubnet(4, 218);
const key = path.join(work, 'key');
const runcRoot = path.join(work, 'runc');

/** `ssh -i KEY root@ADDRESS true`, retried while the server is not up yet; the same command for both. */
async function sshTrue(address: string): Promise<number> {
  const deadline = Date.now() + SSH_DEADLINE_MS;
  for (let attempts = 1; ; attempts++) {
    const ok = await new Promise<boolean>((resolve) => {
      const child = spawn('ssh', ['-i', key, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=2', `root@${address}`, 'true'], { stdio: 'ignore' });
      child.once('close', (code) => resolve(code === 0));
    });
    if (ok) return attempts;
    if (Date.now() > deadline) throw new Error(`ssh to ${address} did not succeed within ${SSH_DEADLINE_MS / 1000} s`);
    await sleep(20);
  }
}

async function slipway(args: string[]): Promise<string> {
  const result = await runSlipway(['--data-dir', dataDir, ...args], { timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`slipway ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const daemon = await startSlipwayProcess(dataDir, { controllers: true, machines: { defaultNetwork: { subnet: subnet.cidr, bridge }, namePrefix: prefix, cgroupParent: TEST_CGROUP_PARENT } });
const client = new RestClient(await loadConnectionConfig(path.join(dataDir, 'kubeconfig')));
const references: string[] = [];
try {
  await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-bench', '-f', key]);
  await mkdir(runcRoot);
  note('importing the Debian image');
  await slipway(['image', 'import', await debianImageArchive(), '--reference', DEBIAN_TEST_IMAGE]);
  const layers = path.join(dataDir, 'images', 'layers', 'sha256');
  const [layer] = await readdir(layers);
  const lowerDir = path.join(layers, layer);
  const runcSpec = JSON.parse(await exec('runc', ['spec', '--bundle', work]).then(() => readFile(path.join(work, 'config.json'), 'utf8')));

  /** One Slipway machine, from the CLI call to a completed SSH command; removed afterwards (not timed). */
  async function slipwayRun(i: number): Promise<{ total: number; run: number }> {
    const name = `bench-${i}`;
    const t0 = performance.now();
    await slipway(['run', DEBIAN_TEST_IMAGE, '--name', name, `--ssh=${key}.pub`, '--memory', '256MB']);
    const run = performance.now() - t0;
    const machine = await client.get<MachineObject>(containerMachines, name, 'default');
    await sshTrue(machine.status!.network!.ip);
    const total = performance.now() - t0;
    await slipway(['rm', '-f', name]);
    return { total: total / 1000, run: run / 1000 };
  }

  /** The same by hand with runc; torn down afterwards (not timed). */
  async function referenceRun(i: number): Promise<number> {
    const id = `bench-ref-${i}`;
    const bundle = path.join(work, id);
    const rootfs = path.join(bundle, 'rootfs');
    const netns = `${referencePrefix}-${i}`;
    const address = `${subnet.network.split('.').slice(0, 3).join('.')}.${200 + i}`;
    references.push(id);
    const t0 = performance.now();
    for (const dir of ['upper', 'work', 'rootfs']) await mkdir(path.join(bundle, dir), { recursive: true });
    await exec('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowerDir},upperdir=${bundle}/upper,workdir=${bundle}/work`, rootfs]);
    await mkdir(path.join(rootfs, 'root', '.ssh'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(rootfs, 'root', '.ssh', 'authorized_keys'), await readFile(`${key}.pub`), { mode: 0o600 });
    const batch = (args: string[], lines: string[]) => new Promise<void>((resolve, reject) => {
      const child = spawn('ip', [...args, '-batch', '-'], { stdio: ['pipe', 'ignore', 'inherit'] });
      child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ip ${args.join(' ')} -batch failed (${code})`))));
      child.stdin.end(lines.join('\n') + '\n');
    });
    await batch([], [`netns add ${netns}`, `link add ${netns} type veth peer name eth0 netns ${netns}`, `link set ${netns} master ${bridge}`, `link set ${netns} up`]);
    await batch(['-n', netns], ['link set lo up', `addr add ${address}/${subnet.prefixLength} dev eth0`, 'link set eth0 up', `route add default via ${subnet.gateway}`]);
    const config = structuredClone(runcSpec);
    config.root = { path: rootfs, readonly: false };
    config.hostname = id;
    config.process.terminal = false;
    config.process.args = ['/bin/sh', '-c', 'mkdir -p /etc/dropbear && exec dropbear -R -F -E -p 22'];
    const capabilities = machineCapabilities(false);
    config.process.capabilities = { bounding: capabilities, effective: capabilities, permitted: capabilities };
    config.linux.namespaces = config.linux.namespaces.map((ns: { type: string }) => (ns.type === 'network' ? { type: 'network', path: `/var/run/netns/${netns}` } : ns));
    config.linux.resources = { ...config.linux.resources, memory: { limit: MEMORY_BYTES, swap: MEMORY_BYTES } };
    config.linux.cgroupsPath = `/${TEST_CGROUP_PARENT}/${id}`;
    await writeFile(path.join(bundle, 'config.json'), JSON.stringify(config));
    // The init's output goes to a file, as a machine's console does: runc hands its stdio to the container.
    const console = await open(path.join(bundle, 'console.log'), 'a');
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn('runc', ['--root', runcRoot, 'run', '--detach', '--bundle', bundle, id], { stdio: ['ignore', console.fd, console.fd] });
        child.once('error', reject).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`runc run ${id} exited ${code}`))));
      });
    } finally {
      await console.close();
    }
    await sshTrue(address);
    const total = (performance.now() - t0) / 1000;
    await removeReference(id);
    return total;
  }

  /** A CLI process that does one API request: the part of `slipway run` that is the command's own start. */
  async function cliAlone(): Promise<number> {
    const t0 = performance.now();
    await slipway(['ps']);
    return (performance.now() - t0) / 1000;
  }

  const timings = { slipway: [] as number[], run: [] as number[], cli: [] as number[], reference: [] as number[] };
  note('warming up');
  await slipwayRun(runs);
  await referenceRun(runs);
  for (let i = 0; i < runs; i++) {
    const s = await slipwayRun(i);
    timings.slipway.push(s.total);
    timings.run.push(s.run);
    timings.reference.push(await referenceRun(i));
    timings.cli.push(await cliAlone());
    note(`run ${i + 1}/${runs}: slipway ${fmt(s.total, 2)} s (run ${fmt(s.run, 2)} s), runc ${fmt(timings.reference.at(-1)!, 2)} s`);
  }

  const stats = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), min: sorted[0], max: sorted.at(-1)! };
  };
  const reference = stats(timings.reference);
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  console.log(`${runs} machines each, interleaved; Debian bookworm minbase + dropbear, 256 MiB memory limit\n`);
  console.log('| target | p50 s | p95 s | min s | max s | p50 vs runc |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [name, values] of [['slipway run --ssh + ssh true', timings.slipway], ['  of which slipway run --ssh', timings.run], ['  (a CLI process alone: slipway ps)', timings.cli], ['runc run + ssh true (reference)', timings.reference]] as const) {
    const s = stats(values);
    console.log(`| ${name} | ${fmt(s.p50, 2)} | ${fmt(s.p95, 2)} | ${fmt(s.min, 2)} | ${fmt(s.max, 2)} | ${fmt(s.p50 / reference.p50, 2)}× |`);
  }
} finally {
  client.close();
  for (const id of references) await removeReference(id).catch(() => undefined);
  const machines = (await runSlipway(['--data-dir', dataDir, 'ps', '-aq'])).stdout.split('\n').filter(Boolean);
  if (machines.length > 0) await runSlipway(['--data-dir', dataDir, 'rm', '-f', ...machines]);
  await daemon.stop();
  await cleanUpNetwork(prefix, [bridge]);
  await rm(work, { recursive: true, force: true });
}

/** Deletes a reference container, its overlay and its network namespace (and with it the veth). */
async function removeReference(id: string): Promise<void> {
  const bundle = path.join(work, id);
  await exec('runc', ['--root', runcRoot, 'delete', '--force', id]).catch(() => undefined);
  if ((await readMounts()).some((m) => m.mountPoint === path.join(bundle, 'rootfs'))) await exec('umount', [path.join(bundle, 'rootfs')]);
  await exec('ip', ['netns', 'delete', `${referencePrefix}-${id.slice('bench-ref-'.length)}`]).catch(() => undefined);
  await rm(bundle, { recursive: true, force: true });
}
