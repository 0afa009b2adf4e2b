/**
 * The specification every wallet adapter implements (`specificationVersion: 'v1'`). Adapters are
 * transport and wire mapping only; order state, retries of conflicting writes and acknowledgement
 * decisions live in the core.
 *
 * @packageDocumentation
 */
import type { Currency } from './money.js';
import type {
  AppAction,
  FormAction,
  JsapiAction,
  NextAction,
  NoAction,
  PosAction,
  QrAction,
  RedirectAction,
} from './next-action.js';
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
 * A wallet's web OAuth, in the one shape every adapter that has OAuth returns from its provider's
 * `oauth()` (Alipay's `auth_base`, WeChat's `snsapi_base`): where to send the buyer, and the buyer's
 * id for the code the wallet sends back. The checkout takes it for JSAPI payments inside the wallet.
 *
 * @example
 * ```ts
 * async function buyerFromCallback(oauth: WalletOAuth, code: string): Promise<string> {
 *   return oauth.buyerId(code); // Alipay's user or open id, WeChat's openid for the paying app
 * }
 * ```
 */
export interface WalletOAuth {
  /** Where to send the buyer: the wallet's authorize page, which comes back to `redirectUri` with a code and `state`. */
  authorizeUrl(redirectUri: string, state: string): string;
  /** The buyer's id for the paying app (Alipay user id or open id, WeChat openid), from the code the wallet returned. */
  buyerId(code: string): Promise<string>;
}

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
  /** `resumePayment` is implemented: a pending payment can be offered again (`payments.resume`). */
  readonly resume: boolean;
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
  status?: PaymentStatusEvent | undefined;
  /**
   * Strings the provider needs again for later calls on this payment (the WeChat Pay app id it
   * used, ...); stored on the order as `order.providerData` and merged over earlier values.
   */
  providerData?: Readonly<Record<string, string>> | undefined;
}

/** A payment to offer again for an order still pending (`payments.resume`). */
export interface ResumePaymentRequest extends CreatePaymentRequest {
  /** The order as stored. */
  order: Order;
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
  notificationId?: string | undefined;
}

/**
 * Which next action each payment method yields, per provider: its keys are the methods the
 * provider takes. `pos` payments yield a {@link PosAction}, made by the facade from the stored order.
 *
 * @example
 * ```ts
 * type Actions = { qr: QrAction; jsapi: JsapiAction<WechatpayJsapiParams>; pos: PosAction };
 * ```
 */
export type ProviderActions = {
  readonly [M in PaymentMethod]?:
    | QrAction
    | RedirectAction
    | FormAction
    | JsapiAction<object>
    | AppAction<string | object>
    | NoAction
    | PosAction;
};

/**
 * The action each method yields when a provider declares nothing narrower: what every wallet's
 * adapter can answer for that method.
 */
export interface DefaultProviderActions {
  qr?: QrAction;
  page?: FormAction | RedirectAction;
  h5?: FormAction | RedirectAction;
  jsapi?: JsapiAction;
  app?: AppAction;
  pos?: PosAction;
}

/**
 * What the type checker knows of a provider beyond the spec: the type of its `providerOptions` and
 * the action of each method it takes. Adapters declare it through {@link PaymentProvider}'s second
 * type parameter; it never exists at run time.
 *
 * @example
 * ```ts
 * interface AlipayProvider extends PaymentProvider<'alipay', ProviderTypes<AlipayPaymentOptions, AlipayActions>> {}
 * ```
 */
export interface ProviderTypes<Options extends object = object, Actions extends ProviderActions = ProviderActions> {
  providerOptions: Options;
  actions: Actions;
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
export interface PaymentProvider<
  Id extends string = string,
  Types extends ProviderTypes = ProviderTypes<object, DefaultProviderActions>,
> {
  readonly specificationVersion: 'v1';
  /**
   * Stable id, used in `createPayment({ provider })`, in webhook routes and stored on orders. Defaults
   * to the wallet's name; set it to run several accounts of one wallet side by side
   * (`alipay({ id: 'alipay-hk', ... })`).
   */
  readonly id: Id;
  /** The wallet behind this provider (`alipay`, `wechatpay`, `unionpay`), whatever its id. */
  readonly wallet: string;
  readonly capabilities: ProviderCapabilities;
  /**
   * Type-level only, never present at run time: the provider's `providerOptions` type and the action
   * of each method, which the facade uses to type `createPayment`.
   */
  readonly '~types'?: Types;
  /**
   * Checks, synchronously and without I/O, that a payment has everything this provider needs for its
   * method (a notify URL, a return URL, the buyer's id or IP, known `providerOptions`). The facade
   * calls it before storing anything, so a caller's mistake leaves no order and fires no event.
   *
   * @throws ValidationError naming the missing or wrong field.
   */
  validatePayment?(request: CreatePaymentRequest): void;
  /** Creates a payment and returns the buyer's next step. */
  createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult>;
  /**
   * Offers a pending payment again (the buyer dismissed the wallet's sheet): a fresh next action for
   * the same order, by the wallet's own rule for paying one `out_trade_no` again.
   */
  resumePayment?(request: ResumePaymentRequest): Promise<CreatePaymentResult>;
  /** Reads a payment's state from the provider. */
  queryPayment?(reference: PaymentReference): Promise<PaymentStatusEvent>;
  /**
   * Closes an unpaid payment so it can no longer be paid. A trade the wallet does not know throws a
   * `ProviderApiError` with `normalizedCode: 'not_found'` (or returns, where the wallet's rule is
   * that nothing can pay it then).
   */
  closePayment?(reference: PaymentReference): Promise<void>;
  /** Sends a refund; idempotent by `refundId`. */
  refund?(request: RefundRequest): Promise<RefundStatusEvent>;
  /**
   * Reads a refund's state from the provider. A refund the wallet has no record of (it never
   * received the request) must throw a `ProviderApiError` with `normalizedCode: 'not_found'`, never
   * report it pending: the reconciler then sends it again under the same `refundId`.
   */
  queryRefund?(reference: RefundReference): Promise<RefundStatusEvent>;
  /**
   * Verifies a notification (signature, timestamps, decryption, recipient) and parses it into an
   * event. Throws `SignatureVerificationError` or `ValidationError`, never returns unverified data.
   *
   * This is also the public, stateless way to verify a webhook for merchants who keep their own
   * database (what Stripe calls `constructEvent`): no facade or store is involved.
   *
   * @example
   * ```ts
   * const { event } = await provider.verifyNotification(toNotificationRequest({ headers, body }));
   * if (event.type === 'payment.succeeded') await markPaid(event.orderId, event.amount);
   * ```
   */
  verifyNotification(request: NotificationRequest): Promise<VerifiedNotification>;
  /** The exact HTTP reply the provider expects for an accepted or a rejected notification. */
  acknowledgeNotification(outcome: NotificationOutcome): WebhookResponse;
}
