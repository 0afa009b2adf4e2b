/**
 * The public types of the payments facade: its options, the inputs and outputs of each operation,
 * and the `Payments` interface itself, typed by the configured providers.
 *
 * @packageDocumentation
 */
import type { OrderNotFoundError } from '../errors.js';
import type { CachedMerchantDirectory, MerchantCacheOptions } from '../merchant-cache.js';
import type { KeyedMerchantDirectory } from '../merchant-memory.js';
import type { Split, SplitReturn, Transfer } from '../money-movement.js';
import type { NextAction, PosAction } from '../next-action.js';
import type { Order, OrderAnomaly, Refund } from '../order.js';
import type { PaymentEvent, TransitionResult } from '../order-state-machine.js';
import type { ListTransfersQuery, MemoryOrderStore, OrderStore, TransferPage } from '../order-store.js';
import type { OutboxRelay, OutboxRelayOptions } from '../outbox.js';
import type { PAYMENT_CODE_RULES, PaymentCodeRule } from '../payment-code.js';
import type { PaymentMethod } from '../payment-method.js';
import type { PaymentsEventType, PaymentsListener } from '../payments-events.js';
import type { PaymentProvider, ProviderTypes } from '../provider-spec.js';
import type { StatementRequest, StatementResult } from '../statement.js';
import type { NodeWebhookHandler, NodeWebhookOptions } from '../webhook-handlers.js';
import type { NotificationInput, WebhookResponse } from '../webhook-request.js';
import type {
  HandleMovementNotificationResult,
  SplitInput,
  SplitReturnInput,
  SyncTransferOptions,
  TransferInput,
} from './movement-types.js';

export type * from './movement-types.js';

/**
 * Options of {@link createPayments}.
 *
 * @example
 * ```ts
 * createPayments({
 *   providers: [alipay({ ... })],
 *   store: new MemoryOrderStore(),
 *   notifyUrl: (provider) => `https://shop.example/webhooks/${provider}`,
 * });
 * ```
 */
export interface PaymentsOptions<P extends AnyProvider = AnyProvider, K extends string = string> {
  /** The providers to offer; ids must be unique. Their ids and types type the facade. */
  providers: readonly P[];
  /**
   * Where orders live. Default: a new {@link MemoryOrderStore}, which loses every order on restart:
   * with `NODE_ENV=production` a memory store makes the process emit one warning
   * (`process.emitWarning`, code `HUTONG_MEMORY_ORDER_STORE`).
   */
  store?: OrderStore | undefined;
  /** Default notification URL: a string, or a function of the provider id. */
  notifyUrl?: (string | ((provider: P['id']) => string)) | undefined;
  /**
   * Notification URL of splits and transfers (`payments.movementWebhookHandler`, or the payments
   * endpoint's path followed by `/movements`): a string, or a function of the provider id. Default none.
   */
  movementNotifyUrl?: (string | ((provider: P['id']) => string)) | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** How many times a write that lost a race is re-read and re-applied. Default 16. */
  maxConflictRetries?: number | undefined;
  /**
   * Receives errors thrown by event listeners (the stored change stands), with the event's name.
   * Default: none. Library code never logs, so without it listener errors are dropped, and the first
   * one makes the process emit one warning (`process.emitWarning`, code `HUTONG_LISTENER_ERROR`,
   * naming the event and the error's class, never its message). Pass it to log or alert.
   */
  onListenerError?: ((error: unknown, event: PaymentsEventType) => void) | undefined;
  /**
   * The outbox relay, with a store that has an outbox (`store.outbox`, e.g. `@hutong/store-sql`):
   * its options, or `false` for none in this process (another process relays). Ignored with a store
   * without an outbox, whose events are emitted inline. Default `{}`.
   */
  relay?: PaymentsRelayOptions | false | undefined;
  /**
   * Platform mode: resolves `createPayment({ merchant })` (and every later call on that order) to
   * the sub-merchant's account at the provider (`createMemoryMerchantDirectory`, or the SQL one of
   * `@hutong/store-sql`). Its key type (`createMemoryMerchantDirectory<ShopId>()`) types `merchant`.
   * Default: none; a `merchant` is then refused (`MerchantError` `merchant_unsupported`).
   */
  merchants?: KeyedMerchantDirectory<K> | undefined;
  /**
   * The cache in front of `merchants` (see {@link MerchantCacheOptions}): default 1000 accounts for
   * 30 seconds; `false` for none. `payments.merchants.put` writes through and forgets the cached
   * account at once; a change made elsewhere takes effect within `ttlMs`.
   */
  merchantCache?: Omit<MerchantCacheOptions, 'now'> | false | undefined;
}

