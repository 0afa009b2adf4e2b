/**
 * A streamed reader of the zip file Alipay's statements come in: entries are read as the bytes
 * arrive (fflate's streaming `Unzip`, chosen over a hand-written reader because Alipay's Java-made
 * archives may carry their sizes in data descriptors after the data, which a streaming reader must
 * handle; fflate is small, dependency-free and widely used), and the GBK file names Alipay writes
 * (without the UTF-8 flag) are decoded.
 *
 * @packageDocumentation
 */
import { Unzip, UnzipInflate } from 'fflate';

/**
 * One file of a zip, its bytes as they are decompressed. Read (or leave) each entry's bytes before
 * asking for the next entry.
 *
 * @group Statements
 * @example
 * ```ts
 * for await (const entry of unzipAlipayStream(source)) console.log(entry.name);
 * ```
 */
export interface AlipayZipEntry {
  name: string;
  bytes: AsyncIterable<Uint8Array>;
}

type ZipEvent =
  | { kind: 'file'; name: string }
  | { kind: 'data'; data: Uint8Array; final: boolean }
  | { kind: 'error'; error: Error };

const gbk = new TextDecoder('gbk');

/**
 * A zip entry's name: fflate reads a name without the UTF-8 flag as Latin-1; Alipay writes such
 * names in GBK, so their bytes are decoded again as GBK.
 */
function entryName(name: string): string {
  let latin1 = true;
  let high = false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code > 0xff) latin1 = false;
    if (code >= 0x80) high = true;
  }
  if (!latin1 || !high) return name;
  return gbk.decode(Uint8Array.from(name, (char) => char.charCodeAt(0)));
}

/**
 * Reads a zip as a stream of entries, decompressing as the bytes arrive: nothing but the current
 * chunk and what it inflates to is held. A damaged or cut archive throws the `Error` fflate or this
 * reader raises (`unexpected EOF`, `the zip ends inside ...`); callers turn it into their typed error.
 *
 * @group Statements
 * @example
 * ```ts
 * for await (const entry of unzipAlipayStream(response)) {
 *   for await (const chunk of entry.bytes) handle(entry.name, chunk);
 * }
 * ```
 */
export async function* unzipAlipayStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<AlipayZipEntry> {
  let events: ZipEvent[] = [];
  let at = 0;
  const unzip = new Unzip((file) => {
    events.push({ kind: 'file', name: entryName(file.name) });
    file.ondata = (error, data, final) => {
      events.push(error ? { kind: 'error', error } : { kind: 'data', data, final });
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;

  async function next(): Promise<ZipEvent | undefined> {
    while (at >= events.length) {
      if (ended) return undefined;
      events = [];
      at = 0;
      const read = await iterator.next();
      if (read.done) {
        ended = true;
        unzip.push(new Uint8Array(0), true);
      } else {
        unzip.push(read.value);
      }
    }
    return events[at++];
  }

  try {
    let pending: ZipEvent | undefined;
    for (;;) {
      const event = pending ?? (await next());
      pending = undefined;
      if (event === undefined) return;
      if (event.kind === 'error') throw event.error;
      if (event.kind === 'data') continue;
      const name = event.name;
      let finished = false;
      async function* bytes(): AsyncGenerator<Uint8Array> {
        while (!finished) {
          const item = await next();
          if (item === undefined) throw new Error(`the zip ends inside ${name}`);
          if (item.kind === 'error') throw item.error;
          if (item.kind === 'file') throw new Error(`the zip has another file inside ${name}`);
          if (item.final) finished = true;
          if (item.data.length > 0) yield item.data;
        }
      }
      yield { name, bytes: bytes() };
      // What the reader left of the entry is passed over, not kept.
      while (!finished) {
        const item = await next();
        if (item === undefined) throw new Error(`the zip ends inside ${name}`);
        if (item.kind === 'error') throw item.error;
        if (item.kind === 'file') {
          pending = item;
          break;
        }
        if (item.final) finished = true;
      }
    }
  } finally {
    await iterator.return?.();
  }
}
