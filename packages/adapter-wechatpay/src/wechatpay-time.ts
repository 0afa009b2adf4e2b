/**
 * WeChat Pay times: RFC 3339 with the China offset, e.g. `2018-06-08T10:34:56+08:00`.
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import { digitsAt, isoFromDateTimeText } from '@hutong/core/provider-utils';

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Formats a time as WeChat Pay expects (`time_expire`), in UTC+8 whatever the host's `TZ`.
 *
 * @group Protocol
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
 * @group Protocol
 * @example
 * ```ts
 * parseWechatpayTime('2024-01-01T12:00:05+08:00', 'success_time'); // '2024-01-01T04:00:05.000Z'
 * ```
 */
export function parseWechatpayTime(text: unknown, field: string): string {
  const iso = typeof text === 'string' ? rfc3339ToIso(text) : undefined;
  if (iso === undefined) throw new ValidationError(field, 'is not an RFC 3339 time');
  return iso;
}

/** `yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:mm)`, or undefined. */
function rfc3339ToIso(text: string): string | undefined {
  if (text.length < 20) return undefined;
  let at = 19;
  let millisecond = 0;
  if (text[at] === '.') {
    // Milliseconds from the first three digits (more are truncated, as Date.parse does).
    let scale = 100;
    at++;
    const start = at;
    while (at < text.length) {
      const digit = text.charCodeAt(at) - 0x30;
      if (digit < 0 || digit > 9) break;
      millisecond += digit * scale;
      scale /= 10;
      at++;
    }
    if (at === start) return undefined;
    millisecond = Math.floor(millisecond);
  }
  let offsetMinutes: number;
  if (text[at] === 'Z' && at + 1 === text.length) offsetMinutes = 0;
  else if ((text[at] === '+' || text[at] === '-') && at + 6 === text.length && text[at + 3] === ':') {
    const hours = digitsAt(text, at + 1, 2);
    const minutes = digitsAt(text, at + 4, 2);
    if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (text[at] === '-' ? -1 : 1) * (hours * 60 + minutes);
  } else return undefined;
  return isoFromDateTimeText(text, 'T', offsetMinutes, millisecond);
}
