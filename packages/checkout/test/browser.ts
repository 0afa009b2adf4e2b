/**
 * Debian's Chromium for the browser suites, driven by playwright-core (no browser is downloaded):
 * the flags this machine needs, a fresh profile per suite, and the rule for a machine without it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

export const CHROMIUM = process.env.HUTONG_CHROMIUM ?? '/usr/bin/chromium';

/** A phone's viewport. */
export const MOBILE = { width: 390, height: 844 };

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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

/** A headless Chromium with a fresh profile; `close` ends it and removes the profile. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'hutong-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    locale: 'zh-CN',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
