/**
 * Alipay's clock: `yyyy-MM-dd HH:mm:ss` in China Standard Time (UTC+8, no daylight saving),
 * whatever the host's `TZ`.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { isoFromDateTimeText } from '@hutong/core/provider-utils';

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

const pad = (value: number) => String(value).padStart(2, '0');

/**
 * Formats a time as Alipay writes it, in UTC+8.
 *
 * @example
 * ```ts
 * formatAlipayTime(new Date('2024-01-01T04:00:00Z')); // '2024-01-01 12:00:00'
 * ```
 */
export function formatAlipayTime(date: Date): string {
  const china = new Date(date.getTime() + CHINA_OFFSET_MS);
  return (
    `${china.getUTCFullYear()}-${pad(china.getUTCMonth() + 1)}-${pad(china.getUTCDate())} ` +
    `${pad(china.getUTCHours())}:${pad(china.getUTCMinutes())}:${pad(china.getUTCSeconds())}`
  );
}

/**
 * Parses an Alipay time (UTC+8) into an ISO-8601 UTC string.
 *
 * @example
 * ```ts
 * parseAlipayTime('2024-01-01 12:00:00', 'gmt_payment'); // '2024-01-01T04:00:00.000Z'
 * ```
 */
export function parseAlipayTime(text: string, field: string): string {
  const iso = typeof text === 'string' && text.length === 19 ? isoFromDateTimeText(text, ' ', 480) : undefined;
  if (iso === undefined) throw new ValidationError(field, 'is not an Alipay time (yyyy-MM-dd HH:mm:ss)');
  return iso;
}
