/**
 * A statement's text as numbered lines, decoded as the bytes arrive (UTF-8 or GBK): the line
 * splitter every wallet's bill parser reads through.
 *
 * @packageDocumentation
 */

/**
 * One line of a text file: its 1-based number and its text without the line break.
 *
 * @example
 * ```ts
 * const line: TextLine = { number: 2, text: '`2021-01-28 17:07:11,`wx81be3101902f7cb2' };
 * ```
 */
export interface TextLine {
  readonly number: number;
  readonly text: string;
}

/**
 * Decodes a stream of bytes (`utf-8`, the default, or `gbk`) and splits it into lines as the
 * bytes arrive: nothing but the current partial line is held, and a character cut across chunks is
 * decoded whole. `\r\n` and `\n` both end a line; a last line without a break is a line; a UTF-8
 * byte-order mark at the start is dropped. GBK needs a Node built with full ICU (the default); one
 * without throws a `RangeError`.
 *
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * for await (const { number, text } of textLines(createReadStream('bill.csv'), 'gbk')) console.log(number, text);
 * ```
 */
export async function* textLines(
  source: AsyncIterable<Uint8Array>,
  encoding: 'utf-8' | 'gbk' = 'utf-8',
): AsyncGenerator<TextLine> {
  // The decoder drops a leading UTF-8 byte-order mark itself (`ignoreBOM` false).
  const decoder = new TextDecoder(encoding);
  let rest = '';
  let number = 0;
  for await (const chunk of source) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      const cut = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      yield { number: ++number, text: text.slice(start, cut) };
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield { number: ++number, text: rest };
}
