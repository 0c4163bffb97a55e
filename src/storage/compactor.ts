// Periodic compaction, as kube-apiserver does it: at every tick, compact to the revision seen at
// the previous tick. History therefore always covers at least one interval, which is how long a
// watcher may lag or a continue token may live before it gets 410 Gone.
import type { Logger } from 'pino';
import type { Store } from './store.ts';

export interface Compactor {
  stop(): void;
}

export function startCompactor(store: Store, options: { intervalMs: number; logger: Logger }): Compactor {
  let previous = 0;
  const tick = async () => {
    try {
      const current = await store.currentRevision();
      if (previous > 0) {
        await store.compact(previous);
        options.logger.debug({ revision: previous }, 'compacted store history');
      }
      previous = current;
    } catch (error) {
      options.logger.warn({ err: error }, 'store compaction failed; will retry');
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
