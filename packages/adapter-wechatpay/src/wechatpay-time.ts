/**
 * WeChat Pay times: RFC 3339 with the China offset, e.g. `2018-06-08T10:34:56+08:00`.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)$/;

/**
 * Formats a time as WeChat Pay expects (`time_expire`), in UTC+8 whatever the host's `TZ`.
 *
 * @example
 * ```ts
 * formatWechatpayTime(new Date('2024-01-01T04:00:00Z')); // '2024-01-01T12:00:00+08:00'
 * ```
 */
export function formatWechatpayTime(date: Date): string {
  return `${new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/**
 * Parses an RFC 3339 time into an ISO-8601 UTC string.
 *
 * @example
 * ```ts
 * parseWechatpayTime('2024-01-01T12:00:05+08:00', 'success_time'); // '2024-01-01T04:00:05.000Z'
 * ```
 */
export function parseWechatpayTime(text: unknown, field: string): string {
  // Date.parse alone would accept other shapes ("2024-01-01", "Jan 1 2024"): require the RFC 3339 one.
  const time =
    typeof text === 'string' && text.length >= 20 && text[10] === 'T' && RFC3339.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(time)) throw new ValidationError(field, 'is not an RFC 3339 time');
  return new Date(time).toISOString();
}
