// Machine host names, checked in one place for everything that writes them (/etc/hostname,
// /etc/hosts, the runtime's spec): RFC 1123 host names — letters, digits and '-' in dot-separated
// labels that neither start nor end with '-' — of at most 63 characters a label and 64 in all
// (Linux's HOST_NAME_MAX), so nothing but a name ever reaches those files.

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
export const MAX_HOSTNAME_LENGTH = 64;

/** Why `name` is not a valid host name (naming it as `what`), or undefined when it is one. */
export function hostnameProblem(name: unknown, what = 'hostname'): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return `${what} is missing`;
  if (name.length > MAX_HOSTNAME_LENGTH || !name.split('.').every((label) => LABEL.test(label))) {
    return `${what} ${JSON.stringify(name.slice(0, 80))} is not a valid host name: use letters, digits and '-' in dot-separated labels of at most 63 characters, ${MAX_HOSTNAME_LENGTH} in all`;
  }
  return undefined;
}

/** Throws unless `name` is a valid host name. */
export function validateHostname(name: string): void {
  const problem = hostnameProblem(name);
  if (problem) throw new Error(problem);
}
