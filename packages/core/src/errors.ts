/**
 * The error family of hutong. Every error thrown by `@hutong/*` packages is a {@link HutongError}
 * with a stable {@link HutongError.code}; match on the code or use the static `isInstance` checks,
 * which work even when two copies of `@hutong/core` are installed side by side.
 *
 * Messages never contain secrets (keys, signatures, API keys): adapters put identifiers and
 * provider codes in errors, never key material.
 *
 * @packageDocumentation
 */

const MARKER_PREFIX = 'hutong.error.';

/** Stable codes of every hutong error; safe to persist, log and switch on. */
export type HutongErrorCode =
  | 'validation_error'
  | 'signature_invalid'
  | 'provider_error'
  | 'unexpected_response'
  | 'network_error'
  | 'timeout'
  | 'invalid_transition'
  | 'amount_mismatch'
  | 'refund_exceeds_paid'
  | 'version_conflict'
  | 'duplicate_order'
  | 'order_not_found'
  | 'unsupported_operation'
  | MerchantErrorCode
  | MoneyMovementErrorCode
  | StoreErrorCode;

/**
 * Stable codes of a {@link MerchantError} (platform mode):
 * - `unknown_merchant`: the directory has no such merchant;
 * - `merchant_disabled`: the platform suspended the merchant at that provider;
 * - `merchant_not_enabled`: the merchant has no account at that provider;
 * - `merchant_unsupported`: the provider cannot act for a sub-merchant (`capabilities.merchants` is
 *   not true), or no `merchants` directory is configured;
 * - `merchant_mismatch`: a message or a call names another merchant than the order's (a notification
 *   signed for sub-merchant B about A's order, a refund asked for A of B's order).
 *
 * @example
 * ```ts
 * const code: MerchantErrorCode = 'merchant_disabled';
 * ```
 */
export type MerchantErrorCode =
  | 'unknown_merchant'
  | 'merchant_disabled'
  | 'merchant_not_enabled'
  | 'merchant_unsupported'
  | 'merchant_mismatch';

/**
 * Stable codes of the errors of splits and transfers:
 * - `split_exceeds_available`: a split or a split return beyond what is left to split or return;
 * - `refund_exceeds_unsplit`: a refund that would take money already split (return the split first);
 * - `duplicate_split`: a split or return id reused for other content;
 * - `duplicate_transfer`: a transfer id reused (for other content, through the facade);
 * - `split_not_found` / `transfer_not_found`: no such split on the order, no such transfer.
 *
 * @example
 * ```ts
 * const code: MoneyMovementErrorCode = 'refund_exceeds_unsplit';
 * ```
 */
export type MoneyMovementErrorCode =
  | 'split_exceeds_available'
  | 'refund_exceeds_unsplit'
  | 'duplicate_split'
  | 'duplicate_transfer'
  | 'split_not_found'
  | 'transfer_not_found';

/**
 * Stable codes of a {@link StoreError}:
 * - `store_unavailable`: the database could not be reached, or dropped the connection (a restart,
 *   a failover, a killed backend). Retryable.
 * - `store_timeout`: a lock wait or a statement ran past the store's lock or statement timeout.
 *   Retryable.
 * - `store_conflict`: the database aborted the transaction to break a deadlock or a serialization
 *   conflict, and the store's own retries ran out. Retryable.
 * - `store_error`: any other failure of the database or the driver. Not retryable.
 *
 * @example
 * ```ts
 * const code: StoreErrorCode = 'store_timeout';
 * ```
 */
export type StoreErrorCode = 'store_unavailable' | 'store_timeout' | 'store_conflict' | 'store_error';

/** Options accepted by every hutong error constructor. */
export interface HutongErrorOptions {
  /** The underlying error, kept for debugging; never shown to buyers. */
  cause?: unknown;
}

function mark(target: object, name: string): void {
  Object.defineProperty(target, Symbol.for(MARKER_PREFIX + name), { value: true });
}

function hasMark(value: unknown, name: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[Symbol.for(MARKER_PREFIX + name)] === true
  );
}

/**
 * Base class of every error raised by hutong.
 *
 * @example
 * ```ts
 * try {
 *   await payments.refund(orderId, { refundId: 'refund0001', amount: 500 });
 * } catch (error) {
 *   if (HutongError.isInstance(error)) console.error(error.code, error.message);
 * }
 * ```
 */
export class HutongError extends Error {
  /** A stable, machine-readable code. */
  readonly code: HutongErrorCode;

