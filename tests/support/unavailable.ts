/**
 * What a test does when what it needs is missing (a browser, a database server, a runtime): it is
 * reported as skipped, with the reason, never as a passed test; under `CI=true`, where everything
 * must run, it fails instead. `scripts/summary-reporter.ts` lists the reasons.
 */
import type { TestContext } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    /** Why the test did not run (set by {@link skipUnavailable}), read by `scripts/summary-reporter.ts`. */
    notRun?: string;
  }
}

/**
 * Skips the running test for `reason` (it counts as skipped, and the summary names the reason), or
 * throws under `CI=true`. Call it first in the one test a suite registers when it cannot run.
 *
 * @example
 * ```ts
 * it('browser suite', (context) => {
 *   if (!existsSync(CHROMIUM)) return skipUnavailable(context, `no Chromium at ${CHROMIUM}`);
 * });
 * ```
 */
export function skipUnavailable(context: Pick<TestContext, 'skip' | 'task'>, reason: string): void {
  if (process.env.CI === 'true') throw new Error(`cannot run under CI=true: ${reason}`);
  context.task.meta.notRun = reason;
  context.skip(reason);
}
