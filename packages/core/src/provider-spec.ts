/**
 * The specification every wallet adapter implements (`specificationVersion: 'v1'`). Adapters are
 * transport and wire mapping only; order state, retries of conflicting writes and acknowledgement
 * decisions live in the core.
 *
 * @packageDocumentation
 */
import type { Currency } from './money.js';
import type { NextAction } from './next-action.js';
import type { Order } from './order.js';
import type {
  PaymentClosedEvent,
  PaymentEvent,
  PaymentFailedEvent,
  PaymentPendingEvent,
  PaymentSucceededEvent,
  RefundFailedEvent,
  RefundPendingEvent,
  RefundSucceededEvent,
} from './order-state-machine.js';
import type { PaymentMethod } from './payment-method.js';
import type { NotificationRequest, WebhookResponse } from './webhook-request.js';

/**
 * What a provider can do, declared as data so that callers and the conformance suite can check it
 * without calling anything.
 *
 * @example
 * ```ts
 * if (provider.capabilities.methods.includes('pos')) showScanner();
 * ```
 */
export interface ProviderCapabilities {
  /** Payment methods the provider takes. */
  readonly methods: readonly PaymentMethod[];
  /** `queryPayment` is implemented. */
  readonly query: boolean;
  /** `closePayment` is implemented. */
  readonly close: boolean;
  /** `refund` is implemented. */
  readonly refund: boolean;
  /** A refund may be less than the paid amount. */
  readonly partialRefund: boolean;
  /** An order may be refunded more than once. */
  readonly multipleRefunds: boolean;
  /** `queryRefund` is implemented. */
  readonly refundQuery: boolean;
  /** The provider notifies refund results (not only payments). */
  readonly refundNotifications: boolean;
}

/** Everything a provider needs to create a payment; validated by the facade before the call. */
export interface CreatePaymentRequest {
  orderId: string;
  /** When the order was recorded (`order.createdAt`); providers that key payments by time use it. */
  createdAt: Date;
  method: PaymentMethod;
  /** Amount in fen. */
  amount: number;
  currency: Currency;
  subject: string;
  notifyUrl: string | null;
  returnUrl: string | null;
  expiresAt: Date | null;
  /** The buyer's id at the provider (required by `jsapi` on most wallets). */
  buyerId: string | null;
  /** The buyer's payment code, for `pos`. */
  authCode: string | null;
  /** The buyer's IP address (WeChat `h5`, UnionPay risk control). */
  clientIp: string | null;
  /** Options only this provider understands (Alipay installments, WeChat scene info, ...). */
  providerOptions: Readonly<Record<string, unknown>>;
}

/**
 * The provider's answer to a create: the buyer's next step and, for payments that settle at once
 * (`pos`), the payment's state.
 */
export interface CreatePaymentResult {
  action: NextAction;
  /** The payment's state when known right away (a `pos` payment paid or refused on the spot). */
  status?: PaymentStatusEvent;
}

/** The events a payment query can return. */
export type PaymentStatusEvent = PaymentPendingEvent | PaymentSucceededEvent | PaymentClosedEvent | PaymentFailedEvent;

/** The events a refund call or refund query can return. */
export type RefundStatusEvent = RefundPendingEvent | RefundSucceededEvent | RefundFailedEvent;

/** Identifies an existing payment at the provider. */
export interface PaymentReference {
  orderId: string;
  /** The order as stored (for providers that need its creation time or transaction id). */
  order: Order;
}

/** A refund to send to the provider. */
export interface RefundRequest extends PaymentReference {
  refundId: string;
  /** Amount to refund, in fen. */
  amount: number;
  reason: string | null;
}

/** A refund to look up at the provider. */
export interface RefundReference extends PaymentReference {
  refundId: string;
}

/** A verified notification, reduced to the event it reports. */
export interface VerifiedNotification {
  /** The normalised event. */
  event: PaymentEvent;
  /** The provider's notification id, when it has one (for logs). */
  notificationId?: string;
}

/** The notification outcome an acknowledgement is rendered for. */
export type NotificationOutcome = { accepted: true } | { accepted: false; error: unknown };

/**
 * A payment provider, version 1 of the spec. Adapters return one from their factory
 * (`alipay(options)`); the operations marked optional exist exactly when the matching capability is
 * true, which the conformance suite checks.
 *
 * Every method verifies the provider's signature on what it receives; none may offer a way to skip it.
 *
 * @example
 * ```ts
 * const payments = createPayments({ providers: [alipay({ ... }), wechatpay({ ... })] });
 * ```
 */
export interface PaymentProvider {
  readonly specificationVersion: 'v1';
  /** Stable id, used in `createPayment({ provider })` and stored on orders. */
  readonly id: string;
  readonly capabilities: ProviderCapabilities;
  /** Creates a payment and returns the buyer's next step. */
  createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult>;
  /** Reads a payment's state from the provider. */
  queryPayment?(reference: PaymentReference): Promise<PaymentStatusEvent>;
  /** Closes an unpaid payment so it can no longer be paid. */
  closePayment?(reference: PaymentReference): Promise<void>;
  /** Sends a refund; idempotent by `refundId`. */
  refund?(request: RefundRequest): Promise<RefundStatusEvent>;
  /** Reads a refund's state from the provider. */
  queryRefund?(reference: RefundReference): Promise<RefundStatusEvent>;
  /**
   * Verifies a notification (signature, timestamps, decryption, recipient) and parses it into an
   * event. Throws `SignatureVerificationError` or `ValidationError`, never returns unverified data.
   */
  verifyNotification(request: NotificationRequest): Promise<VerifiedNotification>;
  /** The exact HTTP reply the provider expects for an accepted or a rejected notification. */
  acknowledgeNotification(outcome: NotificationOutcome): WebhookResponse;
}
