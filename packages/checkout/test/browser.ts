/**
 * Debian's Chromium for the browser suites, driven by playwright-core (no browser is downloaded):
 * the rule for a machine without it. Launching is in `chromium.ts`.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { skipUnavailable } from '../../../tests/support/unavailable.js';
import { CHROMIUM } from './chromium.js';

export { CHROMIUM, closePage, launchBrowser, MOBILE, STEP_MS, step } from './chromium.js';

/**
 * `describe(title, suite)` when Chromium is installed. Without it, one test that reports itself
 * skipped with the reason (never `.skip`), and fails under `CI=true`, where the browser suites must run.
 */
export function describeInBrowser(title: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, suite);
    return;
  }
  describe(title, () => {
    it(`${title}: not run (no Chromium at ${CHROMIUM}; bash scripts/ensure-browser.sh installs it)`, (context) =>
      skipUnavailable(context, `no Chromium at ${CHROMIUM}, the suite "${title}" did not run`));
  });
}
