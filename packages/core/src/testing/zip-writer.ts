/**
 * What the sandboxes need to serve statement files as the wallets do: a ZIP archive laid out as
 * Java's `ZipOutputStream` writes it (Alipay's and UnionPay's statements both come so), and GBK
 * bytes of a text (Node decodes GBK but has no encoder).
 *
 * @packageDocumentation
 */
import { deflateRawSync, crc32 as nativeCrc32 } from 'node:zlib';

/**
 * One entry of {@link writeZip}: its name as the archive holds it (bytes, or Latin-1 text) and its data.
 *
 * @example
 * ```ts
 * const entry: ZipEntryInput = { name: 'INN24120188ZM_777290058110048', data: new Uint8Array() };
 * ```
 */
export interface ZipEntryInput {
  readonly name: string | Uint8Array;
  readonly data: Uint8Array;
}

/**
 * Options of {@link writeZip}.
 *
 * @example
 * ```ts
 * const options: WriteZipOptions = { modified: new Date('2024-12-01T10:00:00+08:00') };
 * ```
 */
export interface WriteZipOptions {
  /** The entries' modification time, written as MS-DOS time in China time; zero when absent. */
  readonly modified?: Date | undefined;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 of `bytes` (zlib's own where the runtime has it). */
function crc32(bytes: Uint8Array): number {
  if (typeof nativeCrc32 === 'function') return nativeCrc32(bytes);
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** MS-DOS time and date of `date` in China time, as ZIP headers hold them. */
function dosTime(date: Date | undefined): { time: number; date: number } {
  if (date === undefined) return { time: 0, date: 0 };
  const china = new Date(date.getTime() + 8 * 3600_000);
  return {
    time: (china.getUTCHours() << 11) | (china.getUTCMinutes() << 5) | (china.getUTCSeconds() >> 1),
    date: ((china.getUTCFullYear() - 1980) << 9) | ((china.getUTCMonth() + 1) << 5) | china.getUTCDate(),
  };
}

/**
 * A ZIP archive of `entries` as Java's `ZipOutputStream` writes one: local headers with flag bit 3
 * and zero sizes, deflated data, signed data descriptors, then the central directory. Names are
 * written as given (no UTF-8 flag), so GBK names are passed as bytes.
 *
 * @example
 * ```ts
 * const zip = writeZip([{ name: encodeGbk('明细.csv'), data: encodeGbk('#\n') }], { modified: new Date() });
 * ```
 */
export function writeZip(entries: readonly ZipEntryInput[], options: WriteZipOptions = {}): Buffer {
  const { time, date } = dosTime(options.modified);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = typeof entry.name === 'string' ? Buffer.from(entry.name, 'latin1') : Buffer.from(entry.name);
    const compressed = deflateRawSync(entry.data);
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0008, 6); // sizes in the data descriptor
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(16);
    descriptor.writeUInt32LE(0x08074b50, 0);
    descriptor.writeUInt32LE(crc, 4);
    descriptor.writeUInt32LE(compressed.length, 8);
    descriptor.writeUInt32LE(entry.data.length, 12);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0008, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(time, 12);
    central.writeUInt16LE(date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, compressed, descriptor);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length + descriptor.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

let gbkTable: Map<string, Buffer> | undefined;

/**
 * GBK bytes of `text` (Node has a GBK decoder, not an encoder: the table is the decoder's,
 * reversed, built once). A character GBK cannot hold becomes `?`.
 *
 * @example
 * ```ts
 * encodeGbk('中'); // <Buffer d6 d0>
 * ```
 */
export function encodeGbk(text: string): Buffer {
  if (Buffer.byteLength(text, 'utf8') === text.length) return Buffer.from(text, 'latin1');
  if (!gbkTable) {
    gbkTable = new Map();
    const decoder = new TextDecoder('gbk');
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        const bytes = Buffer.from([lead, trail]);
        const char = decoder.decode(bytes);
        if (char.length === 1 && char !== '\ufffd' && !gbkTable.has(char)) gbkTable.set(char, bytes);
      }
    }
  }
  const table = gbkTable;
  return Buffer.concat(
    [...text].map((char) =>
      (char.codePointAt(0) as number) < 0x80 ? Buffer.from(char, 'latin1') : (table.get(char) ?? Buffer.from('?')),
    ),
  );
}
