// Bearer-token authentication: every request but the health probes carries a token the server
// knows. Tokens are compared in constant time so response timing does not leak them.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { unauthorized } from './status-errors.ts';

export interface UserInfo {
  username: string;
  groups: string[];
}

const anonymousPaths = new Set(['/healthz', '/readyz', '/livez']);

export function isAnonymousPath(pathname: string): boolean {
  return anonymousPaths.has(pathname) || pathname.startsWith('/healthz/') || pathname.startsWith('/readyz/') || pathname.startsWith('/livez/');
}

const digest = (token: string) => createHash('sha256').update(token).digest();

export class TokenAuthenticator {
  private readonly byDigest: { digest: Buffer; user: UserInfo }[];

  constructor(tokens: Map<string, UserInfo>) {
    this.byDigest = [...tokens].map(([token, user]) => ({ digest: digest(token), user }));
  }

  /** The caller's identity; throws a 401 Status for a missing, malformed or unknown token. */
  authenticate(req: IncomingMessage): UserInfo {
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized();
    const presented = digest(match[1]);
    let found: UserInfo | undefined;
    // Compare against every token so the time taken does not depend on which one matched.
    for (const entry of this.byDigest) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.user;
    }
    if (!found) throw unauthorized();
    return found;
  }
}
