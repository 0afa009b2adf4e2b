// Refreshes the guide's screenshots of every checkout page, at a phone's width and a desktop's, in
// Debian's Chromium (playwright-core; no browser is downloaded):
// `pnpm --filter @hutong/checkout screenshots`. The screenshot test compares fresh captures with them.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { CHROMIUM, launchBrowser } from '../chromium.js';
import { capture, DOC_IMAGES, imageName, SHOTS, startShotServer, WIDTHS, type Width } from './checkout-shots.js';

if (!existsSync(CHROMIUM)) {
  process.stderr.write(`no Chromium at ${CHROMIUM}: run bash scripts/ensure-browser.sh\n`);
  process.exit(1);
}
mkdirSync(DOC_IMAGES, { recursive: true });
const browser = await launchBrowser();
const server = await startShotServer();
try {
  for (const shot of SHOTS) {
    for (const width of Object.keys(WIDTHS) as Width[]) {
      const { png } = await capture(browser.context, server, shot, width);
      writeFileSync(new URL(imageName(shot, width), DOC_IMAGES), png);
      process.stdout.write(`docs/images/checkout/${imageName(shot, width)}\n`);
    }
  }
} finally {
  await server.close();
  await browser.close();
}
