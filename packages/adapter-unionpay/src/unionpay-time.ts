/**
 * ACP times: `txnTime` is `yyyyMMddHHmmss` in China Standard Time (UTC+8), whatever the host's `TZ`.
 *
 * @packageDocumentation
 */

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/**
 * Formats a time as `yyyyMMddHHmmss` in UTC+8.
 *
 * @example
 * ```ts
 * formatUnionpayTime(new Date('2024-01-01T04:00:00Z')); // '20240101120000'
 * ```
 */
export function formatUnionpayTime(date: Date): string {
  return new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, '');
}
