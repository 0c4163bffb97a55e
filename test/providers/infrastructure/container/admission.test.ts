// The API server refuses bad ContainerMachines, Networks, IPAddresses and Images with one 422 that
// names every problem, and keeps the fields that describe a made machine from changing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSlipwayWithNamespace, type SlipwayForTest } from '../../../support/slipway.ts';
import { isApiError, type ApiError } from '../../../../src/client/rest-client.ts';
import { containerMachinesResource, imagesResource, ipAddressesResource, networksResource } from '../../../../src/providers/infrastructure/container/resources.ts';
import { generateSshKeyPair } from '../../../../src/machines/ssh/key-pair.ts';

const namespace = 'container-admission';
let slipway: SlipwayForTest;
before(async () => { slipway = await startSlipwayWithNamespace(namespace); });
after(async () => { await slipway?.stop(); });

const machine = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachine', metadata: { name, namespace }, spec: { image: 'debian:bookworm', ...spec },
});

async function refusal(write: Promise<unknown>): Promise<{ message: string; fields: string[] }> {
  const error = await write.then(() => undefined, (e: unknown) => e);
  assert.ok(isApiError(error, 'Invalid'), `expected a 422, got ${String(error)}`);
  const status = (error as ApiError).status;
  return { message: status.message, fields: (status.details?.causes ?? []).map((c) => c.field ?? '') };
}

test('a ContainerMachine with bad values gets one 422 naming each, and nothing is stored', async () => {
  const { message, fields } = await refusal(slipway.client.create(containerMachinesResource, machine('bad', {
    image: 'debian;rm -rf /',
    resources: { cpus: '0', memory: '32Mi' },
    rootfsSize: '1Mi',
    ssh: { authorizedKeys: ['ssh-ed25519 AAAAnotakey'] },
    ports: [{ hostPort: 8080, machinePort: 80 }, { hostPort: 8080, machinePort: 81, hostIP: '0.0.0.0' }],
    copyFiles: [{ hostPath: '/etc/../etc/passwd', machinePath: '/tmp/x' }],
  })));
  assert.deepEqual(fields.sort(), ['spec.copyFiles[0].hostPath', 'spec.image', 'spec.ports[1].hostPort', 'spec.resources.cpus', 'spec.resources.memory', 'spec.rootfsSize', 'spec.ssh.authorizedKeys[0]'].sort());
  assert.match(message, /shell metacharacter ";"/);
  assert.match(message, /memory: Invalid value: "32Mi": must be at least 64Mi/);
  await assert.rejects(slipway.client.get(containerMachinesResource, 'bad', namespace), (e: unknown) => isApiError(e, 'NotFound'));
});

test('a valid ContainerMachine is stored with defaults; what describes the machine cannot change, power state can', async () => {
  const key = generateSshKeyPair('admission-test').publicKey;
  const created = await slipway.client.create(containerMachinesResource, machine('good', { resources: { cpus: '500m', memory: '1Gi' }, ssh: { authorizedKeys: [key] }, ports: [{ hostPort: 18080, machinePort: 80 }, { hostPort: 18080, machinePort: 53, protocol: 'UDP' }] }));
  assert.equal((created.spec as { powerState: string }).powerState, 'Running');
  assert.deepEqual((created.spec as { ports: unknown[] }).ports, [{ hostPort: 18080, machinePort: 80, protocol: 'TCP', hostIP: '127.0.0.1' }, { hostPort: 18080, machinePort: 53, protocol: 'UDP', hostIP: '127.0.0.1' }], 'the same host port for TCP and UDP');
  const { fields } = await refusal(slipway.client.patch(containerMachinesResource, 'good', { spec: { image: 'debian:trixie', resources: { memory: '2Gi' } } }, { type: 'merge', namespace }));
  assert.deepEqual(fields.sort(), ['spec.image', 'spec.resources']);
  const stopped = await slipway.client.patch(containerMachinesResource, 'good', { spec: { powerState: 'Stopped', ports: [] } }, { type: 'merge', namespace });
  assert.equal((stopped.spec as { powerState: string }).powerState, 'Stopped');
  await slipway.client.patch(containerMachinesResource, 'good', { spec: { providerID: 'container://0123456789abcdef' } }, { type: 'merge', namespace });
  const { fields: providerID } = await refusal(slipway.client.patch(containerMachinesResource, 'good', { spec: { providerID: 'container://fedcba9876543210' } }, { type: 'merge', namespace }));
  assert.deepEqual(providerID, ['spec.providerID']);
  await slipway.client.delete(containerMachinesResource, 'good', { namespace });
});