  constructor(code: HutongErrorCode, message: string, options: HutongErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = 'HutongError';
    mark(this, 'HutongError');
  }

  /** True for any hutong error, from this copy of the package or another. */
  static isInstance(error: unknown): error is HutongError {
    return hasMark(error, 'HutongError');
  }
}

/** One problem of the input a {@link ValidationError} refuses. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `options.privateKey`. */
  readonly field: string;
  /** What is wrong with it, e.g. `is required`. */
  readonly message: string;
}

/** Options of a {@link ValidationError}. */
export interface ValidationErrorOptions extends HutongErrorOptions {
  /** Every problem found, the error's own first, when a check reports several at once. */
  issues?: readonly ValidationIssue[] | undefined;
}

/**
 * Input that breaks a rule: a float or negative amount, a malformed option, an over-long order id.
 * {@link ValidationError.field} names the offending field (dotted path); where a schema found
 * several problems at once (options missing three fields), {@link ValidationError.issues} lists
 * them all and the message names the others.
 *
 * @example
 * ```ts
 * fenFromYuan('9.999', 'amount'); // throws ValidationError { field: 'amount' }
 * ```
 */
export class ValidationError extends HutongError {
  /** Dotted path of the field that failed validation, e.g. `amount` or `options.privateKey`. */
  readonly field: string;
  /** Every problem found, this error's `field` first: one, unless a schema reported several. */
  readonly issues: readonly ValidationIssue[];

  constructor(field: string, message: string, options: ValidationErrorOptions = {}) {
    const others = (options.issues ?? []).filter((issue) => issue.field !== field || issue.message !== message);
    const more =
      others.length === 0 ? '' : ` (and ${others.map((issue) => `${issue.field}: ${issue.message}`).join('; ')})`;
    super('validation_error', `${field}: ${message}${more}`, options);
    this.name = 'ValidationError';
    this.field = field;
    this.issues = [{ field, message }, ...others];
    mark(this, 'ValidationError');
  }

  /** True for a {@link ValidationError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is ValidationError {
    return hasMark(error, 'ValidationError');
  }
}

/** Why a signed message was refused. */
export type SignatureFailureReason =
  | 'bad_signature'
  | 'missing_signature'
  | 'unknown_key'
  | 'expired_timestamp'
  | 'replayed'
  | 'probe'
  | 'untrusted_certificate'
  | 'malformed'
  | 'decryption_failed'
  | 'wrong_recipient';

/**
 * A response or notification whose signature, certificate, timestamp or encryption did not check out.
 * Such a message changes nothing.
 *
 * @example
 * ```ts
 * if (SignatureVerificationError.isInstance(result.error)) log.warn(result.error.reason);
 * ```
 */
export class SignatureVerificationError extends HutongError {
  /** Which check failed. */
  readonly reason: SignatureFailureReason;
  /** The provider whose message failed verification. */
  readonly provider: string;

  constructor(provider: string, reason: SignatureFailureReason, message: string, options: HutongErrorOptions = {}) {
    super('signature_invalid', `${provider}: ${message}`, options);
    this.name = 'SignatureVerificationError';
    this.provider = provider;
    this.reason = reason;
    mark(this, 'SignatureVerificationError');
  }

