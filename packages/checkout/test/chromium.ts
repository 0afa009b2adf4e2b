/**
 * Debian's Chromium, driven by playwright-core (no browser is downloaded): the flags this machine
 * needs and a fresh profile per run. No test runner here, so scripts (the screenshot refresh) use it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
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

/** Each browser step's deadline in the suites: a step that hangs fails naming itself. */
export const STEP_MS = 15_000;

/**
 * `run`, or an error naming `name` once it has taken longer than a step may: for the browser's
 * calls that take no timeout of their own (opening, attaching to and closing a page).
 */
export async function step<T>(name: string, run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`browser step "${name}" took over ${STEP_MS / 1000} s`)), STEP_MS);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Closes a page once it is quiet. The checkout's pages poll their status and navigate when it
 * changes, and closing a page in the middle of such a navigation sometimes never returned (2 runs
 * in 10 of the pay-for-me suite, where one buyer's page is still polling; none in 30 since):
 * `about:blank` stops the page first.
 */
export async function closePage(page: Page): Promise<void> {
  await page.goto('about:blank', { timeout: STEP_MS });
  await step('close the page', page.close());
}
