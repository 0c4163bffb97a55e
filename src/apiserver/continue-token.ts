// The opaque `continue` token of paged lists: the revision the first page was read at (so every
// page shows the same snapshot) and the last key returned. Same shape as kube-apiserver's.
import { badRequest } from './status-errors.ts';

export interface ContinuePosition {
  revision: number;
  /** The last key returned; the next page starts strictly after it. */
  after: string;
}

export function encodeContinue(position: ContinuePosition): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: position.revision, start: position.after })).toString('base64url');
}

/** Decodes a token and checks it points inside `prefix`; anything else is a 400. */
export function decodeContinue(token: string, prefix: string): ContinuePosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('invalid continue token: it is not a token this server issued; start the list again without "continue"');
  }
  const d = decoded as { v?: unknown; rv?: unknown; start?: unknown };
  if (d?.v !== 'meta.k8s.io/v1' || typeof d.rv !== 'number' || !Number.isSafeInteger(d.rv) || d.rv < 1 || typeof d.start !== 'string' || !d.start.startsWith(prefix)) {
    throw badRequest('invalid continue token: it does not belong to this list; start the list again without "continue"');
  }
  return { revision: d.rv, after: d.start };
}
