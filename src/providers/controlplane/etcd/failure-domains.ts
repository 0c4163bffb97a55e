// Spreading members over failure domains, pure, as Cluster API's KubeadmControlPlane does: a new
// member goes where fewest members will stay, a removed one comes from where most are.

export interface PlacedMachine {
  name: string;
  failureDomain?: string;
  /** RFC 3339, for oldest-first choices. */
  creationTimestamp: string;
  upToDate: boolean;
}

const byAge = (a: PlacedMachine, b: PlacedMachine) => a.creationTimestamp.localeCompare(b.creationTimestamp) || a.name.localeCompare(b.name);

function counts(failureDomains: readonly string[], machines: readonly PlacedMachine[]): Map<string, number> {
  const count = new Map(failureDomains.map((fd) => [fd, 0]));
  for (const m of machines) if (m.failureDomain !== undefined && count.has(m.failureDomain)) count.set(m.failureDomain, count.get(m.failureDomain)! + 1);
  return count;
}

/**
 * The failure domain for a new member: fewest up-to-date machines (those a rollout keeps), then
 * fewest machines, then by name. Undefined when the cluster offers none.
 */
export function failureDomainForScaleUp(failureDomains: readonly string[], machines: readonly PlacedMachine[]): string | undefined {
  const upToDate = counts(failureDomains, machines.filter((m) => m.upToDate));
  const all = counts(failureDomains, machines);
  return [...failureDomains].sort((a, b) => upToDate.get(a)! - upToDate.get(b)! || all.get(a)! - all.get(b)! || a.localeCompare(b))[0];
}

/**
 * Which of `candidates` to remove: one in the failure domain holding most of `machines` (machines in no
 * known failure domain first, as they spread nothing), and the oldest of those.
 */
export function machineToRemove<T extends PlacedMachine>(candidates: readonly T[], machines: readonly PlacedMachine[], failureDomains: readonly string[]): T | undefined {
  const known = new Set(failureDomains);
  const all = counts(failureDomains, machines);
  const weight = (m: PlacedMachine) => (m.failureDomain === undefined || !known.has(m.failureDomain) ? Infinity : all.get(m.failureDomain)!);
  return [...candidates].sort((a, b) => weight(b) - weight(a) || byAge(a, b))[0];
}
