import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch } from '../../src/apiserver/patch/merge-patch.ts';

// RFC 7386 appendix A, verbatim.
const rfcExamples: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

test('RFC 7386 appendix A examples', () => {
  for (const [target, patch, expected] of rfcExamples) {
    assert.deepEqual(applyMergePatch(target, patch), expected, `${JSON.stringify(target)} + ${JSON.stringify(patch)}`);
  }
});

test('neither the target nor the patch is modified, and the result shares nothing with the patch', () => {
  const target = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2] } };
  const patch = { metadata: { labels: { a: null, c: '3' } }, spec: { list: [3], extra: { deep: true } } };
  const targetCopy = structuredClone(target);
  const patchCopy = structuredClone(patch);
  const result = applyMergePatch(target, patch) as { spec: { extra: { deep: boolean } } };
  assert.deepEqual(result, { metadata: { labels: { b: '2', c: '3' } }, spec: { list: [3], extra: { deep: true } } });
  assert.deepEqual(target, targetCopy);
  assert.deepEqual(patch, patchCopy);
  result.spec.extra.deep = false;
  assert.equal(patch.spec.extra.deep, true);
});
