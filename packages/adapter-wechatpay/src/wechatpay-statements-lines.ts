/**
 * The exact readers of WeChat Pay's bill fields: yuan with up to two decimals, fees with up to
 * five, counts written `20` or `20.0`, and times. (The bytes become lines in
 * `@hutong/core/provider-utils`'s `textLines`, shared by every wallet's parser.)
 *
 * @packageDocumentation
 */

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
