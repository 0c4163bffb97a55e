// Bad input to the machine commands, as a user types it: each gets one clear error line (and a
// non-zero exit), and leaves nothing half-made — no ContainerMachine, container, mount, network
// namespace, veth, IPAddress, SSH key Secret, nor an Image the command caused to be made.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { startRegistry, type RunningRegistry } from '../support/docker-registry.ts';
import { debianImageArchive, DEBIAN_TEST_IMAGE } from '../support/debian-image.ts';
import { freePort } from '../support/free-port.ts';
import { startMachinesCliEnv, type MachinesCliEnv } from './fixtures/machines-cli.ts';

let env: MachinesCliEnv;
let registry: RunningRegistry;

before(async () => {
  registry = await startRegistry();
  env = await startMachinesCliEnv(2);
  await env.ok(['image', 'import', await debianImageArchive(), '--reference', DEBIAN_TEST_IMAGE]);
});

after(async () => {
  await env?.tearDown();
  await registry?.stop();
});

/** Nothing but the imported image is left, on the host or in the API. */
async function nothingHalfMade(): Promise<void> {
  await env.assertNothingLeft();
  assert.deepEqual((await env.list<{ status?: { reference?: string } }>('images')).map((i) => i.status?.reference), [DEBIAN_TEST_IMAGE]);
}

test('invalid machine names are refused by the API server, nothing made', async () => {
  for (const name of ['Bad_Name', 'x;reboot', '-leading-dash', 'a'.repeat(254)]) {
    const line = await env.fails(['run', DEBIAN_TEST_IMAGE, `--name=${name}`, '--ssh']);
    assert.match(line, /^Error from server \(Invalid\): .*metadata\.name/, name);
  }
  await nothingHalfMade();
});

test('image references with shell metacharacters or bad forms are usage errors, before anything is sent', async () => {
  for (const reference of ['debian;rm -rf /', 'debian:$(reboot)', 'debian|cat', 'Debian', 'debian:tag with space', '../../etc/passwd']) {
    assert.match(await env.fails(['run', reference, '--ssh'], 2), /^error: invalid (image )?reference .*\(hint: e\.g\. debian:bookworm/, reference);
    assert.match(await env.fails(['image', 'pull', reference], 2), /^error: invalid (image )?reference /, reference);
  }
  await nothingHalfMade();
});

test('unknown images: not in the registry, or no registry there — one line, machine and image removed again', async () => {
  const missing = `${registry.host}/no/such-image:1`;
  assert.match(await env.fails(['run', missing, '--ssh']), new RegExp(`^error: (machine [a-z]+-[a-z]+: .*|image ${missing.replace(/[.]/g, '\\.')}: .*)not found`));
  await nothingHalfMade();
  const nowhere = `127.0.0.1:${await freePort()}/nothing/here:1`;
  assert.match(await env.fails(['run', nowhere]), /^error: image 127\.0\.0\.1:\d+\/nothing\/here:1: cannot reach registry .*connection refused|ECONNREFUSED/);
  await nothingHalfMade();
  assert.match(await env.fails(['image', 'pull', missing]), /^error: image .*no\/such-image:1: .*not found/);
  await nothingHalfMade();
  assert.match(await env.fails(['rmi', 'docker.io/library/nothing:here']), /^error: no image matches "docker\.io\/library\/nothing:here"/);
});

test('a host port already taken is a port conflict: one line, nothing left; two mappings of one port are a usage error', async () => {
  const port = await freePort();
  const squatter: Server = createServer();
  await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
  try {
    assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '--ssh', '--ports', `127.0.0.1:${port}:22`]), new RegExp(`^error: machine [a-z]+-[a-z]+: .*${port}.* \\(hint: choose a free host port with --ports\\)$`));
    await nothingHalfMade();
  } finally {
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
  }
  assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '-p', '2222:22', '-p', '2222:80'], 2), /^error: port mappings "127\.0\.0\.1:2222->22\/tcp" and "2222:80" both use host port 2222/);
  await nothingHalfMade();
});

test('memory below 64 MiB, bad sizes and bad CPU counts are refused in one line, nothing made', async () => {
  assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '--memory', '32MB']), /^Error from server \(Invalid\): .*spec\.resources\.memory.*must be at least 64Mi/);
  assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '--memory', 'lots'], 2), /^error: invalid --memory "lots" \(hint: give a size such as 512MB/);
  assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '--cpus', 'many']), /^Error from server \(Invalid\): .*spec\.resources\.cpus/);
  assert.match(await env.fails(['run', DEBIAN_TEST_IMAGE, '--network', 'nowhere']), /^error: network "nowhere" does not exist/);
  assert.match(await env.fails(['ssh', 'ghost']), /^error: no machine matches "ghost"/);
  await nothingHalfMade();
});
