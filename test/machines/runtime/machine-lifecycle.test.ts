// Real machines (runc, overlayfs, a debootstrapped Debian): limits seen from inside, files kept
// across stop/start with the image untouched, console logs, clean stop, kill, exec, copy, the
// image's own init, and adoption and cleanup after the controlling process dies.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MachineRuntime } from '../../../src/machines/runtime/index.ts';
import { hostCommands } from '../../../src/machines/host-command.ts';
import { readMounts } from '../../../src/machines/runtime/mountinfo.ts';
import { debianRootfs } from '../../support/debian-rootfs.ts';
import { eventually, machineSpec, MiB, suffix, TEST_CGROUP_PARENT, testRuntime } from './support.ts';

const text = (buffer: Buffer) => buffer.toString('utf8');

async function snapshot(dir: string): Promise<string> {
  const parts: string[] = [];
  for (const file of ['etc', 'etc/hostname', 'etc/hosts', 'root', 'usr/sbin/dropbear']) {
    const stats = await stat(path.join(dir, file)).catch(() => undefined);
    parts.push(`${file}:${stats?.mtimeMs}:${stats?.ctimeMs}:${stats?.size}`);
  }
  parts.push(await readFile(path.join(dir, 'etc/hostname'), 'utf8'));
  return parts.join('\n');
}

test('a machine runs with its limits, keeps its files across stop/start, logs its init, stops cleanly and can be killed', async (t) => {
  const lower = await debianRootfs();
  const before = await snapshot(lower);
  const runtime = await testRuntime(t);
  const id = `rt-life-${suffix()}`;
  await runtime.create(machineSpec(id, lower, { labels: { role: 'test' } }));
  const started = await runtime.start(id);
  assert.equal(started.status, 'running');
  assert.ok(started.pid && started.pid > 0);
  assert.equal(started.rootfsMounted, true);

  assert.equal(text((await runtime.exec(id, ['hostname'])).stdout).trim(), id);
  // The machine sees its own cgroup at /sys/fs/cgroup: v1 controllers on this hybrid host, cgroup2 elsewhere.
  const limits = await runtime.exec(id, ['sh', '-c', `
    cd /sys/fs/cgroup
    if [ -f memory/memory.limit_in_bytes ]; then
      cat memory/memory.limit_in_bytes cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us pids/pids.max
    else
      cat memory.max; tr ' ' '\\n' < cpu.max; cat pids.max
    fi`]);
  assert.equal(limits.exitCode, 0, text(limits.stderr));
  assert.deepEqual(text(limits.stdout).trim().split('\n').map(Number), [256 * MiB, 50_000, 100_000, 4096]);

  const written = await runtime.exec(id, ['sh', '-c', 'cat > /root/note; echo written; echo warning >&2; exit 7'], { stdin: 'kept across restarts\n' });
  assert.deepEqual([written.exitCode, text(written.stdout), text(written.stderr)], [7, 'written\n', 'warning\n']);
  assert.equal(text((await runtime.exec(id, ['sh', '-c', 'echo $GREETING'], { env: { GREETING: 'hello' } })).stdout), 'hello\n');

  // Following the console shows new output as the init writes it.
  const abort = new AbortController();
  const followed = (async () => {
    let seen = '';
    for await (const chunk of runtime.followLogs(id, { signal: abort.signal, from: 'end', pollMs: 50 })) {
      seen += chunk;
      if (seen.includes('written to the console')) break;
    }
    return seen;
  })();
  await runtime.exec(id, ['sh', '-c', 'echo written to the console >> /proc/1/fd/1']);
  const timer = setTimeout(() => abort.abort(), 5000);
  assert.match(await followed, /written to the console/);
  clearTimeout(timer);

  const stopped = await runtime.stop(id);
  console.log(`# clean stop took ${stopped.durationMs} ms`);
  assert.equal(stopped.graceful, true);
  assert.ok(stopped.durationMs < 5000, `stop took ${stopped.durationMs} ms`);
  const afterStop = await runtime.state(id);
  assert.deepEqual([afterStop.status, afterStop.hasContainer, afterStop.rootfsMounted], ['stopped', false, false]);
  assert.ok(!(await readMounts()).some((mount) => mount.mountPoint === runtime.directory(id).rootfs));
  assert.equal(await readFile(path.join(runtime.directory(id).upper, 'root/note'), 'utf8'), 'kept across restarts\n');
  await assert.rejects(runtime.exec(id, ['true']), /is not running/);

  await runtime.start(id);
  assert.equal(text((await runtime.exec(id, ['cat', '/root/note'])).stdout), 'kept across restarts\n');
  assert.equal(await snapshot(lower), before, 'the image (lower directory) is unchanged');
  await stat(path.join(lower, 'root/note')).then(() => assert.fail('the note leaked into the lower directory'), () => {});

  const logs = await runtime.logs(id);
  assert.equal(logs.match(new RegExp(`slipway-init: ready on ${id}`, 'g'))?.length, 2, logs);
  assert.match(logs, /slipway-init: dropbear started/);
  assert.match(logs, /slipway-init: stopped/);

  await runtime.kill(id, 'SIGKILL');
  const killed = await eventually(async () => {
    const state = await runtime.state(id);
    return state.status === 'stopped' ? state : undefined;
  }, 5000, 'the killed machine to stop');
  assert.equal(killed.hasContainer, true);
  assert.equal((await runtime.logs(id)).match(/slipway-init: stopped/g)?.length, 1, 'SIGKILL gives the init no chance to stop');
  // A killed machine starts again (the dead container is replaced) with its files.
  await runtime.start(id);
  assert.equal(text((await runtime.exec(id, ['cat', '/root/note'])).stdout), 'kept across restarts\n');
  await runtime.cleanup(id);
  await assert.rejects(runtime.state(id), /does not exist/);
});

