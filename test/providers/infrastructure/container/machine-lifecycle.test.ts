// A ContainerMachine through its life against a real Slipway and real runc: created and Running
// with SSH reachable (directly and through a port forward), its files copied in (missing directories made), hostname, address,
// memory limit and writable layer size as asked; stopped and started keeping its files; deleted leaving nothing — no
// container, mount, network namespace, veth, address or key Secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KubeObject } from '../../../../src/api/meta.ts';
import { secretsResource } from '../../../../src/client/resources.ts';
import { isNotFound } from '../../../../src/client/rest-client.ts';
import { containerMachinesResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { freePort } from '../../../support/free-port.ts';
import { until } from '../../../support/until.ts';
import { startContainerTestEnv } from '../../../support/container-env.ts';

const SLOT = 0;

test('a ContainerMachine runs with SSH, keeps its files across stop and start, and leaves nothing when deleted', async (t) => {
  const env = await startContainerTestEnv(t, { namespace: 'cm-lifecycle', slot: SLOT });
  const files = await mkdtemp(path.join(tmpdir(), 'slipway-copy-'));
  t.after(() => rm(files, { recursive: true, force: true }));
  await writeFile(path.join(files, 'motd'), 'copied from the host\n');
  const sshPort = await freePort();
  // Every version of the object, to tell whether it is written again once Ready.
  const versions: KubeObject[] = [];
  const watching = new AbortController();
  t.after(() => watching.abort());
  const watched = (async () => {
    for await (const event of env.client.watch(containerMachinesResource, { namespace: env.namespace, fieldSelector: 'metadata.name=vm1', signal: watching.signal })) {
      if (event.type === 'ADDED' || event.type === 'MODIFIED') versions.push(event.object);
    }
  })().catch(() => undefined);

  await env.client.create(containerMachinesResource, env.machine('vm1', {
    hostname: 'web-1',
    ssh: { generateKey: true },
    ports: [{ hostPort: sshPort, machinePort: 22 }],
    copyFiles: [{ hostPath: path.join(files, 'motd'), machinePath: '/opt/slipway/motd' }],
    env: [{ name: 'GREETING', value: 'hello' }],
    rootfsSize: '256Mi',
  }));
  const machine = await env.waitReady('vm1');
  const status = machine.status!;
  assert.match(status.machineID!, /^[0-9a-f]{16}$/);
  assert.equal(machine.spec.providerID, `container://${status.machineID}`);
  assert.equal(status.state, 'Running');
  assert.equal(status.initialization?.provisioned, true);
  assert.equal(status.network?.name, env.network);
  assert.equal(status.network?.gateway, env.subnet.gateway);
  assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: status.network!.ip }, { type: 'Hostname', address: 'web-1' }]);
  assert.deepEqual(status.ports, [{ hostIP: '127.0.0.1', hostPort: sshPort, machinePort: 22, protocol: 'TCP' }]);
  assert.deepEqual(status.sshKeySecretRef, { name: 'vm1-ssh-key' });
  assert.equal(status.image?.reference, 'slipway.test/debian:bookworm');
  assert.equal(status.rootfsSize, '256Mi');

  assert.equal(await env.ssh('vm1', ['hostname']), 'web-1\n');
  assert.equal(await env.ssh('vm1', ['cat', '/opt/slipway/motd']), 'copied from the host\n');
  assert.equal((await env.ssh('vm1', ['hostname', '-I'])).trim(), status.network!.ip);
  assert.match(await env.ssh('vm1', ['sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max']), /^268435456\n$/);
  assert.equal(await env.ssh('vm1', ['sh', '-c', 'tr "\\0" "\\n" < /proc/1/environ | grep ^GREETING=']), 'GREETING=hello\n');
  const rootSize = Number((await env.ssh('vm1', ['df', '--output=size', '-B', '1M', '/'])).split('\n')[1]);
  assert.ok(rootSize > 200 && rootSize <= 256, `the root filesystem has the writable layer's size limit (${rootSize} MiB)`);
  assert.equal(await env.ssh('vm1', ['hostname'], { address: '127.0.0.1', port: sshPort }), 'web-1\n', 'SSH through the port forward');
  await env.ssh('vm1', ['sh', '-c', 'echo kept > /root/state']);
  watching.abort();
  await watched;
  const ready = versions.findIndex((v) => (v as typeof machine).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  assert.ok(ready >= 0, 'the watch saw the machine Ready');
  assert.deepEqual(versions.slice(ready + 1).map((v) => v.metadata.resourceVersion), [], 'a machine that is Ready and unchanged is not written again');

  await env.client.patch(containerMachinesResource, 'vm1', { spec: { powerState: 'Stopped' } }, { type: 'merge', namespace: env.namespace });
  await env.waitFor('vm1', 'Stopped', (m) => m.status?.state === 'Stopped');
  assert.deepEqual((await env.leftovers()).containers, [], 'a stopped machine has no container');
  await env.client.patch(containerMachinesResource, 'vm1', { spec: { powerState: 'Running' } }, { type: 'merge', namespace: env.namespace });
  const restarted = await env.waitReady('vm1');
  assert.equal(restarted.status?.machineID, status.machineID);
  assert.equal(restarted.status?.network?.ip, status.network?.ip);
  assert.equal(await until('SSH after the restart', () => env.ssh('vm1', ['cat', '/root/state']).catch(() => undefined), 30_000), 'kept\n');

  await env.client.delete(containerMachinesResource, 'vm1', { namespace: env.namespace });
  await env.waitGone('vm1');
  await env.assertNothingLeft();
  await until('the key Secret to be garbage-collected', async () => env.client.get<KubeObject>(secretsResource, 'vm1-ssh-key', env.namespace).then(() => false, (e: unknown) => isNotFound(e)));
});
