// POST to a collection: create an object (201), or validate it only with dryRun=All.
import { createObject } from '../object-writer.ts';
import { checkKind, checkNamespace, readObject, respond, writeOptions, type ResourceScope } from './request-scope.ts';

export async function createHandler(scope: ResourceScope): Promise<void> {
  const options = writeOptions(scope);
  const body = await readObject(scope);
  checkKind(scope.type, body);
  checkNamespace(scope, body);
  const created = await createObject(scope.ctx, scope.type, scope.namespace, body, options);
  respond(scope, 201, created);
}
