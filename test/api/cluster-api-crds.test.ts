import { test } from 'node:test';
import assert from 'node:assert/strict';
import Type from 'typebox';
import { parseAllDocuments } from 'yaml';
import { clusterApiCRDs } from '../../src/api/cluster.x-k8s.io/index.ts';
import { inMemoryProviderCRDs } from '../../src/api/infrastructure.cluster.x-k8s.io/index.ts';
import { etcdBootstrapProviderCRDs } from '../../src/api/bootstrap.cluster.x-k8s.io/index.ts';
import { etcdControlPlaneProviderCRDs } from '../../src/api/controlplane.cluster.x-k8s.io/index.ts';
import type { MachineDeployment } from '../../src/api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import { machineDeploymentTypeMeta } from '../../src/api/cluster.x-k8s.io/v1beta2/machine-deployment.ts';
import type { InMemoryMachine } from '../../src/api/infrastructure.cluster.x-k8s.io/v1alpha1/in-memory-machine.ts';
import { clusterNameLabel } from '../../src/api/cluster.x-k8s.io/v1beta2/labels-annotations.ts';
import { defineCRD, kubeObject, toStructuralSchema } from '../../src/api/crd.ts';
import { resourceTypesFromCRD, validateCRD } from '../../src/api/builtin/custom-resource-definition.ts';
import { validateAgainstSchema } from '../../src/apiserver/schema/validate.ts';
import { pruneUnknownFields } from '../../src/apiserver/schema/prune.ts';
import type { KubeObject, StatusCause } from '../../src/api/meta.ts';
import type { ResourceType, Schema } from '../../src/api/resource.ts';

const allCRDs = [...clusterApiCRDs, ...inMemoryProviderCRDs, ...etcdBootstrapProviderCRDs, ...etcdControlPlaneProviderCRDs];
const types: ResourceType[] = allCRDs.flatMap(resourceTypesFromCRD);
const typeOf = (kind: string): ResourceType => {
  const found = types.find((t) => t.kind === kind);
  assert.ok(found, `no ResourceType for ${kind}`);
  return found;
};
const crdSpec = (crd: KubeObject) => crd.spec as { group: string; names: Record<string, unknown>; versions: { name: string; storage: boolean; schema: { openAPIV3Schema: Schema }; subresources: Record<string, unknown>; additionalPrinterColumns?: { name: string }[] }[] };

