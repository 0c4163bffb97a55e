// Registry authentication as Docker's distribution spec describes it: a request answered 401
// carries WWW-Authenticate challenges. "Bearer" sends the client to a token service (with basic
// credentials if it has any, anonymously otherwise) for a token scoped to the repository; "Basic"
// wants the credentials on every request.
import { ImageError } from './image-error.ts';

export interface RegistryCredentials {
  username: string;
  password: string;
}

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"`, `Basic realm="…"`, or several. */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  const token = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)/y;
  let i = 0;
  while (i < header.length) {
    token.lastIndex = i;
    const name = token.exec(header);
    if (!name) {
      i++;
      continue;
    }
    i = token.lastIndex;
    const rest = /^\s*=\s*/.exec(header.slice(i));
    if (rest && challenges.length > 0) {
      i += rest[0].length;
      let value: string;
      if (header[i] === '"') {
        let j = i + 1;
        value = '';
        while (j < header.length && header[j] !== '"') {
          if (header[j] === '\\' && j + 1 < header.length) j++;
          value += header[j++];
        }
        i = j + 1;
      } else {
        const end = header.indexOf(',', i);
        value = header.slice(i, end < 0 ? undefined : end).trim();
        i = end < 0 ? header.length : end;
      }
      challenges[challenges.length - 1].params[name[1].toLowerCase()] = value;
    } else {
      challenges.push({ scheme: name[1].toLowerCase(), params: {} });
    }
    const comma = /^\s*,/.exec(header.slice(i));
    if (comma) i += comma[0].length;
  }
  return challenges;
}

export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export type Fetcher = (url: string, init: { headers: Record<string, string> }) => Promise<{ status: number; text(): Promise<string> }>;

/** Asks a token service for a bearer token; returns the Authorization header value. */
export async function fetchBearerToken(fetcher: Fetcher, challenge: Challenge, defaultScope: string, credentials: RegistryCredentials | undefined, registry: string): Promise<string> {
  const realm = challenge.params.realm;
  let url: URL;
  try {
    url = new URL(realm ?? '');
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ImageError('Registry', `registry ${registry} sent a bearer challenge with an unusable token realm ${JSON.stringify(realm)}`);
  }
  if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
  url.searchParams.set('scope', challenge.params.scope ?? defaultScope);
  if (credentials) url.searchParams.set('account', credentials.username);
  const response = await fetcher(url.toString(), { headers: credentials ? { authorization: basicAuthorization(credentials) } : {} });
  const body = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new ImageError('Unauthorized', credentials
      ? `registry ${registry}'s token service refused the credentials of ${credentials.username} (${response.status}): check the user name and password`
      : `registry ${registry} needs credentials for this image (its token service answered ${response.status}): pass a user name and password`);
  }
  if (response.status !== 200) throw new ImageError('Registry', `registry ${registry}'s token service answered ${response.status}: ${body.slice(0, 200)}`);
  let token: unknown;
  try {
    const json = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    token = json.token ?? json.access_token;
  } catch {
    token = undefined;
  }
  if (typeof token !== 'string' || token === '') throw new ImageError('Registry', `registry ${registry}'s token service answered without a token`);
  return `Bearer ${token}`;
}
