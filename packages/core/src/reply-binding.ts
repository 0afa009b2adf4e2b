/**
 * Binding a reply to the request it answers: a genuine, signed reply about another order, refund,
 * amount or merchant must never be used.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError } from './errors.js';

/** A value a reply must echo: a string or an integer (an amount in fen), or `undefined` to skip. */
export type ExpectedReplyValue = string | number | undefined;

/** Options of {@link bindReply}. */
export interface ReplyBindingOptions {
  /** Provider id, for the error. */
  provider: string;
  /** Prefix of the field names in errors, e.g. `reply`. Default `reply`. */
  field?: string | undefined;
  /**
   * Fields that may be absent from the reply (the wallet leaves them out on some answers); when
   * present they must match. Every other expected field is required.
   */
  optional?: readonly string[] | undefined;
}

/**
 * Checks that `reply` echoes every `expected` value (compared as strings, so an amount may come as
 * `1999` or `"1999"`), and throws {@link UnexpectedResponseError} (reason `mismatch`, `field`
 * naming the first field that differs) otherwise. A missing field is a mismatch too, unless it is
 * listed in `optional`. Values are never quoted in the message.
 *
 * @example
 * ```ts
 * function readRefundReply(reply: Record<string, unknown>, request: { orderId: string; refundId: string; amount: number }) {
 *   bindReply(
 *     reply,
 *     { order_id: request.orderId, refund_id: request.refundId, amount: request.amount, merchant: 'M100' },
 *     { provider: 'mywallet' },
 *   );
 * }
 * ```
 */
export function bindReply(
  reply: Readonly<Record<string, unknown>>,
  expected: Readonly<Record<string, ExpectedReplyValue>>,
  options: ReplyBindingOptions,
): void {
  const prefix = options.field ?? 'reply';
  for (const [name, want] of Object.entries(expected)) {
    if (want === undefined) continue;
    const got = Object.hasOwn(reply, name) ? reply[name] : undefined;
    if (got === undefined || got === null) {
      if (options.optional?.includes(name)) continue;
      throw new UnexpectedResponseError(options.provider, 'mismatch', `${prefix}.${name} is missing`, {
        field: `${prefix}.${name}`,
      });
    }
    const same =
      (typeof got === 'string' || typeof got === 'number' || typeof got === 'bigint') && String(got) === String(want);
    if (!same) {
      throw new UnexpectedResponseError(
        options.provider,
        'mismatch',
        `${prefix}.${name} is not the one of this request`,
        { field: `${prefix}.${name}` },
      );
    }
  }
}
