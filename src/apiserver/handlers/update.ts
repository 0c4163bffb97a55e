// PUT of an object or of its status / finalize subresource. A resourceVersion in the body must be
// current (409 otherwise); without one the update is unconditional.
import type { KubeObject } from '../../api/meta.ts';
import { updateObject } from '../object-writer.ts';
import { checkKind, checkNamespace, readObject, respond, writeOptions, type ResourceScope } from './request-scope.ts';

export async function updateHandler(scope: ResourceScope): Promise<void> {
  const options = writeOptions(scope);
  const body = await readObject(scope);
  checkKind(scope.type, body);
  checkNamespace(scope, body);
  const { object } = await updateObject(scope.ctx, scope.type, scope.namespace, scope.name!, () => body as KubeObject, options);
  respond(scope, 200, object);
}
