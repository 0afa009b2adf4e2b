/**
 * The text layer of WeChat Pay's bills: bytes to numbered lines (UTF-8, streamed, a leading
 * byte-order mark dropped, `\r\n` or `\n`), and the exact readers of the bills' figures (yuan with
 * up to two decimals, fees with up to five, counts written `20` or `20.0`) and times.
 *
 * @packageDocumentation
 */

/**
 * One line of a bill: its 1-based number and its text without the line break.
 *
 * @group Bills
 * @example
 * ```ts
 * const line: WechatpayBillTextLine = { number: 2, text: '`2021-01-28 17:07:11,`wx81be3101902f7cb2' };
 * ```
 */
export interface WechatpayBillTextLine {
  number: number;
  text: string;
}

/**
 * Splits a stream of UTF-8 bytes into lines as they arrive; nothing but the current partial line is
 * held. A leading byte-order mark is dropped; `\r\n` and `\n` both end a line; a last line without
 * a break is a line.
 *
 * @group Bills
 * @example
 * ```ts
 * for await (const { number, text } of wechatpayBillLines(source)) console.log(number, text);
 * ```
 */
export async function* wechatpayBillLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<WechatpayBillTextLine> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let number = 0;
  let first = true;
  for await (const chunk of source) {
    let text = rest + decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let start = 0;
    for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
      const cut = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      yield { number: ++number, text: text.slice(start, cut) };
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield { number: ++number, text: rest };
}

const DECIMAL = /^(-?)(\d{1,13})(?:\.(\d+))?$/;

/**
 * Reads a decimal yuan figure exactly, as an integer count of `10^-places` yuan (`places` 2: fen);
 * `undefined` when the text is not such a figure or has more decimals than `places`.
 *
 * @group Bills
 * @example
 * ```ts
 * parseWechatpayYuan('12.34', 2); // 1234
 * parseWechatpayYuan('-0.05940', 5); // -5940
 * parseWechatpayYuan('0.001', 2); // undefined
 * ```
 */
export function parseWechatpayYuan(text: string, places: number): number | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const decimals = match[3] ?? '';
  if (decimals.length > places) return undefined;
  const units = Number(match[2]) * 10 ** places + Number(decimals.padEnd(places, '0') || '0');
  return match[1] === '-' && units !== 0 ? -units : units;
}

/**
 * A figure in `10^-places` yuan rounded to fen, half away from zero, in integers only.
 *
 * @group Bills
 * @example
 * ```ts
 * fenOfWechatpayUnits(5940, 5); // 6 (0.05940 yuan is 5.94 fen)
 * fenOfWechatpayUnits(-5950, 5); // -6
 * ```
 */
export function fenOfWechatpayUnits(units: number, places: number): number {
  if (places <= 2) return units * 10 ** (2 - places);
  const divisor = 10 ** (places - 2);
  const magnitude = Math.abs(units);
  const fen = Math.floor(magnitude / divisor) + (magnitude % divisor >= divisor / 2 ? 1 : 0);
  return units < 0 ? 0 - fen : fen;
}

/**
 * Reads a count of the summary rows (`3`, or `20.0` as some bills write it); `undefined` when the
 * text is not a whole count.
 *
 * @group Bills
 * @example
 * ```ts
 * parseWechatpayCount('20.0'); // 20
 * ```
 */
export function parseWechatpayCount(text: string): number | undefined {
  const match = /^(\d{1,12})(?:\.0+)?$/.exec(text);
  return match ? Number(match[1]) : undefined;
}

const TIME = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/**
 * A bill's China time (`yyyy-MM-dd HH:mm:ss`) as ISO-8601 with `+08:00`; `undefined` when the text
 * is not such a time.
 *
 * @group Bills
 * @example
 * ```ts
 * wechatpayBillTime('2021-01-28 17:07:11'); // '2021-01-28T17:07:11+08:00'
 * ```
 */
export function wechatpayBillTime(text: string): string | undefined {
  return TIME.test(text) ? `${text.slice(0, 10)}T${text.slice(11)}+08:00` : undefined;
}
