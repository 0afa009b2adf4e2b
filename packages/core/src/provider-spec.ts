/**
 * The specification every wallet adapter implements (`specificationVersion: 'v1'`). Adapters are
 * transport and wire mapping only; order state, retries of conflicting writes and acknowledgement
 * decisions live in the core.
 *
 * @packageDocumentation
 */
import type { MerchantAccount } from './merchant.js';
import type { Currency } from './money.js';
import type {
  MoneyMovementEvent,
  Split,
  SplitReturnStatusEvent,
  SplitStatusEvent,
  Transfer,
  TransferStatusEvent,
} from './money-movement.js';
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
import type { StatementLine, StatementRequest } from './statement.js';
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
  /** Platform mode: calls may carry a sub-merchant's {@link MerchantAccount}. Absent means `false`. */
  readonly merchants?: boolean | undefined;
  /**
   * `split` and `querySplit` are implemented; `returnSplit` and `queryReturn` too where the wallet
   * returns splits on its own (WeChat Pay; otherwise see `splitReturnsInRefund`). Absent means `false`.
   */
  readonly split?: boolean | undefined;
  /**
   * `refund` takes {@link RefundRequest.splitReturns}: part of a refund taken back from receivers of
   * the order's splits within the refund itself (Alipay's 退分账, `refund_royalty_parameters`), where
   * the wallet has no split return of its own. Absent means `false`.
   */
  readonly splitReturnsInRefund?: boolean | undefined;
  /** `transfer` and `queryTransfer` are implemented. Absent means `false`. */
  readonly transfer?: boolean | undefined;
  /** `statement` is implemented. Absent means `false`. */
  readonly statements?: boolean | undefined;
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
  /**
   * The sub-merchant the payment is for (platform mode), resolved by the facade from the order's
   * merchant; `null` or absent for the provider's own account.
   */
  merchant?: MerchantAccount | null | undefined;
  /**
   * `true`: the payment will be split (WeChat `settle_info.profit_sharing`, Alipay
   * `extend_params.royalty_freeze`): the wallet holds the funds until the splits are done.
   */
  split?: boolean | undefined;
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
  /** The order's sub-merchant (platform mode), resolved by the facade; `null` or absent for the provider's own. */
  merchant?: MerchantAccount | null | undefined;
}

/**
 * What one receiver gives back within a refund (see {@link ProviderCapabilities.splitReturnsInRefund}):
 * the return as recorded on its split, with the refund's id.
 *
 * @example
 * ```ts
 * const back: RefundSplitReturn = { splitId: 'split0001', returnId: 'return0001', account: '2088101126765726', amount: 100, description: '退款退分账' };
 * ```
 */
export interface RefundSplitReturn {
  /** The split the receiver was paid by. */
  splitId: string;
  /** The wallet's id for that split, once known (Alipay `settle_no`). */
  providerSplitId?: string | null | undefined;
  /** The merchant's id for this return. */
  returnId: string;
  /** The receiver's account, as in the split. */
  account: string;
  /** Amount in fen, part of the refund's amount. */
  amount: number;
  description?: string | undefined;
}

/** A refund to send to the provider. */
export interface RefundRequest extends PaymentReference {
  refundId: string;
  /** Amount to refund, in fen: what the buyer gets back, `splitReturns` included. */
  amount: number;
  reason: string | null;
  /**
   * The parts of `amount` taken back from split receivers rather than from the merchant; only for a
   * provider with `capabilities.splitReturnsInRefund`. Absent or empty: all from the merchant. The
   * same refund sent again (the reconciler's resend) carries the same returns.
   */
  splitReturns?: readonly RefundSplitReturn[] | undefined;
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
  /**
   * The sub-merchant the wallet signed into the message (WeChat `sub_mchid`, Alipay `auth_app_id`
   * when it is not the provider's own app id, UnionPay `subMerId`), absent for a message about the
   * provider's own account. The facade binds it to the order's merchant: a message for another
   * sub-merchant is refused and recorded.
   */
  account?: string | undefined;
}

/** A verified notification about a split, a split return or a transfer. */
export interface VerifiedMovementNotification {
  event: MoneyMovementEvent;
  notificationId?: string | undefined;
  /** As {@link VerifiedNotification.account}. */
  account?: string | undefined;
}

/** A split to send: the order, the split as recorded, and the receivers' names where the wallet checks them. */
export interface SplitRequest extends PaymentReference {
  split: Split;
  /** Receivers' real names by account, where given (personal data: encrypted on the wire, never logged). */
  names?: Readonly<Record<string, string>> | undefined;
  notifyUrl: string | null;
}

