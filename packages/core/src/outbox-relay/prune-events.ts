/**
 * Retention: deleting what the group acknowledged once it is older than `retentionMs`, in
 * rounds of a few batches, every `pruneIntervalMs` in `start()` mode.
 *
 * @packageDocumentation
 */
import type { RelayContext } from './relay-context.js';

/** At most this many batches in one pruning round, so a round never runs long. */
const PRUNE_BATCHES_PER_ROUND = 20;

/** One pruning round (shared with a round in progress); returns how many events it deleted. */
export async function prune(context: RelayContext): Promise<number> {
  const { outbox, group, pruneBatchSize, retentionMs, retention, now } = context;
  if (retentionMs === false) return 0;
  if (retention.round) return retention.round;
  retention.round = (async () => {
    const before = new Date(now() - retentionMs);
    let total = 0;
    for (let round = 0; round < PRUNE_BATCHES_PER_ROUND; round++) {
      const deleted = await outbox.pruneEvents(before, { group, limit: pruneBatchSize });
      total += deleted;
      if (deleted < pruneBatchSize) break;
    }
    return total;
  })().finally(() => {
    retention.round = undefined;
  });
  return retention.round;
}

/** In `start()` mode, prunes after `delay`, then every `pruneIntervalMs`; failures are reported. */
export function schedulePrune(context: RelayContext, delay: number): void {
  if (!context.run.running || context.retentionMs === false) return;
  const { retention } = context;
  retention.timer = setTimeout(() => {
    prune(context)
      .catch((error: unknown) => context.report(error, {}))
      .finally(() => schedulePrune(context, context.pruneIntervalMs));
  }, delay);
  retention.timer.unref?.();
}
