import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Schema } from '../../src/api/resource.ts';
import { applyStrategicMergePatch } from '../../src/apiserver/patch/strategic-merge-patch.ts';
import { PatchError } from '../../src/apiserver/patch/errors.ts';

// A Pod-like kind annotated the way Kubernetes publishes core/v1 Pod.
const podSchema: Schema = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      properties: {
        containers: {
          type: 'array',
          'x-kubernetes-patch-strategy': 'merge',
          'x-kubernetes-patch-merge-key': 'name',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              image: { type: 'string' },
              args: { type: 'array', items: { type: 'string' } },
              ports: {
                type: 'array',
                'x-kubernetes-patch-strategy': 'merge',
                'x-kubernetes-patch-merge-key': 'containerPort',
                items: { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: { type: 'string' } } },
              },
              env: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name', items: { type: 'object' } },
            },
          },
        },
        volumes: {
          type: 'array',
          'x-kubernetes-patch-strategy': 'merge,retainKeys',
          'x-kubernetes-patch-merge-key': 'name',
          items: { type: 'object', properties: { name: { type: 'string' }, emptyDir: { type: 'object' }, hostPath: { type: 'object' } } },
        },
        nodeSelector: { type: 'object', additionalProperties: { type: 'string' } },
        replaced: { type: 'object', 'x-kubernetes-patch-strategy': 'replace' },
        matrix: { type: 'array', 'x-kubernetes-patch-strategy': 'merge', items: { type: 'array' } },
      },
    },
  },
};

function pod(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'p' }) {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec };
}

// Ordering follows apimachinery: patch items keep the patch's order and go before server-only
// items unless the server had them earlier, so a new item lands ahead of items the patch did not name.
test('lists with a merge key merge item by item; new items are placed as apimachinery orders them', () => {
  const original = pod({ containers: [{ name: 'app', image: 'app:1', args: ['a'] }, { name: 'log', image: 'log:1' }] });
  const before = structuredClone(original);
  const patched = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'app', image: 'app:2' }, { name: 'new', image: 'new:1' }] } }, podSchema);
  assert.deepEqual(patched, pod({ containers: [{ name: 'app', image: 'app:2', args: ['a'] }, { name: 'new', image: 'new:1' }, { name: 'log', image: 'log:1' }] }));
  assert.deepEqual(original, before, 'original untouched');
});

test('nested merge-key lists merge too; lists without a strategy are replaced', () => {
  const original = pod({ containers: [{ name: 'app', args: ['a', 'b'], ports: [{ containerPort: 80 }, { containerPort: 443 }] }] });
  const patched = applyStrategicMergePatch(original, { spec: { containers: [{ name: 'app', args: ['c'], ports: [{ containerPort: 80, protocol: 'TCP' }] }] } }, podSchema);
  assert.deepEqual(patched, pod({ containers: [{ name: 'app', args: ['c'], ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 443 }] }] }));
});

test('null deletes a map key; $patch: delete removes a list item; $patch: replace replaces a list or map', () => {
  const original = pod({ nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'app' }, { name: 'log' }] });
  assert.deepEqual(applyStrategicMergePatch(original, { spec: { nodeSelector: { disk: null } } }, podSchema), pod({ nodeSelector: { zone: 'a' }, containers: [{ name: 'app' }, { name: 'log' }] }));
  assert.deepEqual(applyStrategicMergePatch(original, { spec: { containers: [{ name: 'app', $patch: 'delete' }] } }, podSchema), pod({ nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'log' }] }));
  assert.deepEqual(applyStrategicMergePatch(original, { spec: { containers: [{ name: 'only' }, { $patch: 'replace' }] } }, podSchema), pod({ nodeSelector: { zone: 'a', disk: 'ssd' }, containers: [{ name: 'only' }] }));
  assert.deepEqual(applyStrategicMergePatch(original, { spec: { nodeSelector: { $patch: 'replace', region: 'eu' } } }, podSchema), pod({ nodeSelector: { region: 'eu' }, containers: [{ name: 'app' }, { name: 'log' }] }));
  assert.deepEqual(applyStrategicMergePatch(original, { spec: { nodeSelector: { $patch: 'delete' } } }, podSchema), pod({ nodeSelector: {}, containers: [{ name: 'app' }, { name: 'log' }] }));
});

test('a map field with patch strategy replace is replaced, not merged', () => {
  const patched = applyStrategicMergePatch(pod({ replaced: { a: 1, b: 2 } }), { spec: { replaced: { c: 3 } } }, podSchema);
  assert.deepEqual(patched, pod({ replaced: { c: 3 } }));
});

