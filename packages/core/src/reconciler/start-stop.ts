/**
 * The reconciler's `start()` mode: run, wait `intervalMs` after each run ends, run again, until
 * `stop()`, which waits for the run in progress.
 *
 * @packageDocumentation
 */
import type { Reconciler } from '../reconciler.js';
import type { ReconcilerContext } from './reconciler-context.js';
import { runReconcilerOnce } from './run-once.js';

/**
 * The {@link Reconciler} over its context: `runOnce`, `start`, `stop` and `running`.
 *
 * @example
 * ```ts
 * return reconcilerLoop(createReconcilerContext(options));
 * ```
 */
export function reconcilerLoop(context: ReconcilerContext): Reconciler {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let inFlight: Promise<unknown> | undefined;
  const runOnce = () => runReconcilerOnce(context);

  const loop = async () => {
    if (!running) return;
    const run = runOnce().catch((error: unknown) => context.emit({ type: 'run.failed', error }));
    inFlight = run;
    await run;
    inFlight = undefined;
    if (!running) return;
    timer = setTimeout(loop, context.settings.intervalMs);
    timer.unref?.();
  };

  return {
    runOnce,
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight;
    },
    get running() {
      return running;
    },
  };
}
