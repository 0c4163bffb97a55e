// JSON patch (RFC 6902), what kube-apiserver applies for application/json-patch+json.
// kube-apiserver answers 400 when the body does not decode as a list of operations and 422
// ("the server rejected our request due to an error in our request") when applying it fails:
// unknown op, malformed or unresolvable path, failed test. We keep that split and add the reason.

import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { PatchError } from './errors.ts';
import { isJsonObject } from './json-values.ts';

const rejectedMessage = 'the server rejected our request due to an error in our request';

const reasonByErrorName: Record<string, string> = {
  OPERATION_OP_INVALID: 'op must be one of add, remove, replace, move, copy, test',
  OPERATION_PATH_INVALID: 'path must be a JSON pointer starting with "/"',
  OPERATION_FROM_REQUIRED: 'from is required for move and copy',
  OPERATION_VALUE_REQUIRED: 'value is required for add, replace and test',
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: 'value is required for add, replace and test',
  OPERATION_PATH_CANNOT_ADD: 'the parent of path does not exist',
  OPERATION_PATH_UNRESOLVABLE: 'path does not exist',
  OPERATION_FROM_UNRESOLVABLE: 'from does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'array index in path is not a non-negative integer',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'array index in path is out of bounds',
  TEST_OPERATION_FAILED: 'test failed: the value at path differs',
};

/** Applies the RFC 6902 `operations` to a copy of `target`; throws PatchError (400 undecodable, 422 failed). */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    throw new PatchError(400, 'error decoding patch: a JSON patch must be an array of operations');
  }
  operations.forEach((operation, index) => {
    if (!isJsonObject(operation)) {
      throw new PatchError(400, `error decoding patch: operation ${index} is not an object`);
    }
  });
  const document = structuredClone(target);
  try {
    // validate=true checks each operation against the document before applying it, so a
    // failure leaves nothing half-applied (we work on a copy anyway).
    return fastJsonPatch.applyPatch(document, operations as Operation[], true, true, true).newDocument;
  } catch (error) {
    if (error instanceof fastJsonPatch.JsonPatchError) {
      const index = error.index ?? 0;
      const operation = isJsonObject(operations[index]) ? operations[index] : {};
      const path = typeof operation.path === 'string' ? operation.path : '';
      const op = typeof operation.op === 'string' ? operation.op : String(operation.op);
      const detail = `operation ${index} (${op} ${JSON.stringify(path)}): ${reasonByErrorName[error.name] ?? error.message}`;
      throw new PatchError(422, `${rejectedMessage}: ${detail}`, [{ reason: 'FieldValueInvalid', message: detail, field: path }]);
    }
    throw error;
  }
}
