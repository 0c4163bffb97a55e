// A Debian bookworm root filesystem (debootstrap, minbase, with dropbear, and optionally more
// packages: etcd-server for etcd members) for tests that run real machines. Built once and cached under the repo's .tools/cache/, keyed by the recipe; test files
// running in parallel wait for one build rather than racing. Tests use it read-only (as an
// overlay lower directory).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

const BASE_RECIPE = { suite: 'bookworm', variant: 'minbase', include: ['dropbear-bin'], revision: 1 };
const repoRoot = path.resolve(import.meta.dirname, '../..');
const cacheDir = path.join(repoRoot, '.tools', 'cache', 'debian-rootfs');
const BUILD_TIMEOUT_MS = 10 * 60_000;

/** The host's Debian mirror, as apt is configured (debootstrap needs one; only Debian's mirrors are reachable). */
async function debianMirror(): Promise<string> {
  const sources = await readFile('/etc/apt/sources.list.d/debian.sources', 'utf8').catch(() => '');
  for (const stanza of sources.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
    if (uri && /^Suites:.*\bbookworm\b(?!-)/m.test(stanza)) return uri;
  }
  const list = await readFile('/etc/apt/sources.list', 'utf8').catch(() => '');
  const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(list);
  if (line) return line[1];
  throw new Error('no Debian bookworm mirror in /etc/apt/sources.list(.d): configure apt for bookworm first');
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.on('data', (chunk: Buffer) => { tail = (tail + chunk.toString()).slice(-2000); });
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${tail.trim()}`))));
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The cached rootfs directory with `packages` beyond the base ones, building it first if needed (about a minute, once per set). */
export async function debianRootfs(packages: string[] = []): Promise<string> {
  const RECIPE = packages.length === 0 ? BASE_RECIPE : { ...BASE_RECIPE, include: [...BASE_RECIPE.include, ...packages] };
  const key = createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex').slice(0, 16);
  const finalDir = path.join(cacheDir, key);
  const rootfs = path.join(finalDir, 'rootfs');
  const lockDir = path.join(cacheDir, `${key}.lock`);
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  await mkdir(cacheDir, { recursive: true });
  for (;;) {
    if (await stat(path.join(finalDir, 'complete')).then(() => true, () => false)) return rootfs;
    const locked = await mkdir(lockDir).then(() => true, () => false);
    if (locked) break;
    const owner = Number(await readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => '0'));
    if (owner > 0 && !processAlive(owner)) await rm(lockDir, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`timed out waiting for another process to build the Debian rootfs (lock ${lockDir})`);
    await delay(500);
  }
  try {
    await writeFile(path.join(lockDir, 'pid'), String(process.pid));
    if (await stat(path.join(finalDir, 'complete')).then(() => true, () => false)) return rootfs;
    for (const entry of await readdir(cacheDir)) if (entry.startsWith(`${key}.build-`)) await rm(path.join(cacheDir, entry), { recursive: true, force: true });
    const build = path.join(cacheDir, `${key}.build-${process.pid}`);
    const target = path.join(build, 'rootfs');
    await mkdir(target, { recursive: true });
    await run('debootstrap', [`--variant=${RECIPE.variant}`, `--include=${RECIPE.include.join(',')}`, RECIPE.suite, target, await debianMirror()]);
    await run('find', [path.join(target, 'var/cache/apt/archives'), '-name', '*.deb', '-delete']);
    await writeFile(path.join(build, 'complete'), `${JSON.stringify(RECIPE)}\n`);
    await rm(finalDir, { recursive: true, force: true });
    await rename(build, finalDir);
    return rootfs;
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}