/**
 * Options of the facade's outbox relay ({@link PaymentsOptions.relay}); see
 * {@link OutboxRelayOptions} for each. `onError` receives store failures and events given up on
 * (listeners' errors go to {@link PaymentsOptions.onListenerError}). Default: none; library code
 * never logs, so without it they are dropped, and the first one makes the process emit one warning
 * (`process.emitWarning`, code `HUTONG_OUTBOX_RELAY_ERROR`). Pass it to log or alert.
 *
 * @example
 * ```ts
 * // Every instance gets every event: one consumer group per instance, with a stable name.
 * createPayments({ providers, store, relay: { group: `instance-${process.env.HOSTNAME}` } });
 * ```
 */
export interface PaymentsRelayOptions
  extends Pick<
    OutboxRelayOptions,
    'group' | 'consumer' | 'batchSize' | 'leaseMs' | 'pollIntervalMs' | 'maxAttempts' | 'onError'
  > {
  /**
   * Start the relay when the first listener of an order or refund event is registered with
   * `payments.on` (default `true`). With `false`, call `payments.relay.start()` yourself.
   */
  readonly autoStart?: boolean | undefined;
}

/**
 * Any provider, whatever its id and types: the bound of the facade's type parameter.
 */
export type AnyProvider = PaymentProvider<string, ProviderTypes>;

/** The provider with id `Id` among the providers `P`. */
export type ProviderWithId<P extends AnyProvider, Id extends string> = P extends AnyProvider
  ? Id extends P['id']
    ? P
    : never
  : never;

/** The type-level declarations of provider `P` (its `providerOptions` and actions). */
export type TypesOf<P extends AnyProvider> =
  NonNullable<P['~types']> extends ProviderTypes ? NonNullable<P['~types']> : ProviderTypes;

/** The methods provider `P` takes, as its types declare them. */
export type MethodOf<P extends AnyProvider> = keyof TypesOf<P>['actions'] & PaymentMethod;

/** The `providerOptions` type of provider `P`. */
export type ProviderOptionsOf<P extends AnyProvider> = TypesOf<P>['providerOptions'];

/**
 * What `merchant` takes for provider `P`: the platform's key type `K`, or `never` when `P` declares
 * it cannot act for a sub-merchant (`ProviderTypes<..., ..., false>`).
 *
 * @example
 * ```ts
 * type Key = MerchantKeyOf<WechatpayPartnerProvider, ShopId>; // ShopId
 * type None = MerchantKeyOf<PaymentProvider<'direct', ProviderTypes<object, { qr: QrAction }, false>>>; // never
 * ```
 */
export type MerchantKeyOf<P extends AnyProvider, K extends string = string> = [
  NonNullable<TypesOf<P>['merchants']>,
] extends [false]
  ? // `any` (a facade of any providers) passes the first test too: it takes a merchant.
    [boolean] extends [NonNullable<TypesOf<P>['merchants']>]
    ? K
    : never
  : K;

/** The action provider `P` answers for method `M`. */
export type ActionOf<P extends AnyProvider, M extends PaymentMethod> = M extends keyof TypesOf<P>['actions']
  ? NonNullable<TypesOf<P>['actions'][M]>
  : NextAction | PosAction;

/**
 * Input of {@link Payments.createPayment}, for provider `P` and method `M`: `providerOptions` is
 * typed by the provider, `method` limited to what it takes.
 *
 * @example
 * ```ts
 * const input: CreatePaymentInput = { provider: 'alipay', method: 'qr', amount: 1999, subject: 'Tea' };
 * ```
 */
export interface CreatePaymentInput<
  P extends AnyProvider = AnyProvider,
  M extends PaymentMethod = MethodOf<P>,
  K extends string = string,