test('Networks need a private subnet without host bits and a usable bridge name, and never change', async () => {
  const network = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'slipway.dev/v1alpha1', kind: 'Network', metadata: { name }, spec });
  const publicNet = await refusal(slipway.client.create(networksResource, network('public', { bridge: 'slwt-ca0', subnet: '8.8.8.0/24' })));
  assert.deepEqual(publicNet.fields, ['spec.subnet']);
  assert.match(publicNet.message, /private range/);
  const hostBits = await refusal(slipway.client.create(networksResource, network('bits', { bridge: '-bad', subnet: '10.217.3.1/24' })));
  assert.deepEqual(hostBits.fields.sort(), ['spec.bridge', 'spec.subnet']);
  await slipway.client.create(networksResource, network('fixed', { bridge: 'slwt-ca1', subnet: '10.217.3.0/24' }));
  const changed = await refusal(slipway.client.patch(networksResource, 'fixed', { spec: { subnet: '10.217.4.0/24' } }, { type: 'merge' }));
  assert.deepEqual(changed.fields, ['spec']);
  await slipway.client.delete(networksResource, 'fixed');
});

test('an IPAddress is named after its network and address, so one address is allocated once', async () => {
  const claimRef = { apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1', kind: 'ContainerMachine', namespace, name: 'm', uid: 'u1' };
  const spec = { network: 'n1', address: '10.217.5.2', prefixLength: 24, gateway: '10.217.5.1', claimRef };
  const wrong = await refusal(slipway.client.create(ipAddressesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'IPAddress', metadata: { name: 'anything' }, spec }));
  assert.deepEqual(wrong.fields, ['metadata.name']);
  await slipway.client.create(ipAddressesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'IPAddress', metadata: { name: 'n1-10-217-5-2' }, spec });
  await assert.rejects(slipway.client.create(ipAddressesResource, { apiVersion: 'slipway.dev/v1alpha1', kind: 'IPAddress', metadata: { name: 'n1-10-217-5-2' }, spec: { ...spec, claimRef: { ...claimRef, uid: 'u2' } } }), (e: unknown) => isApiError(e, 'AlreadyExists'));
  await slipway.client.delete(ipAddressesResource, 'n1-10-217-5-2');
});

test('Images: one source, plain HTTP only on loopback, a reference for Debian builds', async () => {
  const image = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'slipway.dev/v1alpha1', kind: 'Image', metadata: { name }, spec });
  const remoteHttp = await refusal(slipway.client.create(imagesResource, image('a', { source: { registry: { reference: 'registry.example.com/app:1', plainHttp: true } } })));
  assert.match(remoteHttp.message, /plainHttp is only allowed for a registry on loopback/);
  const debian = await refusal(slipway.client.create(imagesResource, image('b', { source: { debian: { suite: 'bookworm' } } })));
  assert.deepEqual(debian.fields, ['spec.reference']);
  const archive = await refusal(slipway.client.create(imagesResource, image('c', { source: { archive: { path: 'relative.tar' } } })));
  assert.deepEqual(archive.fields, ['spec.source.archive.path']);
  await slipway.client.create(imagesResource, image('d', { source: { registry: { reference: '127.0.0.1:5000/app:1', plainHttp: true } } }));
  await slipway.client.delete(imagesResource, 'd');
});
