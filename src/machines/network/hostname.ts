// Machine hostnames: a lowercase RFC 1123 label, as Kubernetes requires of names that become
// hostnames, so a machine's object name can be its hostname unchanged.
import { isDNS1123Label } from '../../api/builtin/names.ts';

/** Throws unless `name` is a valid hostname (a lowercase RFC 1123 label of at most 63 characters). */
export function validateHostname(name: string): void {
  const problems = isDNS1123Label(name);
  if (problems.length > 0) throw new Error(`invalid hostname ${JSON.stringify(name)}: ${problems.join('; ')}`);
}