> {
  /** Provider id, e.g. `alipay`. */
  provider: P['id'];
  /** How the buyer pays; one the provider takes. */
  method: M;
  /** Amount in fen (integer). `1999` is 19.99 yuan. */
  amount: number;
  /** What the buyer sees on their statement (1 to 127 characters). */
  subject: string;
  /** 8 to 32 letters and digits; generated when absent. */
  orderId?: string | undefined;
  /** When the buyer can no longer pay. */
  expiresAt?: Date | undefined;
  /** Overrides the facade's `notifyUrl` for this order. */
  notifyUrl?: string | undefined;
  /** Where the buyer returns after paying (`page`, `h5`). */
  returnUrl?: string | undefined;
  /** The buyer's id at the provider (`jsapi`: WeChat openid, Alipay buyer id). */
  buyerId?: string | undefined;
  /** The buyer's payment code (`pos`). */
  authCode?: string | undefined;
  /** The buyer's IP address. */
  clientIp?: string | undefined;
  /** The merchant's own data, stored on the order. */
  metadata?: Record<string, string> | undefined;
  /** Options only the chosen provider understands; unknown keys are refused. */
  providerOptions?: ProviderOptionsOf<P> | undefined;
  /**
   * Platform mode: the sub-merchant (the platform's key, `'shop-42'`) the payment is for, stored on
   * the order and resolved through `merchants` for this and every later call. Absent: the
   * provider's own account. Unknown, disabled or not enabled at the provider: a `MerchantError`
   * before anything is stored.
   */
  merchant?: MerchantKeyOf<P, K> | undefined;
  /**
   * `true`: the payment will be split after it is paid (`payments.split`): the wallet holds the
   * funds until the splits are done (WeChat Pay `profit_sharing`, Alipay `royalty_freeze`). Only
   * for providers with `capabilities.split`.
   */
  split?: boolean | undefined;
}

/** Result of {@link Payments.createPayment}: the order and the buyer's next step for its method. */
export interface CreatePaymentOutput<A = NextAction | PosAction> {
  order: Order;
  /** The buyer's next step (for `pos`, the payment's status). */
  action: A;
}

/**
 * Input of {@link Payments.payWithCode}: a payment code scanned at the till, of any configured
 * wallet.
 *
 * @example
 * ```ts
 * await payments.payWithCode({ authCode: scanned, amount: 1800, subject: '拿铁 大杯' });
 * ```
 */
export interface PayWithCodeInput<P extends AnyProvider = AnyProvider, K extends string = string> {
  /** The buyer's payment code as scanned (digits). Its wallet picks the provider. */
  authCode: string;
  /** Amount in fen (integer). */
  amount: number;
  /** What the buyer sees on their statement. */
  subject: string;
  /** 8 to 32 letters and digits; generated when absent. */
  orderId?: string | undefined;
  /** The merchant's own data, stored on the order. */
  metadata?: Record<string, string> | undefined;
  /** The provider to use, when several are configured for the code's wallet. Default: the first. */
  provider?: P['id'] | undefined;
  /** Rules mapping codes to wallets. Default {@link PAYMENT_CODE_RULES}. */
  rules?: readonly PaymentCodeRule[] | undefined;
  /**
   * How long to wait for a buyer who confirms in their wallet (enters a password) before the payment
   * is cancelled, in milliseconds. Default 60 000.
   */
  confirmTimeoutMs?: number | undefined;
  /** How often to ask the wallet while the buyer confirms, in milliseconds. Default 3 000. */
  pollIntervalMs?: number | undefined;
  /**
   * Platform mode: the sub-merchant the payment is for; without `provider`, the first provider of
   * the code's wallet that acts for sub-merchants is used.
   */
  merchant?: K | undefined;
}

/**
 * Input of {@link Payments.resume}: what the order does not keep and the wallet may need again.
 *
 * @example
 * ```ts
 * await payments.resume(order.id, { clientIp: '203.0.113.7' });
 * ```
 */
export interface ResumeInput<P extends AnyProvider = AnyProvider, K extends string = string> {
  /** The buyer's IP address (WeChat Pay `h5`). */
  clientIp?: string | undefined;
  /** Provider options for the new attempt, as for `createPayment`. */
  providerOptions?: ProviderOptionsOf<P> | undefined;
  /**
   * Platform mode: the merchant the caller acts for; the order must be one of its orders
   * (`MerchantError` `merchant_mismatch` otherwise), so one shop's request never touches another's.
   */
  merchant?: K | undefined;
}

/**
 * Input of {@link Payments.refund}.
 *
 * @example
 * ```ts
 * const input: RefundInput = { refundId: 'refund0001', amount: 500, reason: '少发一盒' };
 * ```
 */
