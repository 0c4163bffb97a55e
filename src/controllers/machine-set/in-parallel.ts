// A MachineSet's writes to its Machines (creations, deletions, in-place updates, conditions) are independent
// of each other: made one after the other, each waits a full round trip (and a store commit) for the previous
// one, so a reconcile touching a thousand Machines takes tens of seconds and stalls the rollout behind it.
// Made a few at a time they share commits. As Cluster API aggregates the errors of its per-Machine writes, one
// failure does not stop the others: every item is tried, then the first error is thrown.

/** Machine writes of one reconcile in flight at once. */
export const MACHINE_WRITES_IN_FLIGHT = 16;

/** Runs `work` on every item, at most `limit` at a time; once all are done, throws the first error. */
export async function forEachInParallel<T>(items: readonly T[], work: (item: T) => Promise<void>, limit = MACHINE_WRITES_IN_FLIGHT): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
