import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch } from '../../src/apiserver/patch/json-patch.ts';
import { PatchError } from '../../src/apiserver/patch/errors.ts';

// RFC 6902 appendix A examples that succeed.
const successes: [string, unknown, unknown[], unknown][] = [
  ['A.1 add an object member', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }], { baz: 'qux', foo: 'bar' }],
  ['A.2 add an array element', { foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }], { foo: ['bar', 'qux', 'baz'] }],
  ['A.3 remove an object member', { baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }], { foo: 'bar' }],
  ['A.4 remove an array element', { foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }], { foo: ['bar', 'baz'] }],
  ['A.5 replace a value', { baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }], { baz: 'boo', foo: 'bar' }],
  ['A.6 move a value', { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } }, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } }],
  ['A.7 move an array element', { foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }], { foo: ['all', 'cows', 'eat', 'grass'] }],
  ['A.8 test a value: success', { baz: 'qux', foo: ['a', 2, 'c'] }, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }],
    { baz: 'qux', foo: ['a', 2, 'c'] }],
  ['A.10 add a nested member object', { foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }], { foo: 'bar', child: { grandchild: {} } }],
  ['A.11 ignore unrecognized elements', { foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }], { foo: 'bar', baz: 'qux' }],
  ['A.14 ~ escape ordering', { '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: 10 }], { '/': 9, '~1': 10 }],
  ['A.16 add an array value', { foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }], { foo: ['bar', ['abc', 'def']] }],
  ['copy', { a: { b: 1 } }, [{ op: 'copy', from: '/a', path: '/c' }], { a: { b: 1 }, c: { b: 1 } }],
];

test('RFC 6902 appendix A examples', () => {
  for (const [name, target, operations, expected] of successes) {
    assert.deepEqual(applyJsonPatch(target, operations), expected, name);
  }
});

function rejects(target: unknown, operations: unknown, status: number, pattern: RegExp): void {
  assert.throws(() => applyJsonPatch(target, operations), (error: unknown) => {
    assert.ok(error instanceof PatchError, `expected a PatchError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.reason, status === 400 ? 'BadRequest' : 'Invalid');
    assert.match(error.message, pattern);
    return true;
  });
}

test('a body that is not a list of operations is a 400, as kube-apiserver decoding fails', () => {
  rejects({}, { op: 'add', path: '/a', value: 1 }, 400, /must be an array/);
  rejects({}, ['add'], 400, /operation 0 is not an object/);
});

test('operations that cannot be applied are 422 Invalid with kube-apiserver\'s message and the reason', () => {
  rejects({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }], 422, /^the server rejected our request due to an error in our request: operation 0 \(test "\/baz"\): test failed/);
  rejects({ '/': 9, '~1': 10 }, [{ op: 'test', path: '/~01', value: '10' }], 422, /test failed/); // A.15
  rejects({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 422, /parent of path does not exist/); // A.12
  rejects({ a: 1 }, [{ op: 'frobnicate', path: '/a' }], 422, /op must be one of/);
  rejects({ a: 1 }, [{ op: 'replace', path: 'a', value: 2 }], 422, /JSON pointer/);
  rejects({ a: 1 }, [{ op: 'remove', path: '/missing' }], 422, /path does not exist/);
  rejects({ a: 1 }, [{ op: 'add', path: '/b' }], 422, /value is required/);
});

test('a failing operation leaves the target untouched (all or nothing)', () => {
  const target = { a: 1, list: [1] };
  rejects(target, [{ op: 'replace', path: '/a', value: 2 }, { op: 'add', path: '/list/-', value: 2 }, { op: 'test', path: '/a', value: 1 }], 422, /operation 2 \(test/);
  assert.deepEqual(target, { a: 1, list: [1] });
});

test('the failing operation\'s path is given as the cause field', () => {
  try {
    applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/replicas', value: 3 }]);
    assert.fail('expected a PatchError');
  } catch (error) {
    assert.ok(error instanceof PatchError);
    assert.deepEqual(error.causes.map((c) => c.field), ['/spec/replicas']);
  }
});
