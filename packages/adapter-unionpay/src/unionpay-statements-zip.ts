/**
 * A small streaming ZIP reader over `node:zlib`, for UnionPay's statement archives: entries are
 * read from their local headers as the bytes arrive (no central directory, no whole file in
 * memory), each entry's data is inflated as a stream, and its CRC-32 and sizes are checked.
 *
 * UnionPay writes its archives with "data descriptors" (flag bit 3: the sizes follow the data), so
 * an entry's end is where its deflate stream ends: the inflater says how many bytes it consumed
 * (`bytesWritten`), and the bytes it did not are the descriptor and the next header. Stored
 * entries need their sizes in the header. Encrypted entries and ZIP64 archives are refused.
 *
 * Why not a library: the archives hold two or three entries written one way; the few rules above
 * are all that is needed, `node:zlib` does the inflating, and the parsers stay dependency-free.
 *
 * @packageDocumentation
 */
import * as zlib from 'node:zlib';
import { ValidationError } from '@hutong/core';

/**
 * One entry of an archive: its name and its (inflated) bytes, to be read before the next entry.
 *
 * @example
 * ```ts
 * for await (const entry of readZipEntries(bytes)) console.log(entry.name);
 * ```
 */
export interface ZipEntry {
  /** The entry's name as stored (UTF-8 or, without the UTF-8 flag, as bytes read as Latin-1). */
  readonly name: string;
  /** The entry's bytes, inflated as they are read. */
  readonly bytes: AsyncIterable<Uint8Array>;
}

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const DATA_DESCRIPTOR = 0x08074b50;
/** The most decompressed bytes kept waiting for the reader before the inflater is paused. */
const PENDING_OUTPUT = 8;

function zipError(field: string, message: string): ValidationError {
  return new ValidationError(field, message);
}

/** The bytes of an async iterable, read on demand, with what was read too far put back. */
class ByteSource {
  private readonly queue: Buffer[] = [];
  private done = false;
  constructor(private readonly iterator: AsyncIterator<Uint8Array>) {}

  /** The next chunk (what was put back first), or `undefined` at the end. */
  async next(): Promise<Buffer | undefined> {
    const queued = this.queue.shift();
    if (queued) return queued;
    while (!this.done) {
      const step = await this.iterator.next();
      if (step.done) {
        this.done = true;
        break;
      }
      if (step.value.length > 0) return Buffer.from(step.value.buffer, step.value.byteOffset, step.value.length);
    }
    return undefined;
  }

  /** Puts bytes back to be read first. */
  unshift(bytes: Buffer): void {
    if (bytes.length > 0) this.queue.unshift(bytes);
  }