  /** True for a {@link SignatureVerificationError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is SignatureVerificationError {
    return hasMark(error, 'SignatureVerificationError');
  }
}

/**
 * The provider-neutral vocabulary for provider API failures. Adapters map every provider error
 * code they know onto one of these; anything else is `unknown`.
 */
export type NormalizedProviderCode =
  | 'not_found'
  | 'already_paid'
  | 'closed'
  | 'insufficient_balance'
  | 'invalid_signature'
  | 'invalid_request'
  | 'permission_denied'
  | 'refund_rejected'
  | 'system_busy'
  | 'rate_limited'
  | 'unknown';

/** Fields of a {@link ProviderApiError}. */
export interface ProviderApiErrorDetails extends HutongErrorOptions {
  /** Provider id, e.g. `alipay`. */
  provider: string;
  /** The provider's own error code (Alipay `sub_code`, WeChat `code`, UnionPay `respCode`). */
  providerCode: string;
  /** The provider's own message, safe to log. */
  providerMessage?: string | undefined;
  /** The provider-neutral code. */
  normalizedCode: NormalizedProviderCode;
  /** Whether repeating the same request later may succeed. Defaults from `normalizedCode`. */
  retryable?: boolean | undefined;
  /** HTTP status, when the provider answered over HTTP. */
  httpStatus?: number | undefined;
  /** The provider's id for the request (WeChat Pay's `Request-ID`), to quote to its support. */
  requestId?: string | undefined;
}

const RETRYABLE_CODES: ReadonlySet<NormalizedProviderCode> = new Set(['system_busy', 'rate_limited']);

/**
 * The provider answered, verifiably, with an error. Whether to retry is decided once, here.
 *
 * @example
 * ```ts
 * if (ProviderApiError.isInstance(e) && e.retryable) await retryLater();
 * ```
 */
export class ProviderApiError extends HutongError {
  /** Provider id. */
  readonly provider: string;
  /** The provider's own code. */
  readonly providerCode: string;
  /** The provider's own message. */
  readonly providerMessage: string | undefined;
  /** The provider-neutral code. */
  readonly normalizedCode: NormalizedProviderCode;
  /** Whether the same request may succeed later. */
  readonly retryable: boolean;
  /** HTTP status of the reply, when there was one. */
  readonly httpStatus: number | undefined;
  /** The provider's id for the request, when it sends one (WeChat Pay's `Request-ID`). */
  readonly requestId: string | undefined;

  constructor(details: ProviderApiErrorDetails) {
    const text = details.providerMessage ? ` (${details.providerMessage})` : '';
    super('provider_error', `${details.provider} error ${details.providerCode}${text}`, details);
    this.name = 'ProviderApiError';
    this.provider = details.provider;
    this.providerCode = details.providerCode;
    this.providerMessage = details.providerMessage;
    this.normalizedCode = details.normalizedCode;
    this.retryable = details.retryable ?? RETRYABLE_CODES.has(details.normalizedCode);
    this.httpStatus = details.httpStatus;
    this.requestId = details.requestId;
    mark(this, 'ProviderApiError');
  }

  /** True for a {@link ProviderApiError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is ProviderApiError {
    return hasMark(error, 'ProviderApiError');
  }
}

/**
 * Why a reply was not used: `malformed` (a field missing or of the wrong form, a status value the
 * adapter does not know, a body that does not parse), `mismatch` (a genuine reply that answers
 * another request: another order, refund, operation, merchant or app) or `too_large` (over the
 * reply size limit).
 */
export type UnexpectedResponseReason = 'malformed' | 'mismatch' | 'too_large';

/**
 * The provider answered (often with a valid signature) but the reply cannot be used: it is
 * malformed, or it answers a different request. The operation's outcome is unknown, exactly as after
 * a network failure: nothing is marked failed, and `sync` settles it later.
 *
 * @example
 * ```ts
 * if (UnexpectedResponseError.isInstance(e)) await payments.sync(orderId); // outcome unknown
 * ```
 */
export class UnexpectedResponseError extends HutongError {
  /** Provider id. */
  readonly provider: string;
  /** Why the reply was not used. */
  readonly reason: UnexpectedResponseReason;
  /** The reply field at fault, as a dotted path (`response.out_trade_no`), when one is. */
  readonly field: string | undefined;
  /** Always true: the outcome is unknown and a query or a retry may settle it. */
  readonly retryable = true;

  constructor(
    provider: string,
    reason: UnexpectedResponseReason,
    message: string,
    options: HutongErrorOptions & { field?: string | undefined } = {},
  ) {
    super(
      'unexpected_response',
      `${provider} reply ${reason === 'mismatch' ? 'answers another request' : 'unusable'}: ${message}`,
      options,
    );
    this.name = 'UnexpectedResponseError';
    this.provider = provider;
    this.reason = reason;
    this.field = options.field;
    mark(this, 'UnexpectedResponseError');
  }

  /** True for an {@link UnexpectedResponseError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is UnexpectedResponseError {
    return hasMark(error, 'UnexpectedResponseError');
  }
}

/**
 * The request may or may not have reached the provider (connection failure, reset, unreadable
 * reply). Always retryable; the outcome of the operation is unknown until queried.
 *
 * @example
 * ```ts
 * if (NetworkError.isInstance(e)) await payments.sync(orderId);
 * ```
 */
export class NetworkError extends HutongError {
  /** Always true: a network failure may succeed on a later attempt. */
  readonly retryable = true;

  constructor(message: string, options: HutongErrorOptions = {}) {
    super('network_error', message, options);
    this.name = 'NetworkError';
    mark(this, 'NetworkError');
  }

