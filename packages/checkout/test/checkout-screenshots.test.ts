/**
 * The guide's screenshots are what the pages look like: every page, at a phone's width and a
 * desktop's, captured afresh in Chromium and compared with docs/images/checkout/ pixel by pixel
 * (QR codes masked: they encode a new session each time), so an accidental layout break fails.
 * After an intended change: `pnpm --filter @hutong/checkout screenshots`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeInBrowser, launchBrowser } from './browser.js';
import {
  capture,
  comparePngs,
  DOC_IMAGES,
  imageName,
  SHOTS,
  startShotServer,
  WIDTHS,
  type Width,
} from './screenshots/checkout-shots.js';

/** The share of compared pixels that may differ (font hinting, anti-aliasing). */
const TOLERANCE = 0.005;
const ARTIFACTS = new URL('./artifacts/screenshots/', import.meta.url);

describe('comparePngs', () => {
  function image(width: number, height: number, paint: (x: number, y: number) => number): Buffer {
    const png = new PNG({ width, height });
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const v = paint(x, y);
        png.data[i] = v;
        png.data[i + 1] = v;
        png.data[i + 2] = v;
        png.data[i + 3] = 255;
      }
    }
    return PNG.sync.write(png);
  }
  const card = (dx: number) => (x: number, y: number) => (x >= 10 + dx && x < 90 + dx && y >= 10 && y < 40 ? 0 : 255);

  it('finds a block moved by a few pixels, and a page of another height', () => {
    const moved = comparePngs(image(100, 50, card(0)), image(100, 50, card(4)), []);
    expect(moved.kind === 'pixels' && moved.ratio).toBeGreaterThan(TOLERANCE);
    expect(comparePngs(image(100, 50, card(0)), image(100, 60, card(0)), []).kind).toBe('size');
  });

  it('ignores what is masked, and nothing else', () => {
    const masked = comparePngs(image(100, 50, card(0)), image(100, 50, card(4)), [
      { x: 0, y: 0, width: 100, height: 50 },
    ]);
    expect(masked).toEqual({ kind: 'pixels', ratio: 0 });
    expect(comparePngs(image(100, 50, card(0)), image(100, 50, card(0)), [])).toEqual({ kind: 'pixels', ratio: 0 });
  });
});

describe('the guide shows every page', () => {
  it('at both widths, from files that exist', () => {
    const guide = readFileSync(new URL('../../../docs/unified-checkout.md', import.meta.url), 'utf8');
    for (const shot of SHOTS) {
      for (const width of Object.keys(WIDTHS) as Width[]) {
        const name = imageName(shot, width);
        expect(guide).toContain(`](images/checkout/${name})`);
        expect(readFileSync(new URL(name, DOC_IMAGES)).subarray(1, 4).toString()).toBe('PNG');
      }
    }
  });
});

describeInBrowser('the guide’s screenshots match the pages', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let server: Awaited<ReturnType<typeof startShotServer>>;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
    server = await startShotServer();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 30_000);

  for (const shot of SHOTS) {
    it(`${shot.name}: phone and desktop`, async () => {
      for (const width of Object.keys(WIDTHS) as Width[]) {
        const name = imageName(shot, width);
        const { png, masks } = await capture(browser.context, server, shot, width);
        const difference = comparePngs(readFileSync(new URL(name, DOC_IMAGES)), png, masks);
        if (difference.kind === 'size' || difference.ratio > TOLERANCE) writeFileSync(new URL(name, ARTIFACTS), png);
        expect({ name, difference }).toMatchObject({
          name,
          difference: { kind: 'pixels', ratio: expect.toSatisfy((ratio: number) => ratio <= TOLERANCE) },
        });
      }
    }, 90_000);
  }
});
