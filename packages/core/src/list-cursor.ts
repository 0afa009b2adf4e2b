/**
 * Paging through stored records in the order of `(updatedAt, id)`: list sizes, positions and the
 * opaque cursors every store hands out, for orders and transfers alike.
 *
 * @packageDocumentation
 */
import { ValidationError } from './errors.js';
import type { Order } from './order.js';

/**
 * Page size of {@link OrderStore.listOrders} when none is given.
 *
 * @example
 * ```ts
 * DEFAULT_LIST_LIMIT; // 100
 * ```
 */
export const DEFAULT_LIST_LIMIT = 100;

/**
 * Largest page size {@link OrderStore.listOrders} accepts.
 *
 * @example
 * ```ts
 * await store.listOrders({ limit: MAX_LIST_LIMIT });
 * ```
 */
export const MAX_LIST_LIMIT = 1000;

/**
 * Where a page ended: the last order's `updatedAt` in epoch milliseconds, and its id. The next page
 * starts strictly after this key.
 *
 * @example
 * ```ts
 * const position: OrderListPosition = { updatedAt: Date.parse(order.updatedAt), id: order.id };
 * ```
 */
export interface OrderListPosition {
  /** `updatedAt` in milliseconds since the epoch. */
  readonly updatedAt: number;
  readonly id: string;
}

/**
 * Encodes a page position as the opaque cursor {@link OrderStore.listOrders} hands out.
 *
 * @example
 * ```ts
 * const cursor = encodeOrderCursor({ updatedAt: Date.parse(last.updatedAt), id: last.id });
 * ```
 */
export function encodeOrderCursor(position: OrderListPosition): string {
  return Buffer.from(JSON.stringify([position.updatedAt, position.id]), 'utf8').toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeOrderCursor}; throws `ValidationError` (field `cursor`) for
 * anything else.
 *
 * @example
 * ```ts
 * decodeOrderCursor(page.cursor); // { updatedAt: 1704067200000, id: 'order0000001' }
 * ```
 */
export function decodeOrderCursor(cursor: string): OrderListPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    !Number.isSafeInteger(decoded[0]) ||
    typeof decoded[1] !== 'string' ||
    encodeOrderCursor({ updatedAt: decoded[0], id: decoded[1] }) !== cursor
  ) {
    throw new ValidationError('cursor', 'is not a cursor handed out by listOrders');
  }
  return { updatedAt: decoded[0], id: decoded[1] };
}

/**
 * The position of an order in the listing order: its `updatedAt` in epoch milliseconds, and its id.
 *
 * @example
 * ```ts
 * const cursor = encodeOrderCursor(orderListPosition(page.orders.at(-1)));
 * ```
 */
export function orderListPosition(order: Order): OrderListPosition {
  const updatedAt = Date.parse(order.updatedAt);
  if (Number.isNaN(updatedAt)) throw new ValidationError('updatedAt', 'is not an ISO-8601 time');
  return { updatedAt, id: order.id };
}

/**
 * Compares two positions in the listing order: `updatedAt`, then `id` by UTF-16 code units (the
 * byte order of ASCII ids, which SQL stores reproduce with a binary collation).
 *
 * @example
 * ```ts
 * orders.sort((a, b) => compareOrderListPositions(orderListPosition(a), orderListPosition(b)));
 * ```
 */
export function compareOrderListPositions(a: OrderListPosition, b: OrderListPosition): number {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt < b.updatedAt ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/**
 * A time filter of a list query in epoch milliseconds; `ValidationError` naming `field` unless a valid `Date`.
 *
 * @example
 * ```ts
 * timeFilter(new Date(0), 'updatedBefore'); // 0
 * ```
 */
export function timeFilter(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new ValidationError(field, 'must be a valid Date');
  return ms;
}