/** Every structural-schema rule that can be checked without an API server, as "path: problem" lines. */
function structuralProblems(schema: Schema, path: string): string[] {
  const problems: string[] = [];
  const exempt = schema['x-kubernetes-int-or-string'] === true || schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (schema.type === undefined && !exempt) problems.push(`${path}: no type`);
  for (const key of Object.keys(schema)) if (key.startsWith('$') || key === 'patternProperties' || key === 'const' || key.startsWith('~')) problems.push(`${path}: ${key}`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (schema[key]?.some((b) => b.type !== undefined)) problems.push(`${path}: ${key} declares types`);
  for (const name of schema.required ?? []) if (!schema.properties || !(name in schema.properties)) problems.push(`${path}: required "${name}" is not a property`);
  if (schema.type === 'array' && schema.items === undefined) problems.push(`${path}: array without items`);
  if (schema.properties && typeof schema.additionalProperties === 'object') problems.push(`${path}: properties and additionalProperties`);
  if (schema['x-kubernetes-list-type'] !== undefined && schema.type !== 'array') problems.push(`${path}: list-type on a non-array`);
  if (schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    if (keys.length === 0) problems.push(`${path}: list-type map without keys`);
    for (const key of keys) {
      const field = schema.items?.properties?.[key];
      if (!field) problems.push(`${path}: map key "${key}" is not an item property`);
      else if (!schema.items!.required?.includes(key) && field.default === undefined) problems.push(`${path}: map key "${key}" is neither required nor defaulted`);
    }
  }
  if (schema.format !== undefined && !['int32', 'int64', 'date-time'].includes(schema.format)) problems.push(`${path}: unexpected format ${schema.format}`);
  if (schema.pattern !== undefined) {
    try { new RegExp(schema.pattern, 'u'); } catch { problems.push(`${path}: bad pattern`); }
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) problems.push(...structuralProblems(child, `${path}.${name}`));
  if (schema.items) problems.push(...structuralProblems(schema.items, `${path}[]`));
  if (typeof schema.additionalProperties === 'object') problems.push(...structuralProblems(schema.additionalProperties, `${path}{}`));
  return problems;
}

test('every CRD is accepted by the API server and its schema is structural', () => {
  assert.deepEqual(allCRDs.map((c) => c.metadata.name), [
    'clusters.cluster.x-k8s.io', 'machines.cluster.x-k8s.io', 'machinesets.cluster.x-k8s.io', 'machinedeployments.cluster.x-k8s.io', 'machinehealthchecks.cluster.x-k8s.io',
    'inmemoryclusters.infrastructure.cluster.x-k8s.io', 'inmemorymachines.infrastructure.cluster.x-k8s.io', 'inmemorymachinetemplates.infrastructure.cluster.x-k8s.io',
    'etcdconfigs.bootstrap.cluster.x-k8s.io', 'etcdconfigtemplates.bootstrap.cluster.x-k8s.io', 'etcdclusters.controlplane.cluster.x-k8s.io',
  ]);
  for (const crd of allCRDs) {
    assert.deepEqual(validateCRD(crd), [], crd.metadata.name!);
    for (const v of crdSpec(crd).versions) {
      const root = v.schema.openAPIV3Schema;
      assert.equal(root.type, 'object');
      assert.deepEqual(Object.keys(root.properties!).sort(), ['apiVersion', 'kind', 'metadata', 'spec', 'status']);
      assert.deepEqual(root.required, ['spec'], 'only spec is required at the root, as controller-gen publishes it');
      assert.deepEqual(root.properties!.metadata, { type: 'object' });
      assert.deepEqual(structuralProblems(root, `${crd.metadata.name}/${v.name}`), []);
      assert.ok(!JSON.stringify(root).includes('"~'), 'no TypeBox markers leak into the JSON');
    }
  }
});

test('core CRDs: v1beta2 stored, names, subresources and printer columns as Cluster API publishes them', () => {
  const byKind = new Map(clusterApiCRDs.map((c) => [crdSpec(c).names.kind as string, crdSpec(c)]));
  for (const spec of byKind.values()) {
    assert.equal(spec.group, 'cluster.x-k8s.io');
    assert.deepEqual(spec.versions.map((v) => [v.name, v.storage]), [['v1beta2', true]]);
    assert.deepEqual(spec.names.categories, ['cluster-api']);
  }
  assert.deepEqual([...byKind].map(([kind, s]) => [kind, s.names.shortNames]), [
    ['Cluster', ['cl']], ['Machine', ['ma']], ['MachineSet', ['ms']], ['MachineDeployment', ['md']], ['MachineHealthCheck', ['mhc', 'mhcs']],
  ]);
  const scale = { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' };
  assert.deepEqual(byKind.get('MachineSet')!.versions[0].subresources, { status: {}, scale });
  assert.deepEqual(byKind.get('MachineDeployment')!.versions[0].subresources, { status: {}, scale });
  assert.deepEqual(byKind.get('Machine')!.versions[0].subresources, { status: {} });
  const columns = (kind: string) => byKind.get(kind)!.versions[0].additionalPrinterColumns!.map((c) => c.name);
  assert.deepEqual(columns('Machine'), ['Cluster', 'Node Name', 'Provider ID', 'Failure domain', 'Ready', 'Available', 'Up-to-date', 'Internal-IP', 'External-IP', 'OS-Image', 'Paused', 'Phase', 'Age', 'Version']);
  assert.deepEqual(columns('MachineDeployment'), ['Cluster', 'Available', 'Desired', 'Current', 'Ready', 'Available', 'Up-to-date', 'Paused', 'Phase', 'Age', 'Version']);
  assert.deepEqual(columns('Cluster'), ['ClusterClass', 'Available', 'CP Desired', 'CP Current', 'CP Ready', 'CP Available', 'CP Up-to-date', 'W Desired', 'W Current', 'W Ready', 'W Available', 'W Up-to-date', 'Paused', 'Phase', 'Age', 'Version']);
  const machine = typeOf('Machine');
  assert.deepEqual(machine.printerColumns.find((c) => c.name === 'Ready'), { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Machine pass all readiness checks' });
});

test('provider CRDs carry the contract label Cluster API uses to pick their version', () => {
  for (const crd of [...inMemoryProviderCRDs, ...etcdBootstrapProviderCRDs, ...etcdControlPlaneProviderCRDs]) {
    assert.equal(crd.metadata.labels?.['cluster.x-k8s.io/v1beta2'], 'v1alpha1', crd.metadata.name);
    assert.deepEqual(crdSpec(crd).versions.map((v) => [v.name, v.storage]), [['v1alpha1', true]]);
  }
});

// A cluster written the way Cluster API's docs write one (examples/simple-cluster-without-kcp.yaml,
// healthchecking.md), with the in-memory provider's kinds as infrastructure.
const clusterManifest = `
apiVersion: cluster.x-k8s.io/v1beta2
kind: Cluster
metadata:
  name: my-cluster
  namespace: default
spec:
  clusterNetwork:
    services:
      cidrBlocks: ["10.96.0.0/12"]
    pods:
      cidrBlocks: ["192.168.0.0/16"]
    serviceDomain: cluster.local
  controlPlaneEndpoint:
    host: 10.0.0.1
    port: 6443
  infrastructureRef:
    apiGroup: infrastructure.cluster.x-k8s.io
    kind: InMemoryCluster
    name: my-cluster
---
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha1
kind: InMemoryCluster
metadata:
  name: my-cluster
  namespace: default
spec:
  failureDomains:
  - name: fd-1
    controlPlane: true
    attributes:
      zone: a
  simulation:
    provisioningDelay: 1s
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: Machine
metadata:
  labels:
    cluster.x-k8s.io/cluster-name: my-cluster
    cluster.x-k8s.io/control-plane: "true"
  name: controlplane-0
  namespace: default
spec:
  version: v1.33.0
  clusterName: my-cluster
  bootstrap:
    dataSecretName: controlplane-0-bootstrap
  infrastructureRef:
    apiGroup: infrastructure.cluster.x-k8s.io
    kind: InMemoryMachine
    name: controlplane-0
---
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha1
kind: InMemoryMachine
metadata:
  name: controlplane-0
  namespace: default
spec: {}
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: MachineDeployment
metadata:
  name: worker-md-0
  namespace: default
spec:
  clusterName: my-cluster
  replicas: 3
  selector:
    matchLabels:
      cluster.x-k8s.io/cluster-name: my-cluster
  rollout:
    strategy:
      type: RollingUpdate
      rollingUpdate:
        maxSurge: 25%
        maxUnavailable: 0
  template:
    metadata:
      labels:
        nodepool: nodepool-0
    spec:
      version: v1.33.0
      clusterName: my-cluster
      bootstrap:
        configRef:
          apiGroup: bootstrap.cluster.x-k8s.io
          kind: KubeadmConfigTemplate
          name: worker
      infrastructureRef:
        apiGroup: infrastructure.cluster.x-k8s.io
        kind: InMemoryMachineTemplate
        name: worker
      readinessGates:
      - conditionType: example.com/NetworkReady
        polarity: Positive
      deletion:
        nodeDrainTimeoutSeconds: 300
---
apiVersion: infrastructure.cluster.x-k8s.io/v1alpha1
kind: InMemoryMachineTemplate
metadata:
  name: worker
  namespace: default
spec:
  template:
    spec:
      simulation:
        provisioningDelay: 2s
        jitter: "0.2"
        failures:
          becomeUnhealthyAfter: 1m30s
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: MachineHealthCheck
metadata:
  name: my-cluster-node-unhealthy-5m
spec:
  clusterName: my-cluster
  selector:
    matchLabels:
      nodepool: nodepool-0
  checks:
    nodeStartupTimeoutSeconds: 600
    unhealthyNodeConditions:
    - type: Ready
      status: Unknown
      timeoutSeconds: 300
    unhealthyMachineConditions:
    - type: "InfrastructureReady"
      status: "False"
      timeoutSeconds: 1800
  remediation:
    triggerIf:
      unhealthyLessThanOrEqualTo: 40%
`;

const manifests = () => parseAllDocuments(clusterManifest).map((d) => d.toJS() as KubeObject);

function check(obj: KubeObject): { causes: StatusCause[]; pruned: string[] } {
  const type = typeOf(obj.kind);
  return { causes: validateAgainstSchema(type.schema, obj), pruned: pruneUnknownFields(type.schema, structuredClone(obj)) };
}

test('a Cluster API v1beta2 cluster manifest validates with no error and loses no field to pruning', () => {
  const docs = manifests();
  assert.deepEqual(docs.map((d) => d.kind), ['Cluster', 'InMemoryCluster', 'Machine', 'InMemoryMachine', 'MachineDeployment', 'InMemoryMachineTemplate', 'MachineHealthCheck']);
  for (const doc of docs) assert.deepEqual(check(doc), { causes: [], pruned: [] }, doc.kind);
});

test('status as the controllers write it validates too, and the TypeScript types describe the same objects', () => {
  const md: MachineDeployment = {
    ...machineDeploymentTypeMeta,
    metadata: { name: 'md', namespace: 'default', labels: { [clusterNameLabel]: 'c' } },
    spec: {
      clusterName: 'c',
      replicas: 1,
      selector: { matchLabels: { [clusterNameLabel]: 'c' } },
      template: { spec: { clusterName: 'c', bootstrap: { dataSecretName: 's' }, infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'InMemoryMachineTemplate', name: 't' } } },
    },
    status: {
      observedGeneration: 1,
      selector: 'cluster.x-k8s.io/cluster-name=c',
      replicas: 1, readyReplicas: 1, availableReplicas: 1, upToDateReplicas: 1,
      phase: 'Running',
      versions: [{ version: 'v1.33.0', replicas: 1 }],
      conditions: [{ type: 'Available', status: 'True', reason: 'Available', message: '', lastTransitionTime: '2025-01-01T00:00:00Z', observedGeneration: 1 }],
    },
  };
  const machine: InMemoryMachine = {
    apiVersion: 'infrastructure.cluster.x-k8s.io/v1alpha1',
    kind: 'InMemoryMachine',
    metadata: { name: 'm' },
    spec: { providerID: 'in-memory://default/m' },
    status: { initialization: { provisioned: true }, addresses: [{ type: 'InternalIP', address: '10.0.0.5' }], failureDomain: 'fd-1' },
  };
  for (const obj of [md, machine]) assert.deepEqual(check(obj), { causes: [], pruned: [] }, obj.kind);
});

const findCause = (causes: StatusCause[], field: string) => causes.find((c) => c.field === field);

test('bad objects fail with every problem reported at its field path', () => {
  const md = manifests().find((d) => d.kind === 'MachineDeployment')! as any;
  delete md.spec.clusterName;
  md.spec.replicas = -1;
  md.spec.rollout.strategy.type = 'Recreate';
  md.spec.template.spec.infrastructureRef.kind = 'not a kind';
  const { causes } = check(md);
  assert.equal(causes.length, 4, JSON.stringify(causes));
  assert.equal(findCause(causes, 'spec.clusterName')?.reason, 'FieldValueRequired');
  assert.match(findCause(causes, 'spec.replicas')?.message ?? '', /Invalid value: -1: spec\.replicas in body should be greater than or equal to 0/);
  assert.equal(findCause(causes, 'spec.rollout.strategy.type')?.reason, 'FieldValueNotSupported');
  assert.match(findCause(causes, 'spec.rollout.strategy.type')?.message ?? '', /supported values: "RollingUpdate", "OnDelete"/);
  assert.equal(findCause(causes, 'spec.template.spec.infrastructureRef.kind')?.reason, 'FieldValueInvalid');
});

test('bounds, enums and formats of the other kinds are enforced', () => {
  const docs = manifests();
  const cluster = docs.find((d) => d.kind === 'Cluster')! as any;
  cluster.spec.controlPlaneEndpoint.port = 70000;
  assert.deepEqual(check(cluster).causes.map((c) => c.field), ['spec.controlPlaneEndpoint.port']);

  const machine = docs.find((d) => d.kind === 'Machine')! as any;
  delete machine.spec.infrastructureRef.apiGroup;
  machine.status = { phase: 'Exploded', conditions: [{ type: 'Ready', status: 'Maybe', reason: 'x', message: '', lastTransitionTime: 'yesterday' }] };
  assert.deepEqual(check(machine).causes.map((c) => [c.field, c.reason]).sort(), [
    ['spec.infrastructureRef.apiGroup', 'FieldValueRequired'],
    ['status.conditions[0].lastTransitionTime', 'FieldValueInvalid'],
    ['status.conditions[0].status', 'FieldValueNotSupported'],
    ['status.phase', 'FieldValueNotSupported'],
  ]);

  const template = docs.find((d) => d.kind === 'InMemoryMachineTemplate')! as any;
  template.spec.template.spec.simulation = { provisioningDelay: '2 seconds', jitter: '1.5', failures: { failToProvision: 'yes' } };
  assert.deepEqual(check(template).causes.map((c) => [c.field, c.reason]), [
    ['spec.template.spec.simulation.provisioningDelay', 'FieldValueInvalid'],
    ['spec.template.spec.simulation.jitter', 'FieldValueInvalid'],
    ['spec.template.spec.simulation.failures.failToProvision', 'FieldValueTypeInvalid'],
  ]);

  const mhc = docs.find((d) => d.kind === 'MachineHealthCheck')! as any;
  mhc.spec.checks.unhealthyNodeConditions[0].timeoutSeconds = -5;
  mhc.spec.remediation.triggerIf.unhealthyLessThanOrEqualTo = true;
  assert.deepEqual(check(mhc).causes.map((c) => c.field).sort(), ['spec.checks.unhealthyNodeConditions[0].timeoutSeconds', 'spec.remediation.triggerIf.unhealthyLessThanOrEqualTo']);
});

test('toStructuralSchema refuses what a CRD cannot publish, naming the path', () => {
  const wrap = (field: Parameters<typeof Type.Object>[0][string]) => kubeObject('x', Type.Object({ field }), Type.Object({}));
  assert.throws(() => toStructuralSchema(wrap(Type.Record(Type.String(), Type.String()))), /properties\.spec\.properties\.field: "patternProperties" is not allowed/);
  assert.throws(() => toStructuralSchema(wrap(Type.Union([Type.String(), Type.Integer()], { type: 'string' }))), /field: anyOf may not declare type/);
  assert.throws(() => toStructuralSchema(wrap(Type.Ref('Other'))), /"\$ref" is not allowed/);
  assert.throws(() => toStructuralSchema(wrap(Type.Object({}, { additionalProperties: false }))), /additionalProperties may not be false/);
  assert.throws(() => toStructuralSchema(wrap(Type.Unsafe({ description: 'untyped' }))), /field: every field needs a type/);
});

test('defineCRD insists on exactly one storage version', () => {
  const schema = kubeObject('x', Type.Object({}), Type.Object({}));
  const definition = { group: 'example.com', kind: 'Thing', plural: 'things', scope: 'Namespaced' as const };
  assert.throws(() => defineCRD({ ...definition, versions: [{ name: 'v1', schema, storage: false }] }), /things\.example\.com: exactly one storage version is needed, got 0/);
  assert.throws(() => defineCRD({ ...definition, versions: [{ name: 'v1', schema, storage: true }, { name: 'v2', schema, storage: true }] }), /got 2/);
  const crd = defineCRD({ ...definition, versions: [{ name: 'v1', schema, storage: true }] });
  assert.deepEqual(validateCRD(crd), []);
  assert.deepEqual(crdSpec(crd).names, { kind: 'Thing', listKind: 'ThingList', plural: 'things', singular: 'thing' });
});