/** An existing split at the provider. */
export interface SplitReference extends PaymentReference {
  split: Split;
}

/** A return of what one receiver got from a split. */
export interface SplitReturnRequest extends SplitReference {
  returnId: string;
  account: string;
  amount: number;
  description: string;
}

/** An existing split return at the provider. */
export interface SplitReturnReference extends SplitReference {
  returnId: string;
}

/** A transfer to send, or to look up, at the provider. */
export interface TransferRequest {
  transfer: Transfer;
  /** The transfer's sub-merchant (platform mode), or `null`/absent. */
  merchant?: MerchantAccount | null | undefined;
  notifyUrl: string | null;
}

/** A statement to download and parse, for the provider's own account or a sub-merchant's. */
export interface ProviderStatementRequest extends StatementRequest {
  merchant?: MerchantAccount | null | undefined;
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
 * What the type checker knows of a provider beyond the spec: the type of its `providerOptions`, the
 * action of each method it takes, and whether it acts for sub-merchants. Adapters declare it
 * through {@link PaymentProvider}'s second type parameter; it never exists at run time.
 *
 * `Merchants`: `true` for a provider in platform mode (`capabilities.merchants`), `false` for one
 * that cannot take a `merchant` (then `createPayment({ merchant })` does not compile); the default
 * `boolean` means "decided at run time" (a `merchant` compiles and the facade checks the capability).
 *
 * @example
 * ```ts
 * interface AlipayProvider extends PaymentProvider<'alipay', ProviderTypes<AlipayPaymentOptions, AlipayActions>> {}
 * interface PartnerProvider extends PaymentProvider<'wechatpay', ProviderTypes<object, WechatActions, true>> {}
 * ```
 */
export interface ProviderTypes<
  Options extends object = object,
  Actions extends ProviderActions = ProviderActions,
  Merchants extends boolean = boolean,
> {
  providerOptions: Options;
  actions: Actions;
  /** Whether the provider takes a `merchant` (platform mode); see {@link ProviderTypes}. */
  merchants?: Merchants | undefined;
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
  /**
   * Splits a paid order between receivers (profit sharing); idempotent by the split's id. Exists
   * exactly when `capabilities.split`.
   */
  split?(request: SplitRequest): Promise<SplitStatusEvent>;
  /** Reads a split's state; a split the wallet has no record of throws `ProviderApiError` `not_found`. */
  querySplit?(reference: SplitReference): Promise<SplitStatusEvent>;
  /** Returns (回退) what one receiver got from a split; idempotent by `returnId`. */
  returnSplit?(request: SplitReturnRequest): Promise<SplitReturnStatusEvent>;
  /** Reads a split return's state. */
  queryReturn?(reference: SplitReturnReference): Promise<SplitReturnStatusEvent>;
  /**
   * Checks, synchronously and without I/O, that a transfer has everything this provider needs (its
   * `providerOptions`, a payee type the wallet pays, a key mode that may pay out: Alipay requires
   * certificate mode). The facade calls it before storing anything, so a caller's mistake stores
   * no transfer and spends no transfer id.
   *
   * @throws ValidationError naming the missing or wrong field.
   */
  validateTransfer?(request: TransferRequest): void;
  /** Sends a transfer (payout); idempotent by the transfer's id. Exists exactly when `capabilities.transfer`. */
  transfer?(request: TransferRequest): Promise<TransferStatusEvent>;
  /** Reads a transfer's state; one the wallet has no record of throws `ProviderApiError` `not_found`. */
  queryTransfer?(request: TransferRequest): Promise<TransferStatusEvent>;
  /** Cancels a transfer the payee has not confirmed (WeChat); absent where the wallet cannot. */
  cancelTransfer?(request: TransferRequest): Promise<TransferStatusEvent>;
  /**
   * Verifies a notification about a split or a transfer, as {@link PaymentProvider.verifyNotification}
   * does for payments.
   */
  verifyMovementNotification?(request: NotificationRequest): Promise<VerifiedMovementNotification>;
  /**
   * Downloads the day's statement and yields its lines as they are parsed, never holding the whole
   * file. Exists exactly when `capabilities.statements`.
   */
  statement?(request: ProviderStatementRequest): AsyncIterable<StatementLine>;
  /**
   * Checks, synchronously and without I/O, that the wallet would take this refund as asked (split
   * returns within a refund of a payment method whose refunds take none, say). The facade calls it
   * before recording the refund, so a refusal records nothing.
   *
   * @throws ValidationError or UnsupportedOperationError naming what the wallet would refuse.
   */
  validateRefund?(request: RefundRequest): void;
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