export interface RefundInput<K extends string = string> {
  /** Amount in fen: what the buyer gets back, `splitReturns` included (they are part of it, not added to it). */
  amount: number;
  /**
   * The merchant's id for this refund, 8 to 32 letters and digits (the wallets' `out_request_no`,
   * `out_refund_no`): required, as the wallets require it. A second call with the same id returns
   * the same refund and never refunds twice, concurrent calls (a double click) included; only a
   * refund the wallet refused (`failed`) is sent again, as nothing was refunded. Derive it from what
   * the buyer asked for (a return or ticket number), not from the click.
   */
  refundId: string;
  /** Shown to the buyer by some wallets; at most 80 characters. */
  reason?: string | undefined;
  /**
   * Parts of `amount` taken back from receivers of the order's splits within this refund, rather than
   * from the merchant (Alipay's 退分账: web, wap and app payments). Each is recorded on its split as a
   * return with this refund's id, is sent with the refund, and succeeds or fails with it
   * (`split.returned` / `split.return_failed`). Only where the provider has
   * `capabilities.splitReturnsInRefund`; elsewhere (WeChat Pay) return first with
   * `payments.returnSplit`, then refund. Each receiver gives back at most what it got and has not
   * returned; together at most `amount`.
   *
   * @example
   * ```ts
   * await payments.refund(order.id, {
   *   refundId: 'refund0001', amount: 500,
   *   splitReturns: [{ splitId: 'split0001', returnId: 'return0001', account: '2088101126765726', amount: 200, description: '退款退分账' }],
   * });
   * ```
   */
  splitReturns?: readonly SplitReturnInput[] | undefined;
  /**
   * Platform mode: the merchant the caller acts for; the order must be one of its orders
   * (`MerchantError` `merchant_mismatch` otherwise, nothing recorded).
   */
  merchant?: K | undefined;
}

/**
 * What `payments.reconcileStatement` reconciles: one provider's statement of one day.
 *
 * @example
 * ```ts
 * const input: ReconcileStatementInput = { provider: 'wechatpay', date: '2026-12-01', merchant: 'shop-42' };
 * ```
 */
export interface ReconcileStatementInput<P extends AnyProvider = AnyProvider> {
  /** The provider whose statement to reconcile; it must have `capabilities.statements`. */
  provider: P['id'];
  /** The wallet's civil date, `YYYY-MM-DD` (China time). */
  date: string;
  /**
   * The merchant (platform mode) whose statement to reconcile, resolved through the facade's
   * merchant directory when it has one; absent: the provider's own account.
   */
  merchant?: string | undefined;
  /** The wallet's bill kind (`trade`, `fundflow`, ...; the adapter documents its own). Default `trade`. */
  kind?: string | undefined;
  /** `error` (default): a malformed line fails the run, naming its number; `skip`: reported to `onSkipped`. */
  malformed?: StatementRequest['malformed'];
  /** Called for every line skipped under `malformed: 'skip'`. */
  onSkipped?: StatementRequest['onSkipped'];
  /**
   * `false`: do not report the store's orders and refunds of that day the statement lacks (for a
   * bill that does not list trades, such as a fund-flow bill). Default `true`.
   */
  missingAtWallet?: boolean | undefined;
}

/**
 * Options of {@link Payments.sync}.
 *
 * @example
 * ```ts
 * await payments.sync(order.id, { resendRefundsAfterMs: 300_000 });
 * ```
 */
export interface SyncOptions {
  /**
   * Send a pending refund again, with the same refund id, when the wallet answers that it does not
   * know it and the refund has not changed for this long (milliseconds). Default: never (the
   * wallet's answer is thrown, as before).
   */
  readonly resendRefundsAfterMs?: number | undefined;
  /**
   * Likewise for a pending split or split return the wallet does not know: sent again under the
   * same id once unchanged this long. Default: never.
   */
  readonly resendSplitsAfterMs?: number | undefined;
}

/** Result of {@link Payments.refund}. */
export interface RefundOutput {
  order: Order;
  refund: Refund;
}

/** A notification that was verified and whose event is stored (or already was). */
export interface AcceptedNotification {
  ok: true;
  /** The order after the event. */
  order: Order;
  /** The verified event. */
  event: PaymentEvent;
  /** `applied`, or `duplicate` / `stale` when the event changed nothing. */
  outcome: TransitionResult['outcome'];
  /** Anomalies this notification revealed (recorded on the order). */
  anomalies: OrderAnomaly[];
  /** The exact reply the provider expects. */
  response: WebhookResponse;
  error?: undefined;
}

