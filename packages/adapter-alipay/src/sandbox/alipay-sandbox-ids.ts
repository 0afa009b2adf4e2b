/**
 * The ids the Alipay sandbox makes up: buyers' and merchants' user ids (`2088...`), open ids,
 * merchants' app ids and trade numbers, in Alipay's shapes.
 *
 * @packageDocumentation
 */
import { randomBytes, randomInt } from 'node:crypto';
import { formatAlipayTime } from '@hutong/adapter-alipay/protocol';

/**
 * A `2088...` user id for a buyer the request did not name (or a new merchant).
 *
 * @example
 * ```ts
 * const buyerId = randomUserId(); // '2088' and 12 digits
 * ```
 */
export function randomUserId(): string {
  return `2088${String(randomInt(2 ** 40))
    .padStart(12, '0')
    .slice(0, 12)}`;
}

/**
 * The sandbox buyer's id under the app's id scheme: an `open_id`, or a `2088...` user id.
 *
 * @example
 * ```ts
 * const buyerId = sandboxBuyerId('user_id');
 * ```
 */
export function sandboxBuyerId(idScheme: 'user_id' | 'open_id'): string {
  return idScheme === 'open_id'
    ? `0${randomBytes(21).toString('base64url').replace(/[-_]/g, '0')}`
    : `2088${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`;
}

/**
 * A merchant's app id (`auth_app_id`): `2021` and 12 digits.
 *
 * @example
 * ```ts
 * const authAppId = randomAuthAppId();
 * ```
 */
export function randomAuthAppId(): string {
  return `2021${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`;
}

/**
 * An Alipay trade number: the day, `22001`, the sandbox's sequence number and a random tail.
 *
 * @example
 * ```ts
 * const tradeNo = alipaySandboxTradeNo(new Date(), 1);
 * ```
 */
export function alipaySandboxTradeNo(at: Date, sequence: number): string {
  return `${formatAlipayTime(at).replace(/\D/g, '').slice(0, 8)}22001${String(sequence).padStart(8, '0')}${randomInt(1e6)}`;
}
