/**
 * `@hutong/core/store-kit`: what the author of an order store needs and a merchant does not. The
 * store contract with its optional outbox and claims, list positions and opaque cursors, the
 * normalised list query, and the checks a store applies to outbox names and leases. The suites
 * every store must pass are in `@hutong/core/conformance`.
 *
 * @example
 * ```ts
 * import { encodeOrderCursor, normalizeListOrdersQuery, orderListPosition } from '@hutong/core/store-kit';
 *
 * const query = normalizeListOrdersQuery({ status: 'pending', limit: 50 });
 * const cursor = encodeOrderCursor(orderListPosition(lastOrderOfPage));
 * ```
 *
 * @packageDocumentation
 */

export type { MerchantAccount, MerchantDirectory } from '../merchant.js';
export { assertMerchantKey } from '../merchant-key.js';
// A merchants directory refuses as the memory one does, and takes the same keys.
export { accountOrThrow } from '../merchant-memory.js';
export { transferOutboxKey } from '../movement-events.js';
export {
  compareOrderListPositions,
  DEFAULT_LIST_LIMIT,
  decodeOrderCursor,
  encodeOrderCursor,
  hasPendingRefund,
  type ListOrdersQuery,
  type ListTransfersQuery,
  MAX_LIST_LIMIT,
  MAX_SPLIT_ORDERS,
  type NormalizedListOrdersQuery,
  normalizeListOrdersQuery,
  type OrderListPosition,
  type OrderPage,
  type OrderStore,
  orderListPosition,
  type StatementResultStore,
  type TransferPage,
  type TransferStore,
} from '../order-store.js';
export {
  type ClaimEventsOptions,
  type ClaimedOutboxEvent,
  type ClaimOrdersOptions,
  checkClaimEventsOptions,
  checkLease,
  checkOutboxName,
  checkPruneEventsOptions,
  checkReleaseEventsOptions,
  defaultConsumerName,
  type OrderClaims,
  type OrderOutbox,
  type OutboxEvent,
  type OutboxEventType,
  type OutboxPayload,
  outboxEventId,
  type PruneEventsOptions,
  type ReleaseEventsOptions,
} from '../outbox.js';
export { hasPendingSplit } from '../split-amounts.js';
// The outbox events of a reconciled statement, for a store that writes them with its result.
export { statementEventKey, statementOutboxEvents } from '../statement-events.js';
export {
  type MemoryTransferStoreOptions,
  type NormalizedListTransfersQuery,
  normalizeListTransfersQuery,
  transferListPosition,
} from '../transfer-store.js';