/** A notification that was refused (unverified, unknown order, store failure, ...). */
export interface RejectedNotification {
  ok: false;
  /** Why it was refused. */
  error: unknown;
  order?: undefined;
  event?: undefined;
  outcome?: undefined;
  anomalies?: undefined;
  /**
   * The reply to send (the wallet redelivers on anything but 2xx): the provider's refusal (4xx) when
   * the notification itself was refused (bad signature, malformed, unknown order); the provider's
   * failure body with a 5xx when our side failed, so the wallet retries: 503 for a retryable error
   * (a `StoreError` while the database restarts), 500 for another (a bug).
   */
  response: WebhookResponse;
}

/**
 * Result of {@link Payments.handleNotification}, narrowed by `ok`. `response` is always set: send
 * it back as is.
 *
 * @example
 * ```ts
 * const result = await payments.handleNotification('alipay', { headers, body });
 * if (result.ok) console.log(result.order.id, result.outcome);
 * ```
 */
export type HandleNotificationResult = AcceptedNotification | RejectedNotification;

/**
 * The payments facade returned by {@link createPayments}, typed by its providers `P`: provider ids,
 * methods, `providerOptions` and actions are checked at compile time.
 */
// biome-ignore lint/suspicious/noExplicitAny: `Payments` without arguments is any facade, whatever its providers.
export interface Payments<P extends AnyProvider = any, K extends string = string> {
  /**
   * Records an order and asks the provider for the buyer's next step. What the provider needs for
   * the method is checked first: a caller's mistake stores nothing and fires no event.
   */
  createPayment<Id extends P['id'], M extends MethodOf<ProviderWithId<P, Id>>>(
    input: CreatePaymentInput<ProviderWithId<P, Id>, M, K> & { provider: Id },
  ): Promise<CreatePaymentOutput<ActionOf<ProviderWithId<P, Id>, M>>>;
  /**
   * Takes a payment code scanned at the till, of any configured wallet (互认互扫): the code's wallet
   * picks the provider, a `pos` payment is made, and while the buyer confirms in their wallet it asks
   * the wallet until the payment settles or `confirmTimeoutMs` passes, then cancels it. An unknown
   * code, or one of a wallet no provider takes, is a `ValidationError` before anything is stored.
   */
  payWithCode(input: PayWithCodeInput<P, K>): Promise<CreatePaymentOutput<PosAction>>;
  /**
   * A fresh next action for an order still unpaid (the buyer dismissed the wallet's sheet), by the
   * wallet's own rule for paying the same order again. Never creates a second payable order.
   */
  resume(orderId: string, input?: ResumeInput<P, K>): Promise<CreatePaymentOutput>;
  /**
   * Verifies a notification, applies it atomically and returns the reply to send. Never throws. A
   * notification refused for what it says gets the provider's refusal (4xx); one that met a failure
   * on the merchant's side gets a 5xx (503 for a retryable `StoreError` while the database
   * restarts, 500 for a bug), so the wallet delivers it again.
   */
  handleNotification(provider: P['id'], input: NotificationInput): Promise<HandleNotificationResult>;
  /**
   * Asks the provider for the payment's (and pending refunds') state and applies it. With
   * `resendRefundsAfterMs`, a pending refund the wallet does not know (its request never arrived)
   * and unchanged that long is sent again under the same refund id; the reconciler passes it.
   */
  sync(orderId: string, options?: SyncOptions): Promise<Order>;
  /** Closes an unpaid order at the provider. */
  close(orderId: string): Promise<Order>;
  /** Refunds part or all of a paid order; never beyond what was paid, pending refunds included. */
  refund(orderId: string, input: RefundInput<K>): Promise<RefundOutput>;
  /** The stored order; throws {@link OrderNotFoundError}. */
  getOrder(orderId: string): Promise<Order>;
  /**
   * Splits a paid order between receivers (profit sharing), recorded on the order by `splitId` and
   * sent once. What is split plus what is refunded never exceeds what was paid
   * (`SplitExceedsAvailableError`); a refund never takes what is split (`RefundExceedsUnsplitError`:
   * return it first). A refusal the wallet stated marks the split failed; any other failure leaves
   * it pending for the reconciler. Both are thrown.
   */
  split(orderId: string, input: SplitInput): Promise<Split>;
  /**
   * Takes back part of what one receiver got from a split (分账回退), recorded by `returnId` and
   * sent once. A wallet without split returns (Alipay) is an `UnsupportedOperationError` before
   * anything is recorded.
   */
  returnSplit(orderId: string, input: SplitReturnInput): Promise<SplitReturn>;
  /** The split as stored on its order; throws `MovementNotFoundError` (`split_not_found`). */
  getSplit(orderId: string, splitId: string): Promise<Split>;
  /**
   * Pays a wallet user (payout): stored `created` by `transferId` exactly once (a store without
   * `transfers` is an `UnsupportedOperationError`), then sent. The same id with the same content
   * returns the same transfer; with other content it is a `ConflictError` (`duplicate_transfer`).
   */
  transfer(input: TransferInput<P['id']>): Promise<Transfer>;
  /** Cancels a transfer the payee has not confirmed, where the wallet can (WeChat Pay). */
  cancelTransfer(transferId: string): Promise<Transfer>;
  /** The stored transfer; throws `MovementNotFoundError` (`transfer_not_found`). */
  getTransfer(transferId: string): Promise<Transfer>;
  /** One page of stored transfers, oldest `updatedAt` first. */
  listTransfers(query?: ListTransfersQuery): Promise<TransferPage>;
  /**
   * Asks the wallet for a transfer's state and applies it; with `resendAfterMs`, a `created`
   * transfer the wallet never received is sent again under the same id (the reconciler passes it).
   */
  syncTransfer(transferId: string, options?: SyncTransferOptions): Promise<Transfer>;
  /**
   * Verifies a notification about a split, a split return or a transfer, binds it to its record,
   * applies it atomically and returns the reply to send, as {@link Payments.handleNotification}. Never throws.
   */
  handleMovementNotification(provider: P['id'], input: NotificationInput): Promise<HandleMovementNotificationResult>;
  /**
   * Reconciles one provider's statement of one day: downloads and parses it as a stream, matches
   * every line against the store in batches, asks the wallet about each payment or refund settled
   * there but not here (a verified `sync`, applied by the state machine; the difference records
   * the `resolution`), stores the result in `store.statements` (a day reconciled again replaces its
   * result) and reports `statement.difference` per difference and `statement.reconciled`, through
   * the outbox when the store has one. Throws `UnsupportedOperationError` for a provider without
   * statements, `ValidationError` for a bad date.
   */
  reconcileStatement(input: ReconcileStatementInput<P>): Promise<StatementResult>;
  /**
   * Subscribes to a facade event; returns the unsubscribe function. With a store that has an outbox,
   * the first listener of an order or refund event starts {@link Payments.relay} (unless
   * `relay.autoStart` is `false`).
   */
  on<T extends PaymentsEventType>(type: T, listener: PaymentsListener<T>): () => void;
  /**
   * The outbox relay, when the store has an outbox and `relay` is not `false`: it delivers the
   * events the facade wrote with each order to this facade's listeners, at least once. Stop it
   * (`await payments.relay?.stop()`) before closing the database. `undefined` otherwise: events are
   * then emitted inline, right after the store write.
   */
  readonly relay: OutboxRelay | undefined;
  /** A `(Request) => Promise<Response>` webhook endpoint for one provider (web-standard servers). */
  webhookHandler(provider: P['id']): (request: Request) => Promise<Response>;
  /**
   * A webhook endpoint for Node's `http` (and Express, Fastify's raw mode, ...). Every request gets
   * an answer and none can throw; `options.origin` is the trusted origin of the notification's URL.
   */
  nodeWebhookHandler(provider: P['id'], options?: NodeWebhookOptions): NodeWebhookHandler;
  /** The configured provider with this id, with its own type (`WechatpayProvider`, ...). */
  provider<Id extends P['id']>(id: Id): ProviderWithId<P, Id>;
  /** The configured providers, in the order given. */
  readonly providers: readonly P[];
  /**
   * Platform mode: the `merchants` directory behind the facade's cache; `undefined` without one.
   * Onboard and suspend merchants through it: its `put` forgets the cached account at once.
   */
  readonly merchants: CachedMerchantDirectory | undefined;
}