  /** True for a {@link NetworkError} (or {@link TimeoutError}) from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is NetworkError {
    return hasMark(error, 'NetworkError');
  }
}

/**
 * The provider did not answer within the configured time. A kind of {@link NetworkError}.
 *
 * @example
 * ```ts
 * createHttpClient({ provider: 'alipay', timeoutMs: 5_000 });
 * ```
 */
export class TimeoutError extends NetworkError {
  /** The limit that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, message: string, options: HutongErrorOptions = {}) {
    super(message, options);
    (this as { code: HutongErrorCode }).code = 'timeout';
    this.name = 'TimeoutError';
    this.timeoutMs = timeoutMs;
    mark(this, 'TimeoutError');
  }

  /** True for a {@link TimeoutError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is TimeoutError {
    return hasMark(error, 'TimeoutError');
  }
}

/**
 * An event or command that the order's current status does not allow, such as refunding an unpaid
 * order or a refund notification for an order not yet paid.
 *
 * @example
 * ```ts
 * // InvalidTransitionError: order o1 cannot take refund.requested in status pending
 * ```
 */
export class InvalidTransitionError extends HutongError {
  /** The order id. */
  readonly orderId: string;
  /** The status the order was in. */
  readonly from: string;
  /** The event or command that was refused. */
  readonly event: string;

  constructor(orderId: string, from: string, event: string) {
    super('invalid_transition', `order ${orderId} cannot take ${event} in status ${from}`);
    this.name = 'InvalidTransitionError';
    this.orderId = orderId;
    this.from = from;
    this.event = event;
    mark(this, 'InvalidTransitionError');
  }

  /** True for an {@link InvalidTransitionError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is InvalidTransitionError {
    return hasMark(error, 'InvalidTransitionError');
  }
}

/**
 * A verified payment whose amount differs from the order's. The order is not marked paid; the
 * anomaly is recorded on the order and emitted as `order.anomaly`.
 *
 * @example
 * ```ts
 * payments.on('order.anomaly', ({ anomaly }) => alertOps(anomaly));
 * ```
 */
export class AmountMismatchError extends HutongError {
  /** The order id. */
  readonly orderId: string;
  /** The amount the order expects, in fen. */
  readonly expected: number;
  /** The amount the provider reported, in fen. */
  readonly actual: number;

  constructor(orderId: string, expected: number, actual: number) {
    super('amount_mismatch', `order ${orderId} expects ${expected} fen but the provider reported ${actual} fen`);
    this.name = 'AmountMismatchError';
    this.orderId = orderId;
    this.expected = expected;
    this.actual = actual;
    mark(this, 'AmountMismatchError');
  }

  /** True for an {@link AmountMismatchError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is AmountMismatchError {
    return hasMark(error, 'AmountMismatchError');
  }
}

/**
 * A refund that would take the refunded total (pending refunds included) above the paid amount.
 *
 * @example
 * ```ts
 * await payments.refund(orderId, { refundId: 'refund0001', amount: 10_000 }); // paid 5_000: RefundExceedsPaidError
 * ```
 */
export class RefundExceedsPaidError extends HutongError {
  /** The order id. */
  readonly orderId: string;
  /** The refund asked for, in fen. */
  readonly requested: number;
  /** What can still be refunded, in fen (paid minus succeeded and pending refunds). */
  readonly refundable: number;

  constructor(orderId: string, requested: number, refundable: number) {
    super(
      'refund_exceeds_paid',
      `order ${orderId}: refund of ${requested} fen exceeds the ${refundable} fen still refundable`,
    );
    this.name = 'RefundExceedsPaidError';
    this.orderId = orderId;
    this.requested = requested;
    this.refundable = refundable;
    mark(this, 'RefundExceedsPaidError');
  }

  /** True for a {@link RefundExceedsPaidError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is RefundExceedsPaidError {
    return hasMark(error, 'RefundExceedsPaidError');
  }
}

/**
 * A store write lost a race: the order changed since it was read. The facade retries these itself;
 * one escaping means the order was contended beyond the retry budget.
 *
 * @example
 * ```ts
 * if (ConflictError.isInstance(e) && e.code === 'version_conflict') retry();
 * ```
 */
export class ConflictError extends HutongError {
  /** The order id. */
  readonly orderId: string;

