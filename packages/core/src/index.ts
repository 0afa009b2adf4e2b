/**
 * `@hutong/core`: what a merchant uses. The payments facade, orders and their events, integer-fen
 * money, order stores, webhook handlers, errors, and the provider spec's types. What adapter
 * authors need besides lives in `@hutong/core/provider-utils`.
 *
 * @example
 * ```ts
 * import { createPayments } from '@hutong/core';
 * const payments = createPayments({ providers: [alipay({ appId, privateKey, alipayPublicKey })] });
 * ```
 *
 * @packageDocumentation
 */
export * from './errors.js';
export type { HttpHooks, RedactedRequest, RedactedResponse } from './http-client.js';
export * from './money.js';
export * from './next-action.js';
export * from './order.js';
export * from './order-id.js';
export {
  type OrderEffect,
  type OrderEvent,
  type OrderEventType,
  type PaymentClosedEvent,
  type PaymentEvent,
  type PaymentFailedEvent,
  type PaymentInitiatedCommand,
  type PaymentPendingEvent,
  type PaymentSucceededEvent,
  type RefundFailedEvent,
  type RefundPendingEvent,
  type RefundRequestedCommand,
  type RefundSucceededEvent,
  refundableAmount,
  type TransitionResult,
} from './order-state-machine.js';
export * from './order-store.js';
export * from './outbox.js';
export * from './outbox-memory.js';
export * from './payment-code.js';
export * from './payment-method.js';
export * from './payments.js';
export type { PaymentsEventMap, PaymentsEventType, PaymentsListener } from './payments-events.js';
export * from './provider-spec.js';
export * from './reconciler.js';
export * from './webhook-handlers.js';
export {
  type BodyInput,
  type HeadersInput,
  type NotificationInput,
  type NotificationRequest,
  toNotificationRequest,
  type WebhookResponse,
} from './webhook-request.js';