test('files copy in and out of running and stopped machines, and links in the machine cannot reach the host', async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const id = `rt-copy-${suffix()}`;
  const host = await mkdtemp(path.join(tmpdir(), 'slipway-copy-'));
  t.after(() => rm(host, { recursive: true, force: true }));
  await runtime.create(machineSpec(id, lower));
  await runtime.start(id);

  await writeFile(path.join(host, 'in.txt'), 'into the machine\n', { mode: 0o640 });
  await runtime.copyIn(id, path.join(host, 'in.txt'), '/root/');
  assert.equal(text((await runtime.exec(id, ['stat', '-c', '%a %U', '/root/in.txt'])).stdout), '640 root\n');
  assert.equal(text((await runtime.exec(id, ['cat', '/root/in.txt'])).stdout), 'into the machine\n');

  // The machine points links at the host's files; copying through them stays inside the machine.
  const result = await runtime.exec(id, ['sh', '-c', 'ln -s / /escape && ln -s ../../../../../etc /root/up && echo machine-passwd > /tmp/marker']);
  assert.equal(result.exitCode, 0, text(result.stderr));
  await runtime.copyOut(id, '/escape/etc/hostname', path.join(host, 'hostname'));
  assert.equal(await readFile(path.join(host, 'hostname'), 'utf8'), `${id}\n`);
  await runtime.copyOut(id, '/root/up/hostname', path.join(host, 'hostname-2'));
  assert.equal(await readFile(path.join(host, 'hostname-2'), 'utf8'), `${id}\n`);
  await runtime.copyOut(id, '/etc/apt', path.join(host, 'apt'));
  assert.ok((await stat(path.join(host, 'apt/sources.list.d'))).isDirectory());

  await runtime.stop(id);
  await runtime.copyIn(id, path.join(host, 'in.txt'), '/etc/while-stopped');
  assert.equal(await readFile(path.join(runtime.directory(id).upper, 'etc/while-stopped'), 'utf8'), 'into the machine\n');
  assert.equal((await runtime.state(id)).rootfsMounted, false, 'a copy into a stopped machine unmounts again');
  await runtime.copyOut(id, '/tmp/marker', path.join(host, 'marker'));
  assert.equal(await readFile(path.join(host, 'marker'), 'utf8'), 'machine-passwd\n');
  await runtime.start(id);
  assert.equal(text((await runtime.exec(id, ['cat', '/etc/while-stopped'])).stdout), 'into the machine\n');
});