test('primitive lists with strategy merge are merged as sets; $deleteFromPrimitiveList removes values', () => {
  const original = pod({}, { name: 'p', finalizers: ['a', 'b'] });
  assert.deepEqual(applyStrategicMergePatch(original, { metadata: { finalizers: ['b', 'c'] } }, podSchema), pod({}, { name: 'p', finalizers: ['a', 'b', 'c'] }));
  assert.deepEqual(applyStrategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, podSchema), pod({}, { name: 'p', finalizers: ['b'] }));
  assert.deepEqual(applyStrategicMergePatch(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'], finalizers: ['d'] } }, podSchema), pod({}, { name: 'p', finalizers: ['d', 'b'] }));
  assert.deepEqual(applyStrategicMergePatch(pod({}), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, podSchema), pod({}), 'no list is created');
});

test('kubectl label / annotate patches merge metadata maps', () => {
  const original = pod({}, { name: 'p', labels: { app: 'web', tier: 'front' } });
  const patched = applyStrategicMergePatch(original, { metadata: { labels: { tier: null, env: 'prod' } } }, podSchema);
  assert.deepEqual(patched, pod({}, { name: 'p', labels: { app: 'web', env: 'prod' } }));
});

test('ownerReferences merge by uid (standard ObjectMeta semantics)', () => {
  const original = pod({}, { name: 'p', ownerReferences: [{ uid: '1', name: 'a' }] });
  const patched = applyStrategicMergePatch(original, { metadata: { ownerReferences: [{ uid: '2', name: 'b' }] } }, podSchema);
  assert.deepEqual(patched, pod({}, { name: 'p', ownerReferences: [{ uid: '2', name: 'b' }, { uid: '1', name: 'a' }] }));
});

test('$setElementOrder orders patched items and interleaves server-only items (apimachinery test cases)', () => {
  const original = pod({ containers: [{ name: '1', other: 'a' }, { name: '3', value: 3 }, { name: '4', value: 4 }, { name: '2', value: 2 }, { name: '9' }] });
  const patched = applyStrategicMergePatch(original, { spec: { '$setElementOrder/containers': [{ name: '4' }, { name: '2' }, { name: '3' }, { name: '1' }] } }, podSchema);
  assert.deepEqual(patched, pod({ containers: [{ name: '4', value: 4 }, { name: '2', value: 2 }, { name: '3', value: 3 }, { name: '1', other: 'a' }, { name: '9' }] }));

  const second = pod({ containers: [{ name: '1', other: 'a' }, { name: '2', value: 2 }, { name: '9' }, { name: '3', value: 3 }, { name: '4', value: 4 }] });
  const patchedSecond = applyStrategicMergePatch(second, { spec: { '$setElementOrder/containers': [{ name: '2' }, { name: '1' }, { name: '4' }, { name: '3' }] } }, podSchema);
  assert.deepEqual(patchedSecond, pod({ containers: [{ name: '2', value: 2 }, { name: '1', other: 'a' }, { name: '9' }, { name: '4', value: 4 }, { name: '3', value: 3 }] }));
});

test('$setElementOrder with a patched list merges and orders it; primitives too', () => {
  const original = pod({ containers: [{ name: 'a', image: '1' }, { name: 'b', image: '1' }] });
  const patched = applyStrategicMergePatch(original, {
    spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'b' }, { name: 'a' }], containers: [{ name: 'c', image: '2' }, { name: 'b', image: '2' }] },
  }, podSchema);
  assert.deepEqual(patched, pod({ containers: [{ name: 'c', image: '2' }, { name: 'b', image: '2' }, { name: 'a', image: '1' }] }));

  const withFinalizers = pod({}, { name: 'p', finalizers: ['x', 'y'] });
  const reordered = applyStrategicMergePatch(withFinalizers, { metadata: { '$setElementOrder/finalizers': ['z', 'y', 'x'], finalizers: ['z'] } }, podSchema);
  assert.deepEqual(reordered, pod({}, { name: 'p', finalizers: ['z', 'y', 'x'] }));
});

test('$retainKeys clears keys not listed (volume source switch, as kubectl apply sends it)', () => {
  const original = pod({ volumes: [{ name: 'data', emptyDir: {} }] });
  const patched = applyStrategicMergePatch(original, { spec: { volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }] } }, podSchema);
  assert.deepEqual(patched, pod({ volumes: [{ name: 'data', hostPath: { path: '/srv' } }] }));
});

test('directives never leak into new values', () => {
  const patched = applyStrategicMergePatch(pod({}), { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'emptyDir'], emptyDir: {} }], containers: [{ name: 'x', $patch: 'delete' }] } }, podSchema);
  assert.deepEqual(patched, pod({ volumes: [{ name: 'v', emptyDir: {} }], containers: [] }));
});

function rejects(original: unknown, patch: unknown, status: 400 | 422, pattern: RegExp): void {
  assert.throws(() => applyStrategicMergePatch(original, patch, podSchema), (error: unknown) => {
    assert.ok(error instanceof PatchError, `expected a PatchError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.match(error.message, pattern);
    return true;
  });
}

test('malformed patches are rejected with kube-apiserver\'s status codes', () => {
  rejects(pod({}), [1], 400, /must be a JSON object/);
  rejects(pod({ volumes: [{ name: 'v', emptyDir: {} }] }), { spec: { volumes: [{ name: 'v', $retainKeys: 'name' }] } }, 400, /invalid patch format of retainKeys/);
  rejects(pod({ volumes: [{ name: 'v' }] }), { spec: { volumes: [{ name: 'v', $retainKeys: ['name'], hostPath: {} }] } }, 422, /doesn't match retainKeys list/);
  rejects(pod({}, { name: 'p', finalizers: ['a'] }), { metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 400, /invalid patch format of primitive list/);
  rejects(pod({ containers: [{ name: 'a' }] }), { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b' }] } }, 400, /setElementOrder/);
  rejects(pod({ matrix: [[1]] }), { spec: { matrix: [[2]] } }, 422, /lists of lists are not supported/);
  rejects(pod({ containers: [{ name: 'a' }] }), { spec: { containers: [{ image: 'x' }] } }, 422, /does not contain declared merge key: name/);
  rejects(pod({ containers: [{ name: 'a' }] }), { spec: { containers: [{ name: 'a', $patch: 'merge' }] } }, 422, /merging lists cannot yet be specified/);
  rejects(pod({ nodeSelector: { a: 'b' } }), { spec: { nodeSelector: { $patch: 'frobnicate' } } }, 422, /unknown patch type: frobnicate/);
});

test('values of a different kind replace the original', () => {
  const patched = applyStrategicMergePatch(pod({ containers: [{ name: 'a' }] }), { spec: { containers: 'none' } }, podSchema);
  assert.deepEqual(patched, pod({ containers: 'none' }));
});
