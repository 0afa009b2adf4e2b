/**
 * `@hutong/core`: what a merchant's code uses, and nothing else. The payments facade and its
 * inputs, orders and their events, integer-fen money, the memory order store, the reconciler,
 * webhook endpoints and errors. Every name is listed here explicitly (no `export *`), so a new
 * export is a decision.
 *
 * What adapter authors need (the provider spec, the state machine's events, plumbing) lives in
 * `@hutong/core/provider-utils`; what store authors need (cursors, list positions, outbox and claim
 * contracts, lease checks) in `@hutong/core/store-kit`.
 *
 * @example
 * ```ts
 * import { createPayments } from '@hutong/core';
 * const payments = createPayments({ providers: [alipay({ appId, privateKey, alipayPublicKey })] });
 * ```
 *
 * @packageDocumentation
 */

// Errors a merchant catches and matches on.
export {
  AmountMismatchError,
  ConflictError,
  HutongError,
  type HutongErrorCode,
  InvalidTransitionError,
  MerchantError,
  type MerchantErrorCode,
  type MoneyMovementErrorCode,
  MovementNotFoundError,
  NetworkError,
  type NormalizedProviderCode,
  OrderNotFoundError,
  ProviderApiError,
  RefundExceedsPaidError,
  RefundExceedsUnsplitError,
  type SignatureFailureReason,
  SignatureVerificationError,
  SplitExceedsAvailableError,
  StoreError,
  type StoreErrorCode,
  TimeoutError,
  UnexpectedResponseError,
  type UnexpectedResponseReason,
  UnsupportedOperationError,
  ValidationError,
  type ValidationIssue,
} from './errors.js';
// Hooks a merchant passes to an adapter's HTTP client.
export type { HttpHooks, RedactedRequest, RedactedResponse } from './http-client.js';
// Platform mode: sub-merchants, their directory and its cache.
export type { MerchantAccount, MerchantDirectory } from './merchant.js';
export { type CachedMerchantDirectory, cacheMerchantDirectory, type MerchantCacheOptions } from './merchant-cache.js';
export { createMemoryMerchantDirectory, type KeyedMerchantDirectory } from './merchant-memory.js';
// Money: integer fen.
export { assertAmount, CURRENCY, type Currency, formatYuan, parseYuan } from './money.js';
// Money moving out: splits (profit sharing) and transfers (payouts).
export type {
  Split,
  SplitReceiver,
  SplitReceiverStatus,
  SplitReturn,
  SplitStatus,
  Transfer,
  TransferPayee,
  TransferStatus,
} from './money-movement.js';
export type { MoneyMovementEventMap } from './movement-events.js';
export type { TransferReconcilerEvent } from './movement-reconciler.js';
// The buyer's next step, and the form a `page` payment renders.
export {
  type AppAction,
  type FormAction,
  type JsapiAction,
  type NextAction,
  type NoAction,
  type PosAction,
  type QrAction,
  type RedirectAction,
  type RenderFormOptions,
  renderAutoSubmitForm,
} from './next-action.js';
// Node hands CONNECT to the server, never to a request listener: this answers it 405.
export { refuseConnectRequests } from './node-http.js';
// Orders.
export {
  ORDER_STATUSES,
  type Order,
  type OrderAnomaly,
  type OrderAnomalyCode,
  type OrderStatus,
  type Refund,
  type RefundStatus,
} from './order.js';
export { assertPortableId, generateId } from './order-id.js';
export { type PaymentEvent, refundableAmount } from './order-state-machine.js';
// Where orders live.
export {
  type ListOrdersQuery,
  type ListTransfersQuery,
  MemoryOrderStore,
  type OrderPage,
  type OrderStore,
  type StatementResultStore,
  type TransferPage,
  type TransferStore,
} from './order-store.js';
// What `store.outbox` is, for a store that has one (`@hutong/store-sql`).
export type { OrderOutbox } from './outbox.js';
// Running the outbox relay in a worker of its own (`relay: false` in the web process).
export {
  createOutboxRelay,
  type OutboxRelay,
  type OutboxRelayErrorContext,
  type OutboxRelayOptions,
} from './outbox.js';
// A memory store with an outbox (and the outbox alone), for tests and single-process tools.
export { MemoryOutbox, type MemoryOutboxOptions, MemoryOutboxStore } from './outbox-memory.js';
// Payment methods and payment codes (互认互扫).
export {
  classifyPaymentCode,
  PAYMENT_CODE_RULES,
  type PaymentCodeRule,
  type WalletName,
} from './payment-code.js';
export { isPaymentMethod, PAYMENT_METHODS, type PaymentMethod } from './payment-method.js';
// The facade.
export {
  type AcceptedMovementNotification,
  type AcceptedNotification,
  type ActionOf,
  type AnyProvider,
  type CreatePaymentInput,
  type CreatePaymentOutput,
  createPayments,
  type HandleMovementNotificationResult,
  type HandleNotificationResult,
  type MerchantKeyOf,
  type MethodOf,
  type Payments,
  type PaymentsOptions,
  type PaymentsRelayOptions,
  type PayWithCodeInput,
  type ProviderOptionsOf,
  type ProviderWithId,
  type ReconcileStatementInput,
  type RefundInput,
  type RefundOutput,
  type RejectedMovementNotification,
  type RejectedNotification,
  type ResumeInput,
  type SplitInput,
  type SplitReceiverRequest,
  type SplitReturnInput,
  type SyncOptions,
  type SyncTransferOptions,
  type TransferInput,
  type TypesOf,
} from './payments/index.js';
export type { PaymentsEventMap, PaymentsEventType, PaymentsListener } from './payments-events.js';
// The OAuth a wallet offers (a buyer id for `jsapi`), as the checkout takes it.
export type { WalletOAuth } from './provider-spec.js';
// The reconciler.
export {
  createReconciler,
  type ReconcileAction,
  type ReconcileRunResult,
  type Reconciler,
  type ReconcilerEvent,
  type ReconcilerOptions,
  type ReconcilerPayments,
} from './reconciler.js';
export { splitAmount, unsplitAmount } from './split-amounts.js';
// Statements: matching a day's statement against the store (`payments.reconcileStatement` runs it).
export type {
  StatementDifference,
  StatementDifferenceCode,
  StatementLine,
  StatementLineKind,
  StatementLineStatus,
  StatementRequest,
  StatementResult,
  StatementTotals,
} from './statement.js';
export { type StatementWindow, statementDayWindow } from './statement-day.js';
export {
  countStatementDifferences,
  type StatementDifferenceCounts,
  type StatementEventMap,
} from './statement-events.js';
export { matchStatement, type StatementMatch, type StatementMatchOptions } from './statement-match.js';
export { MemoryStatementResultStore } from './statement-result-store.js';
export { MemoryTransferStore, TRANSFER_STATUSES } from './transfer-store.js';
// Webhook endpoints around any notification handler.
export {
  createNodeWebhookHandler,
  createWebhookHandler,
  isMovementNotificationUrl,
  MAX_NOTIFICATION_BYTES,
  MOVEMENT_NOTIFICATION_SEGMENT,
  type NodeWebhookHandler,
  type NodeWebhookOptions,
  type NotificationHandlerFunction,
  type WebhookRejectionListener,
} from './webhook-handlers.js';
// Verifying a notification without the facade: `provider.verifyNotification(toNotificationRequest(input))`.
export {
  type BodyInput,
  type HeadersInput,
  type NotificationInput,
  type NotificationRequest,
  toNotificationRequest,
  type WebhookResponse,
} from './webhook-request.js';