test("the image's own /sbin/init runs when asked, gets its stop signal, and is killed after the grace period if it ignores it", async (t) => {
  const lower = await debianRootfs();
  const runtime = await testRuntime(t);
  const layers = await mkdtemp(path.join(tmpdir(), 'slipway-init-layer-'));
  t.after(() => rm(layers, { recursive: true, force: true }));
  const initLayer = async (name: string, onTerm: string) => {
    const dir = path.join(layers, name);
    await mkdir(path.join(dir, 'sbin'), { recursive: true });
    await writeFile(path.join(dir, 'sbin/init'), `#!/bin/sh\necho "image-init: PID $$"\ntrap '${onTerm}' TERM\nwhile :; do sleep 1 & wait $!; done\n`, { mode: 0o755 });
    return dir;
  };
  const polite = `rt-init-${suffix()}`;
  const stubborn = `rt-stub-${suffix()}`;
  const fallback = `rt-fall-${suffix()}`;
  await runtime.create(machineSpec(polite, lower, { init: 'image', imageConfig: { StopSignal: 'SIGTERM' } }));
  await runtime.create(machineSpec(stubborn, lower, { init: 'image', imageConfig: { StopSignal: 'SIGTERM' } }));
  await runtime.create(machineSpec(fallback, lower, { init: 'image' }));
  // Each machine's lower directories are fixed at create; the init layers sit on top of Debian.
  const politeSpec = (await runtime.state(polite)).spec!;
  assert.equal(politeSpec.init, 'image');
  await runtime.cleanup(polite);
  await runtime.cleanup(stubborn);
  await runtime.create(machineSpec(polite, lower, { init: 'image', imageConfig: { StopSignal: 'SIGTERM' }, lowerDirs: [await initLayer('polite', 'echo "image-init: SIGTERM"; exit 0'), lower] }));
  await runtime.create(machineSpec(stubborn, lower, { init: 'image', imageConfig: { StopSignal: 'SIGTERM' }, lowerDirs: [await initLayer('stubborn', 'echo "image-init: ignoring SIGTERM"'), lower] }));
  await Promise.all([polite, stubborn, fallback].map((id) => runtime.start(id)));

  const config = JSON.parse(await readFile(runtime.directory(polite).config, 'utf8'));
  assert.deepEqual(config.process.args, ['/sbin/init']);
  assert.ok(config.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
  await eventually(async () => ((await runtime.logs(polite)).includes('image-init: PID 1') ? true : undefined), 5000, 'the image init to log');
  // Debian minbase has no /sbin/init: Slipway's init runs instead.
  await eventually(async () => ((await runtime.logs(fallback)).includes('slipway-init: ready') ? true : undefined), 5000, 'the fallback init to log');
  assert.deepEqual(JSON.parse(await readFile(runtime.directory(fallback).config, 'utf8')).process.args, ['/.slipway/init']);

  const [politeStop, stubbornStop] = await Promise.all([runtime.stop(polite, { timeoutMs: 3000 }), runtime.stop(stubborn, { timeoutMs: 1000 })]);
  console.log(`# image init stop: ${politeStop.durationMs} ms; ignoring SIGTERM: killed after ${stubbornStop.durationMs} ms`);
  assert.equal(politeStop.graceful, true);
  assert.match(await runtime.logs(polite), /image-init: SIGTERM/);
  assert.equal(stubbornStop.graceful, false);
  assert.ok(stubbornStop.durationMs >= 1000 && stubbornStop.durationMs < 5000, `${stubbornStop.durationMs} ms`);
  assert.match(await runtime.logs(stubborn), /image-init: ignoring SIGTERM/);
  assert.equal((await runtime.state(stubborn)).status, 'stopped');
});

test('a new runtime adopts machines after the controlling process is killed, and cleanup leaves nothing behind', async (t) => {
  const lower = await debianRootfs();
  const root = await mkdtemp(path.join(tmpdir(), 'slipway-adopt-'));
  const cgroupParent = TEST_CGROUP_PARENT;
  const runcRoot = path.join(root, '.runc');
  const runtime = new MachineRuntime({ root, cgroupParent });
  t.after(async () => {
    for (const machine of await runtime.list().catch(() => [])) await runtime.cleanup(machine.id).catch(() => {});
    await rm(root, { recursive: true, force: true });
  });
  const id = `rt-adopt-${suffix()}`;
  const half = `rt-half-${suffix()}`;
  const moduleUrl = new URL('../../../src/machines/runtime/index.ts', import.meta.url).href;
  const spec = machineSpec(id, lower, { labels: { owner: 'controller-1' } });
  // A controller process makes and starts a machine, then dies without any chance to clean up.
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { MachineRuntime } = await import(${JSON.stringify(moduleUrl)});
    const runtime = new MachineRuntime(${JSON.stringify({ root, cgroupParent })});
    await runtime.create(${JSON.stringify(spec)});
    await runtime.start(${JSON.stringify(id)});
    console.log('started');
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => { if (chunk.toString().includes('started')) resolve(); });
    child.once('exit', (code) => reject(new Error(`the controller process exited early (${code})`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));

  // Half-made: crashed after mounting the root filesystem but before writing its record or container.
  await runtime.create(machineSpec(half, lower));
  await runtime.copyIn(half, '/etc/hostname', '/root/x');
  const halfDirs = runtime.directory(half);
  await hostCommands.run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${halfDirs.upper},workdir=${halfDirs.work}`, halfDirs.rootfs]);
  await rm(halfDirs.metadata);

  const machines = await runtime.list();
  const adopted = machines.find((machine) => machine.id === id);
  assert.ok(adopted, JSON.stringify(machines));
  assert.deepEqual([adopted.status, adopted.rootfsMounted, adopted.hasContainer, adopted.labels], ['running', true, true, { owner: 'controller-1' }]);
  assert.equal(adopted.spec?.hostname, id);
  assert.equal(text((await runtime.exec(id, ['hostname'])).stdout).trim(), id);
  const halfMade = machines.find((machine) => machine.id === half);
  assert.deepEqual([halfMade?.status, halfMade?.rootfsMounted, halfMade?.spec], ['stopped', true, undefined]);

  await runtime.cleanup(id);
  await runtime.cleanup(half);
  await runtime.cleanup(id);
  assert.deepEqual(await runtime.list(), []);
  const runcList = await hostCommands.run('runc', ['--root', runcRoot, 'list', '--format', 'json']);
  assert.ok(['', 'null'].includes(text(runcList.stdout).trim()), text(runcList.stdout));
  assert.ok(!(await readMounts()).some((mount) => mount.mountPoint.startsWith(`${root}/`)), 'no mounts left under the root');
  await stat(runtime.directory(id).dir).then(() => assert.fail('state directory left'), () => {});
  await stat(halfDirs.dir).then(() => assert.fail('half-made state directory left'), () => {});
});
