/**
 * Debian's Chromium for the browser suites, driven by playwright-core (no browser is downloaded):
 * the rule for a machine without it. Launching is in `chromium.ts`.
 */
import { existsSync } from 'node:fs';
import { describe, it } from 'vitest';
import { CHROMIUM } from './chromium.js';

export { CHROMIUM, launchBrowser, MOBILE } from './chromium.js';

/**
 * `describe(title, suite)` when Chromium is installed. Without it, one test named for the skip
 * (never `.skip`), which fails under `CI=true`, where the browser suites must run.
 */
export function describeInBrowser(title: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, suite);
    return;
  }
  describe(title, () => {
    const ci = process.env.CI === 'true';
    it(
      ci
        ? `FAILED under CI: no Chromium at ${CHROMIUM}, the suite "${title}" did not run`
        : `SKIPPED for lack of a browser: no Chromium at ${CHROMIUM} (bash scripts/ensure-browser.sh installs it)`,
      () => {
        if (ci) throw new Error('the browser suites must run under CI; install Chromium (scripts/ensure-browser.sh)');
      },
    );
  });
}
