// Output rendering of the CLI, checked line by line against what kubectl prints for the same input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { humanDuration } from '../../src/cli/printers/duration.ts';
import { alignColumns, renderTable, type Table } from '../../src/cli/printers/table-printer.ts';
import { objectOrList, objectReference, toJson, toYaml } from '../../src/cli/printers/object-printer.ts';
import { labelFor, renderDescribe } from '../../src/cli/printers/describe-printer.ts';
import { parseManifests } from '../../src/cli/manifests.ts';
import type { KubeObject } from '../../src/api/meta.ts';

const now = new Date('2025-06-01T12:00:00Z');

test('humanDuration follows kubectl\'s rounding', () => {
  const cases: Array<[number, string]> = [
    [-5, '<invalid>'], [-1, '0s'], [0, '0s'], [119, '119s'], [120, '2m'], [150, '2m30s'], [600, '10m'],
    [3 * 3600 - 1, '179m'], [3 * 3600, '3h'], [3 * 3600 + 600, '3h10m'], [8 * 3600, '8h'], [47 * 3600, '47h'],
    [48 * 3600, '2d'], [50 * 3600, '2d2h'], [8 * 86400, '8d'], [730 * 86400, '2y'], [735 * 86400, '2y5d'], [9 * 365 * 86400, '9y'],
  ];
  for (const [seconds, expected] of cases) assert.equal(humanDuration(seconds), expected, `${seconds}s`);
});

test('alignColumns pads all but the last cell to the widest cell plus padding', () => {
  assert.deepEqual(alignColumns([['NAME', 'DATA', 'AGE'], ['a-long-name', '1', '5m']]), [
    'NAME          DATA   AGE',
    'a-long-name   1      5m',
  ]);
  // Go's tabwriter minimum width of 6 applies to short columns.
  assert.deepEqual(alignColumns([['A', 'B'], ['c', 'd']]), ['A     B', 'c     d']);
});

const configMaps: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', priority: 0 },
    { name: 'Data', type: 'integer', priority: 0 },
    { name: 'Age', type: 'date', priority: 0 },
    { name: 'Extra', type: 'string', priority: 1 },
  ],
  rows: [
    { cells: ['one', 2, '5m', 'x'], object: { metadata: { name: 'one', namespace: 'default' } } },
    { cells: ['three', 0, '2025-06-01T11:00:00Z', null], object: { metadata: { name: 'three', namespace: 'kube-system' } } },
  ],
};

test('renderTable prints the default columns, ages raw timestamps and shows <none> for null', () => {
  assert.equal(renderTable(configMaps, { now }), [
    'NAME    DATA   AGE',
    'one     2      5m',
    'three   0      60m',
  ].join('\n'));
});

test('renderTable with wide, namespace and kind prefix', () => {
  assert.equal(renderTable(configMaps, { now, wide: true, withNamespace: true, kindPrefix: 'configmap' }), [
    'NAMESPACE     NAME              DATA   AGE   EXTRA',
    'default       configmap/one     2      5m    x',
    'kube-system   configmap/three   0      60m   <none>',
  ].join('\n'));
  assert.equal(renderTable(configMaps, { now, noHeaders: true }).split('\n')[0], 'one     2     5m');
  assert.equal(renderTable({ ...configMaps, rows: [] }), '');
});

const configMap: KubeObject = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'app', namespace: 'default' }, data: { b: '2', a: '1' } };

test('toYaml sorts keys and does not indent sequences, like kubectl', () => {
  assert.equal(toYaml({ kind: 'X', apiVersion: 'v1', list: [{ b: 1, a: 2 }] }), 'apiVersion: v1\nkind: X\nlist:\n- a: 2\n  b: 1\n');
  assert.deepEqual(parse(toYaml(configMap)), configMap);
});

test('toJson indents by four spaces; several objects become a List', () => {
  assert.equal(toJson({ a: [1] }), '{\n    "a": [\n        1\n    ]\n}\n');
  assert.equal(objectOrList([configMap], true), configMap);
  assert.deepEqual(objectOrList([configMap], false), { apiVersion: 'v1', kind: 'List', items: [configMap], metadata: { resourceVersion: '' } });
});

test('objectReference qualifies kinds outside the core group', () => {
  assert.equal(objectReference(configMap), 'configmap/app');
  assert.equal(objectReference({ kind: 'CustomResourceDefinition', apiVersion: 'apiextensions.k8s.io/v1', metadata: { name: 'widgets.example.com' } }),
    'customresourcedefinition.apiextensions.k8s.io/widgets.example.com');
});