  /** Exactly `length` bytes; `undefined` when the source ends before any, an error when it ends within. */
  async read(length: number, field: string): Promise<Buffer | undefined> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < length) {
      const chunk = await this.next();
      if (!chunk) {
        if (have === 0) return undefined;
        throw zipError(field, 'the archive ends within a header');
      }
      const take = Math.min(chunk.length, length - have);
      parts.push(chunk.subarray(0, take));
      this.unshift(chunk.subarray(take));
      have += take;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
  }

  /** Reads and drops the rest. */
  async drain(): Promise<void> {
    this.queue.length = 0;
    while (!this.done) {
      const step = await this.iterator.next();
      if (step.done) this.done = true;
    }
  }

  /** Stops reading the source (the reader returned early). */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.iterator.return?.();
    }
  }
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (ZIP's), continued from `crc`: `node:zlib`'s where the runtime has it (Node ≥ 20.15). */
function crc32(bytes: Uint8Array, crc: number): number {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  if (native) return native(bytes, crc);
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** An entry's header facts. */
interface LocalHeader {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
}

async function readLocalHeader(source: ByteSource, field: string): Promise<LocalHeader | undefined> {
  const head = await source.read(30, field);
  if (!head) return undefined;
  const signature = head.readUInt32LE(0);
  if (signature === CENTRAL_HEADER || signature === END_OF_CENTRAL) {
    // The central directory repeats what the local headers said: nothing more to read.
    await source.drain();
    return undefined;
  }
  if (signature !== LOCAL_HEADER) throw zipError(field, 'is not a ZIP archive (no local file header)');
  const flags = head.readUInt16LE(6);
  const nameLength = head.readUInt16LE(26);
  const extraLength = head.readUInt16LE(28);
  const rawName = (await source.read(nameLength, field)) ?? Buffer.alloc(0);
  if (extraLength > 0) await source.read(extraLength, field);
  if (flags & 0x1) throw zipError(field, 'holds an encrypted entry');
  const compressedSize = head.readUInt32LE(18);
  const size = head.readUInt32LE(22);
  if (compressedSize === 0xffffffff || size === 0xffffffff) throw zipError(field, 'is a ZIP64 archive');
  return {
    name: rawName.toString(flags & 0x800 ? 'utf8' : 'latin1'),
    flags,
    method: head.readUInt16LE(8),
    crc: head.readUInt32LE(14),
    compressedSize,
    size,
  };
}

/**
 * Inflates one entry's deflate stream from `source`, yielding its bytes; on return, `source` is
 * positioned right after the stream (the bytes the inflater did not consume are put back).
 * `result` receives the consumed and produced byte counts and the CRC-32 of what was produced.
 */
async function* inflateEntry(
  source: ByteSource,
  field: string,
  result: { consumed: number; produced: number; crc: number },
): AsyncGenerator<Uint8Array> {
  const inflater = zlib.createInflateRaw();
  const output: Buffer[] = [];
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  inflater.on('data', (chunk: Buffer) => {
    output.push(chunk);
    if (output.length >= PENDING_OUTPUT) inflater.pause();
    notify();
  });
  inflater.on('end', () => {
    ended = true;
    notify();
  });
  inflater.on('error', (error: Error) => {
    failure = error;
    notify();
  });
  inflater.on('drain', notify);
  /** Input written and not yet known to be consumed, with the offset of its first byte. */
  const written: Buffer[] = [];
  let writtenFrom = 0;
  let writtenTotal = 0;
  let inputDone = false;
  let blocked = false;
  try {
    for (;;) {
      if (failure) throw zipError(field, `an entry does not inflate: ${failure.message}`);
      const chunk = output.shift();
      if (chunk) {
        if (output.length === 0 && inflater.isPaused()) inflater.resume();
        result.produced += chunk.length;
        result.crc = crc32(chunk, result.crc);
        yield chunk;
        continue;
      }
      if (ended) break;
      if (inputDone || blocked) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        blocked = blocked && inflater.writableNeedDrain;
        continue;
      }
      const input = await source.next();
      if (!input) {
        inputDone = true;
        inflater.end();
        continue;
      }
      written.push(input);
      writtenTotal += input.length;
      // Forget what the inflater has consumed already: at most a few chunks stay.
      while (written.length > 0 && writtenFrom + (written[0] as Buffer).length <= inflater.bytesWritten) {
        writtenFrom += (written.shift() as Buffer).length;
      }
      blocked = !inflater.write(input);
    }
  } finally {
    if (!ended) inflater.destroy();
  }
  const consumed = inflater.bytesWritten;
  inflater.destroy();
  result.consumed = consumed;
  // Put back what follows the deflate stream: the data descriptor and the next entry.
  const rest = Buffer.concat(written);
  source.unshift(rest.subarray(Math.max(0, consumed - writtenFrom)));
  if (writtenTotal < consumed) throw zipError(field, 'an entry inflates past its data');
}

/** Reads `length` stored bytes of an entry. */
async function* storedEntry(
  source: ByteSource,
  length: number,
  field: string,
  result: { consumed: number; produced: number; crc: number },
): AsyncGenerator<Uint8Array> {
  let left = length;
  while (left > 0) {
    const chunk = await source.next();
    if (!chunk) throw zipError(field, 'the archive ends within an entry');
    const take = chunk.subarray(0, Math.min(left, chunk.length));
    source.unshift(chunk.subarray(take.length));
    left -= take.length;
    result.consumed += take.length;
    result.produced += take.length;
    result.crc = crc32(take, result.crc);
    yield take;
  }
}

/** Reads the data descriptor after an entry written with flag bit 3 (its signature is optional). */
async function readDescriptor(
  source: ByteSource,
  field: string,
): Promise<{ crc: number; compressed: number; size: number }> {
  const first = await source.read(4, field);
  if (!first) throw zipError(field, 'the archive ends before a data descriptor');
  const signed = first.readUInt32LE(0) === DATA_DESCRIPTOR;
  const rest = await source.read(signed ? 12 : 8, field);
  if (!rest) throw zipError(field, 'the archive ends within a data descriptor');
  const bytes = signed ? rest : Buffer.concat([first, rest]);
  return { crc: bytes.readUInt32LE(0), compressed: bytes.readUInt32LE(4), size: bytes.readUInt32LE(8) };
}

/**
 * The entries of a ZIP archive, read as a stream. Each entry's `bytes` must be read (or left: the
 * next step of the iteration reads past what is left) before the next entry is read.
 *
 * @throws ValidationError naming `field` for an archive that is not one, is truncated, encrypted,
 * ZIP64, or whose entry fails its CRC-32 or size check.
 * @example
 * ```ts
 * for await (const entry of readZipEntries(chunks, 'statement')) {
 *   if (entry.name.includes('ZM_')) for await (const bytes of entry.bytes) consume(bytes);
 * }
 * ```
 */
export async function* readZipEntries(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  field = 'zip',
): AsyncGenerator<ZipEntry> {
  const iterable =
    Symbol.asyncIterator in source
      ? source
      : (async function* () {
          yield* source;
        })();
  const bytes = new ByteSource(iterable[Symbol.asyncIterator]());
  try {
    for (;;) {
      const header = await readLocalHeader(bytes, field);
      if (!header) return;
      if (header.method !== 0 && header.method !== 8)
        throw zipError(field, `entry ${header.name} uses compression method ${header.method}`);
      const described = (header.flags & 0x8) !== 0;
      if (header.method === 0 && described) throw zipError(field, `stored entry ${header.name} has no size`);
      const result = { consumed: 0, produced: 0, crc: 0 };
      const data =
        header.method === 8
          ? inflateEntry(bytes, field, result)
          : storedEntry(bytes, header.compressedSize, field, result);
      // The reader may stop early: the entry's rest is then read past here, so the archive goes on.
      const entryBytes: AsyncIterable<Uint8Array> = {
        [Symbol.asyncIterator]: () => ({
          next: () => data.next(),
          return: async () => ({ done: true, value: undefined }),
        }),
      };
      yield { name: header.name, bytes: entryBytes };
      while (!(await data.next()).done);
      const expected = described
        ? await readDescriptor(bytes, field)
        : {
            crc: header.crc,
            compressed: header.compressedSize,
            size: header.size,
          };
      if (
        expected.crc !== result.crc >>> 0 ||
        expected.size !== result.produced ||
        expected.compressed !== result.consumed
      )
        throw zipError(field, `entry ${header.name} fails its CRC-32 or size check`);
    }
  } finally {
    await bytes.close();
  }
}
