/**
 * QR codes of checkout links: SVG for pages, text for terminals. Encoding is `uqr`'s (zero
 * dependencies, any runtime); drawing is ours, so the SVG is one path of merged runs.
 *
 * @packageDocumentation
 */
import { deflateSync } from 'node:zlib';
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

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A QR code of `text` as a PNG (1-bit grayscale, `scale` pixels per module): an image WeChat lets
 * a buyer long-press to "identify the QR code in the picture" (识别图中二维码), which it does not
 * offer on an inline SVG.
 *
 * @example
 * ```ts
 * const src = `data:image/png;base64,${Buffer.from(renderQrPng(codeUrl)).toString('base64')}`;
 * ```
 */
export function renderQrPng(text: string, options: { scale?: number; border?: number } = {}): Uint8Array {
  const scale = options.scale ?? 8;
  const qr = encode(text, { ecc: 'M', border: options.border ?? 4 });
  const side = qr.size * scale;
  const rowBytes = Math.ceil(side / 8);
  const raw = Buffer.alloc((rowBytes + 1) * side);
  for (let y = 0; y < side; y++) {
    const row = qr.data[Math.floor(y / scale)] ?? [];
    const offset = y * (rowBytes + 1); // filter byte 0: none
    for (let x = 0; x < side; x++) {
      // 1 is white in grayscale: set the bit for a light module.
      const at = offset + 1 + (x >> 3);
      if (!row[Math.floor(x / scale)]) raw[at] = (raw[at] as number) | (0x80 >> (x & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}