test('labelFor turns field names into describe labels', () => {
  assert.deepEqual(['apiVersion', 'uid', 'podCIDRs', 'controlPlaneEndpoint', 'sshKeys', 'replicas', 'app.kubernetes.io/name'].map(labelFor),
    ['API Version', 'UID', 'Pod CIDRs', 'Control Plane Endpoint', 'SSH Keys', 'Replicas', 'app.kubernetes.io/name']);
});

test('renderDescribe lays out identity, metadata, owners, fields, conditions and events', () => {
  const machine: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: {
      name: 'm1', namespace: 'default', labels: { b: '2', a: '1' }, annotations: { 'note': 'hi', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      uid: 'u1', resourceVersion: '5', creationTimestamp: '2025-06-01T11:00:00Z', managedFields: [],
      ownerReferences: [{ apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineSet', name: 'ms', uid: 'u0', controller: true }],
    },
    spec: { clusterName: 'c1', ports: [{ port: 80, protocol: 'TCP' }, { port: 81 }], tags: ['a', 'b'], script: 'one\ntwo\n' },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Ok', lastTransitionTime: '2025-06-01T11:55:00Z', message: 'all good' },
        { type: 'InfrastructureReady', status: 'False', reason: 'Waiting', lastTransitionTime: '2025-06-01T11:59:30Z' },
      ],
    },
  };
  const events = [
    { type: 'Warning', reason: 'Failed', message: 'later', lastTimestamp: '2025-06-01T11:59:00Z', source: { component: 'b' } },
    { type: 'Normal', reason: 'Created', message: 'first\n', count: 3, firstTimestamp: '2025-06-01T11:10:00Z', lastTimestamp: '2025-06-01T11:58:00Z', source: { component: 'machine-controller' } },
  ];
  assert.equal(renderDescribe(machine, events, { now }), [
    'Name:         m1',
    'Namespace:    default',
    'Labels:       a=1',
    '              b=2',
    'Annotations:  note: hi',
    'API Version:  cluster.x-k8s.io/v1beta2',
    'Kind:         Machine',
    'Metadata:',
    '  UID:                 u1',
    '  Resource Version:    5',
    '  Creation Timestamp:  2025-06-01T11:00:00Z',
    'Owner References:',
    '  Kind        Name  API Version               Controller',
    '  ----        ----  -----------               ----------',
    '  MachineSet  ms    cluster.x-k8s.io/v1beta2  true',
    'Spec:',
    '  Cluster Name:  c1',
    '  Ports:',
    '    - Port:      80',
    '      Protocol:  TCP',
    '    - Port:      81',
    '  Tags:',
    '    a',
    '    b',
    '  Script:',
    '    one',
    '    two',
    'Status:',
    '  Phase:  Running',
    '  Conditions:',
    '    Type                 Status  Reason   Age  Message',
    '    ----                 ------  ------   ---  -------',
    '    Ready                True    Ok       5m   all good',
    '    InfrastructureReady  False   Waiting  30s',
    'Events:',
    '  Type     Reason   Age               From                Message',
    '  ----     ------   ---               ----                -------',
    '  Normal   Created  2m (x3 over 50m)  machine-controller  first',
    '  Warning  Failed   60s               b                   later',
  ].join('\n'));
});

test('renderDescribe shows <none> for absent labels, annotations and events', () => {
  const text = renderDescribe({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }, [], { now });
  assert.equal(text, ['Name:         x', 'Labels:       <none>', 'Annotations:  <none>', 'API Version:  v1', 'Kind:         Namespace', 'Events:       <none>'].join('\n'));
});

test('parseManifests reads multi-document YAML and JSON, expands Lists and skips empty documents', () => {
  const manifests = parseManifests('---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"}}]}\n', 'f.yaml');
  assert.deepEqual(manifests.map((m) => `${m.object.kind}/${m.object.metadata.name} from ${m.source}`), [
    'ConfigMap/a from f.yaml (document 1)',
    'Secret/b from f.yaml (document 3) item 1',
  ]);
});

test('parseManifests rejects malformed YAML and incomplete objects with the place and a hint', () => {
  assert.throws(() => parseManifests('apiVersion: v1\nkind: [ConfigMap\n', 'bad.yaml'), (error: any) => {
    assert.match(error.message, /^malformed YAML in bad\.yaml at line \d+, column \d+: /);
    assert.ok(error.hint);
    return true;
  });
  assert.throws(() => parseManifests('kind: ConfigMap\nmetadata: {name: a}\n', 'f.yaml'), /f\.yaml has no apiVersion/);
  assert.throws(() => parseManifests('apiVersion: v1\nkind: ConfigMap\n', 'f.yaml'), /f\.yaml \(ConfigMap\) has no metadata\.name/);
  assert.throws(() => parseManifests('- a\n- b\n', 'f.yaml'), /f\.yaml is not an object/);
});
