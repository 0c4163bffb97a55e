// Every API error is a metav1.Status with the code, reason and message kube-apiserver would give,
// so kubectl and client libraries print and classify it the same way.
import type { Status, StatusCause, StatusReason } from '../api/meta.ts';
import { StoreError } from '../storage/store.ts';
import { PatchError } from './patch/errors.ts';

type StatusDetails = NonNullable<Status['details']>;

export class ApiError extends Error {
  readonly code: number;
  readonly reason: StatusReason;
  readonly details?: StatusDetails;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

/** The resource as Kubernetes names it in messages: `configmaps`, `widgets.bad.slipway.dev`. */
export interface QualifiedResource {
  group: string;
  plural: string;
}

export function qualifiedName(resource: QualifiedResource): string {
  return resource.group === '' ? resource.plural : `${resource.plural}.${resource.group}`;
}

export function failureStatus(code: number, reason: StatusReason, message: string, details?: StatusDetails): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

export function successStatus(details?: StatusDetails): Status {
  return { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Success', message: '', reason: '', ...(details ? { details } : {}), code: 200 };
}

export const badRequest = (message: string, causes?: StatusCause[]) => new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
export const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized: a valid bearer token is required');
export const forbidden = (message: string) => new ApiError(403, 'Forbidden', message);
export const methodNotAllowed = (method: string, what: string) => new ApiError(405, 'MethodNotAllowed', `the server does not allow the method ${method} on ${what}`);
export const notAcceptable = (accept: string) => new ApiError(406, 'NotAcceptable', `the server cannot produce a response in any of the accepted media types: ${accept}`);
export const unsupportedMediaType = (contentType: string, supported: string[]) => new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format: ${contentType || '(none)'}; accepted media types include: ${supported.join(', ')}`);
export const tooLarge = (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `the request body is too large: limit is ${limit} bytes`);
export const internalError = (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
export const unavailable = (message: string) => new ApiError(503, 'ServiceUnavailable', message);
export const expired = (message: string) => new ApiError(410, 'Expired', message);
export const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

export function notFound(resource: QualifiedResource, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(resource)} "${name}" not found`, { name, group: resource.group, kind: resource.plural });
}

export function alreadyExists(resource: QualifiedResource, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(resource)} "${name}" already exists`, { name, group: resource.group, kind: resource.plural });
}

export function conflict(resource: QualifiedResource, name: string, why: string, causes?: StatusCause[]): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(resource)} "${name}": ${why}`, { name, group: resource.group, kind: resource.plural, ...(causes ? { causes } : {}) });
}

export const staleObjectMessage = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 with every violation listed, formatted as kube-apiserver does. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const described = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = described.length === 1 ? described[0] : `[${described.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, { name, group, kind, causes });
}

/** Any thrown value as the Status to send; unknown errors become a 500 without internals. */
export function statusFromError(error: unknown, resource?: QualifiedResource, name?: string): Status {
  if (error instanceof ApiError) return error.toStatus();
  if (error instanceof PatchError) return failureStatus(error.status, error.reason, error.message, error.causes.length ? { causes: error.causes } : undefined);
  if (error instanceof StoreError) return storeErrorStatus(error, resource, name);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return internalError(message).toStatus();
}

function storeErrorStatus(error: StoreError, resource?: QualifiedResource, name?: string): Status {
  const target = resource ?? { group: '', plural: 'objects' };
  switch (error.code) {
    case 'NotFound': return notFound(target, name ?? '').toStatus();
    case 'AlreadyExists': return alreadyExists(target, name ?? '').toStatus();
    case 'Conflict': return conflict(target, name ?? '', staleObjectMessage).toStatus();
    case 'Compacted': return expired(`The resourceVersion for the provided list is too old: ${error.message}`).toStatus();
    case 'Unavailable': return unavailable(`the storage backend is unavailable: ${error.message}`).toStatus();
  }
}
