/**
 * QR codes of checkout links: SVG for pages, text for terminals. Encoding is `uqr`'s (zero
 * dependencies, any runtime); drawing is ours, so the SVG is one path of merged runs.
 *
 * @packageDocumentation
 */
import { encode, renderUnicodeCompact } from 'uqr';

/** Options of {@link renderQrSvg}. */
export interface QrSvgOptions {
  /** Accessible name of the image (`aria-label`). Default: the encoded text. */
  label?: string | undefined;
  /** Quiet zone around the code, in modules. Default 4 (what ISO/IEC 18004 asks for). */
  border?: number | undefined;
}

/**
 * An SVG image of a QR code of `text` (error correction level M), ready to inline in a page: one
 * path, sized by CSS, crisp at any scale.
 *
 * @example
 * ```ts
 * const svg = renderQrSvg(url, { label: '扫码支付' });
 * ```
 */
export function renderQrSvg(text: string, options: QrSvgOptions = {}): string {
  const qr = encode(text, { ecc: 'M', border: options.border ?? 4 });
  let path = '';
  qr.data.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < row.length && row[x]) x++;
      path += `M${start} ${y}h${x - start}v1h${start - x}z`;
    }
  });
  const label = escapeAttribute(options.label ?? text);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label="${label}" shape-rendering="crispEdges"><rect width="${qr.size}" height="${qr.size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}

/**
 * A QR code of `text` as text for a terminal (two modules per character with half blocks, light
 * modules drawn, for the usual dark terminal background).
 *
 * @example
 * ```ts
 * console.log(renderQrText(url));
 * ```
 */
export function renderQrText(text: string): string {
  return renderUnicodeCompact(text, { ecc: 'M', border: 2 });
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
