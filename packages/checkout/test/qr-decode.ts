import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import type { Options as JsQrOptions, QRCode } from 'jsqr';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
// jsqr is CommonJS with a `default` typing; load it the way Node does under both module systems.
type JsQr = (data: Uint8ClampedArray, width: number, height: number, options?: JsQrOptions) => QRCode | null;
const jsqrModule = require('jsqr') as JsQr & { default?: JsQr };
const jsQR: JsQr = jsqrModule.default ?? jsqrModule;

let ready: Promise<void> | undefined;

/** Decodes the QR code in a PNG (a rendered SVG or a browser screenshot). */
export function decodePng(png: Buffer): string | undefined {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data;
}

/** Rasterises an SVG (resvg compiled to WebAssembly: no native build) and decodes its QR code. */
export async function decodeSvg(svg: string): Promise<string | undefined> {
  ready ??= initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  await ready;
  const png = new Resvg(svg, { fitTo: { mode: 'width', value: 480 }, background: '#ffffff' }).render().asPng();
  return decodePng(Buffer.from(png));
}

/**
 * Decodes a QR code drawn as terminal text (half blocks, two modules a character): each character
 * becomes two 8×8-pixel cells, light where drawn.
 */
export function decodeTerminalText(text: string): string | undefined {
  const rows = text.split('\n').filter((line) => line.length > 0);
  const width = Math.max(...rows.map((row) => [...row].length));
  const scale = 8;
  const w = (width + 8) * scale;
  const h = (rows.length * 2 + 8) * scale;
  const pixels = new Uint8ClampedArray(w * h * 4).fill(255);
  const paint = (cx: number, cy: number, light: boolean) => {
    for (let y = 0; y < scale; y++)
      for (let x = 0; x < scale; x++) {
        const offset = ((cy * scale + y + 4 * scale) * w + cx * scale + x + 4 * scale) * 4;
        const value = light ? 255 : 0;
        pixels[offset] = value;
        pixels[offset + 1] = value;
        pixels[offset + 2] = value;
      }
  };
  rows.forEach((row, r) => {
    [...row].forEach((char, c) => {
      paint(c, r * 2, char === '█' || char === '▀');
      paint(c, r * 2 + 1, char === '█' || char === '▄');
    });
  });
  return jsQR(pixels, w, h, { inversionAttempts: 'attemptBoth' })?.data;
}