  /**
   * @param orderId - the order's id, or the transfer's for `duplicate_transfer` (and a transfer's
   *   `version_conflict`).
   */
  constructor(
    code: 'version_conflict' | 'duplicate_order' | 'duplicate_split' | 'duplicate_transfer',
    orderId: string,
    message: string,
  ) {
    super(code, message);
    this.name = 'ConflictError';
    this.orderId = orderId;
    mark(this, 'ConflictError');
  }

  /** True for a {@link ConflictError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is ConflictError {
    return hasMark(error, 'ConflictError');
  }
}

/**
 * No order with that id exists in the store.
 *
 * @example
 * ```ts
 * await payments.getOrder('nope'); // throws OrderNotFoundError
 * ```
 */
export class OrderNotFoundError extends HutongError {
  /** The order id that was looked up. */
  readonly orderId: string;

  constructor(orderId: string) {
    super('order_not_found', `order ${orderId} does not exist`);
    this.name = 'OrderNotFoundError';
    this.orderId = orderId;
    mark(this, 'OrderNotFoundError');
  }

  /** True for an {@link OrderNotFoundError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is OrderNotFoundError {
    return hasMark(error, 'OrderNotFoundError');
  }
}

/**
 * The provider does not offer this operation or payment method (see its `capabilities`).
 *
 * @example
 * ```ts
 * await payments.createPayment({ provider: 'unionpay', method: 'jsapi', ... }); // UnsupportedOperationError
 * ```
 */
export class UnsupportedOperationError extends HutongError {
  /** Provider id. */
  readonly provider: string;
  /** The operation or method asked for. */
  readonly operation: string;

  constructor(provider: string, operation: string) {
    super('unsupported_operation', `${provider} does not support ${operation}`);
    this.name = 'UnsupportedOperationError';
    this.provider = provider;
    this.operation = operation;
    mark(this, 'UnsupportedOperationError');
  }

  /** True for an {@link UnsupportedOperationError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is UnsupportedOperationError {
    return hasMark(error, 'UnsupportedOperationError');
  }
}

const STORE_RETRYABLE: Readonly<Record<StoreErrorCode, boolean>> = {
  store_unavailable: true,
  store_timeout: true,
  store_conflict: true,
  store_error: false,
};

/**
 * A failure of the database behind an order store (`@hutong/store-sql` throws it, any store may),
 * never the driver's own error. `code` is one of {@link StoreErrorCode}; `retryable` says whether
 * the same call may succeed later; `cause` keeps the driver's error for debugging (never shown to
 * buyers). The payments facade answers a notification that met one with a 5xx, so the wallet
 * delivers it again.
 *
 * @example
 * ```ts
 * try {
 *   await payments.refund(orderId, { refundId: 'refund0001', amount: 500 });
 * } catch (error) {
 *   if (StoreError.isInstance(error) && error.retryable) retryLater();
 * }
 * ```
 */
export class StoreError extends HutongError {
  /** Whether the same call may succeed on a later attempt (every code but `store_error`). */
  readonly retryable: boolean;
  /** The store's stable code (the same as `code`, typed narrowly). */
  readonly storeCode: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: HutongErrorOptions = {}) {
    super(code, message, options);
    this.name = 'StoreError';
    this.storeCode = code;
    this.retryable = STORE_RETRYABLE[code];
    mark(this, 'StoreError');
  }

  /** True for a {@link StoreError} from any copy of `@hutong/core` (or of `@hutong/store-sql` 0.x). */
  static override isInstance(error: unknown): error is StoreError {
    return hasMark(error, 'StoreError');
  }
}

/**
 * A merchant (platform mode) that cannot be acted for: unknown, suspended or not onboarded at the
 * provider, a provider without platform mode, or a message bound to another merchant than its
 * order's. Thrown before anything is stored or sent. Its message names the merchant key and the
 * provider, never a credential.
 *
 * @example
 * ```ts
 * try {
 *   await payments.createPayment({ provider: 'wechatpay', method: 'qr', amount: 100, subject: 'Tea', merchant: 'shop-42' });
 * } catch (error) {
 *   if (MerchantError.isInstance(error) && error.code === 'merchant_disabled') showSuspendedNotice();
 * }
 * ```
 */
export class MerchantError extends HutongError {
  /** The stable code (the same as `code`, typed narrowly). */
  readonly merchantCode: MerchantErrorCode;
  /** The merchant key involved, when there is one (`undefined` for an order of the provider's own). */
  readonly merchant: string | undefined;
  /** The provider id. */
  readonly provider: string;

  constructor(code: MerchantErrorCode, merchant: string | undefined, provider: string, message: string) {
    super(code, message);
    this.name = 'MerchantError';
    this.merchantCode = code;
    this.merchant = merchant;
    this.provider = provider;
    mark(this, 'MerchantError');
  }

  /** True for a {@link MerchantError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is MerchantError {
    return hasMark(error, 'MerchantError');
  }
}

/**
 * A split, or a split return, for more than is left: what is split (pending and succeeded
 * receivers, less what came back) plus what is refunded (pending refunds included) never exceeds
 * what was paid, and a receiver returns at most what it received.
 *
 * @example
 * ```ts
 * await payments.split(orderId, { splitId: 'split0001', receivers: [{ type: 'merchant', account, amount: 99_999, description: '佣金' }] });
 * // SplitExceedsAvailableError: order o1: split of 99999 fen exceeds the 1999 fen available
 * ```
 */
export class SplitExceedsAvailableError extends HutongError {
  /** The order id. */
  readonly orderId: string;
  /** What was asked for, in fen. */
  readonly requested: number;
  /** What is available, in fen. */
  readonly available: number;

  constructor(orderId: string, requested: number, available: number, what = 'split') {
    super(
      'split_exceeds_available',
      `order ${orderId}: ${what} of ${requested} fen exceeds the ${available} fen available`,
    );
    this.name = 'SplitExceedsAvailableError';
    this.orderId = orderId;
    this.requested = requested;
    this.available = available;
    mark(this, 'SplitExceedsAvailableError');
  }

  /** True for a {@link SplitExceedsAvailableError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is SplitExceedsAvailableError {
    return hasMark(error, 'SplitExceedsAvailableError');
  }
}

/**
 * A refund that fits in what was paid but would take money already split to receivers. hutong
 * refunds a split order only from what the merchant still holds, on every wallet: WeChat Pay
 * requires the splits returned first (分账回退); Alipay could take it back from the receivers
 * (`refund_royalty_parameters`), which hutong does not send. Return the splits
 * (`payments.returnSplit`), then refund.
 *
 * @example
 * ```ts
 * try { await payments.refund(orderId, { refundId, amount }); }
 * catch (e) { if (RefundExceedsUnsplitError.isInstance(e)) await returnSplitsFirst(e.split); }
 * ```
 */
export class RefundExceedsUnsplitError extends HutongError {
  /** The order id. */
  readonly orderId: string;
  /** The refund asked for, in fen. */
  readonly requested: number;
  /** What can be refunded now, in fen (paid, less refunds and what is split). */
  readonly refundable: number;
  /** What is split to receivers and not returned, in fen. */
  readonly split: number;

  constructor(orderId: string, requested: number, refundable: number, split: number) {
    super(
      'refund_exceeds_unsplit',
      `order ${orderId}: refund of ${requested} fen exceeds the ${refundable} fen not split (${split} fen is split: return it first)`,
    );
    this.name = 'RefundExceedsUnsplitError';
    this.orderId = orderId;
    this.requested = requested;
    this.refundable = refundable;
    this.split = split;
    mark(this, 'RefundExceedsUnsplitError');
  }

  /** True for a {@link RefundExceedsUnsplitError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is RefundExceedsUnsplitError {
    return hasMark(error, 'RefundExceedsUnsplitError');
  }
}

/**
 * No split with that id on the order, or no transfer with that id in the store.
 *
 * @example
 * ```ts
 * await payments.getTransfer('nope0000'); // MovementNotFoundError { code: 'transfer_not_found' }
 * ```
 */
export class MovementNotFoundError extends HutongError {
  /** The split's or the transfer's id. */
  readonly id: string;
  /** The order of a split; `null` for a transfer. */
  readonly orderId: string | null;

  constructor(kind: 'split' | 'transfer', id: string, orderId: string | null = null) {
    super(
      kind === 'split' ? 'split_not_found' : 'transfer_not_found',
      kind === 'transfer'
        ? `transfer ${id} does not exist`
        : orderId === null
          ? `no order has split ${id}`
          : `order ${orderId} has no split ${id}`,
    );
    this.name = 'MovementNotFoundError';
    this.id = id;
    this.orderId = orderId;
    mark(this, 'MovementNotFoundError');
  }

  /** True for a {@link MovementNotFoundError} from any copy of `@hutong/core`. */
  static override isInstance(error: unknown): error is MovementNotFoundError {
    return hasMark(error, 'MovementNotFoundError');
  }
}
