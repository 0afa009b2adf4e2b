/**
 * A complete provider that keeps its "gateway" in memory: the reference implementation of the
 * provider spec for adapter authors, and the provider of the core's own tests and demo.
 *
 * Its wire protocol is small but strict, like a real wallet's: notifications are JSON signed with
 * HMAC-SHA256 over `timestamp.body`, checked in constant time inside a 300-second window, and
 * its statuses map exhaustively onto core events.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { NotificationInput, NotificationRequest, PaymentEvent, WebhookResponse } from '@hutong/core';
import {
  generateId,
  PAYMENT_METHODS,
  ProviderApiError,
  SignatureVerificationError,
  ValidationError,
} from '@hutong/core';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  MerchantAccount,
  NotificationOutcome,
  PaymentProvider,
  PaymentStatusEvent,
  ProviderCapabilities,
  RefundStatusEvent,
  VerifiedNotification,
} from '@hutong/core/provider-utils';
import {
  FAKE_SIGNATURE_HEADER,
  FAKE_TIMESTAMP_HEADER,
  isFakeSignatureValid,
  signFakeMessage,
} from './fake-signature.js';

/** The fake gateway's payment statuses. */
export type FakePaymentStatus = 'WAITING' | 'PAID' | 'CLOSED' | 'REFUSED';
/** The fake gateway's refund statuses. */
export type FakeRefundStatus = 'PROCESSING' | 'DONE' | 'REJECTED';

/** Exhaustive map of fake payment statuses to core event types. */
export const FAKE_PAYMENT_STATUS_MAP = {
  WAITING: 'payment.pending',
  PAID: 'payment.succeeded',
  CLOSED: 'payment.closed',
  REFUSED: 'payment.failed',
} as const satisfies Record<FakePaymentStatus, PaymentStatusEvent['type']>;

/** Exhaustive map of fake refund statuses to core event types. */
export const FAKE_REFUND_STATUS_MAP = {
  PROCESSING: 'refund.pending',
  DONE: 'refund.succeeded',
  REJECTED: 'refund.failed',
} as const satisfies Record<FakeRefundStatus, RefundStatusEvent['type']>;

/** A payment as the fake gateway keeps it. */
export interface FakePayment {
  orderId: string;
  amount: number;
  status: FakePaymentStatus;
  transactionId: string | null;
  notifyUrl: string | null;
  refunds: Map<string, { amount: number; status: FakeRefundStatus; providerRefundId: string }>;
  /** Platform mode: the sub-merchant account the payment was made for, or `null` for the provider's own. */
  account: string | null;
}

/** The operations whose next call can be made to fail. */
export type FakeOperation =
  | 'createPayment'
  | 'resumePayment'
  | 'queryPayment'
  | 'closePayment'
  | 'refund'
  | 'queryRefund';

/** Options of {@link createFakeProvider}. */
export interface FakeProviderOptions {
  /** Provider id. Default `fake`. */
  id?: string | undefined;
  /** The wallet it stands for (`alipay`, ...), for tests of wallet routing. Default `fake`. */
  wallet?: string | undefined;
  /** HMAC secret of notifications. Default: random per provider. */
  secret?: string | undefined;
  /** The clock used to check notification timestamps. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** Allowed clock difference of notifications, in seconds. Default 300. */
  toleranceSeconds?: number | undefined;
  /** Settle refunds at once (Alipay style) instead of `PROCESSING` then a notification. Default false. */
  instantRefunds?: boolean | undefined;
  /**
   * `pos` payments wait for the buyer to confirm in their wallet (enter a password) instead of
   * settling at once: they start pending, and `sandbox.pay` completes them. Default false.
   */
  posConfirmation?: boolean | undefined;
  /**
   * Platform mode: the provider acts for sub-merchants (`capabilities.merchants`), like a WeChat Pay
   * partner or an Alipay ISV. The gateway records each payment's `merchant.accountId`, signs it into
   * notifications as `account` (returned as `VerifiedNotification.account`), and answers a call
   * naming another sub-merchant than the payment's as a payment it does not know. Default false.
   */
  merchants?: boolean | undefined;
}

/** Test controls of the fake gateway: act as the buyer, the provider and the network. */
export interface FakeSandbox {
  /** The buyer pays; returns the signed notification the gateway would post. */
  pay(
    orderId: string,
    options?: {
      amount?: number | undefined;
      transactionId?: string | undefined;
      /**
       * The sub-merchant signed into the notification, instead of the payment's own (`null`: none):
       * what the wallet sends when another sub-merchant paid a trade of the same order id.
       */
      account?: string | null | undefined;
    },
  ): NotificationInput;
  /** The payment expires unpaid; returns the signed notification. */
  expire(orderId: string): NotificationInput;
  /** Settles a pending refund; returns the signed notification. */
  settleRefund(orderId: string, refundId: string, options?: { fail?: boolean | undefined }): NotificationInput;
  /** Signs any body, for tests that forge or replay notifications. */
  notification(body: string, options?: { timestamp?: number | undefined }): NotificationInput;
  /** Makes the next call of `operation` throw `error`. */
  failNext(operation: FakeOperation, error: Error): void;
  /** The gateway's record of a payment. */
  payment(orderId: string): FakePayment | undefined;
  /** How many calls each operation received. */
  readonly calls: Readonly<Record<FakeOperation, number>>;
}

/** A fake provider and its sandbox controls. */
export interface FakeProvider<Id extends string = 'fake'> extends PaymentProvider<Id> {
  readonly sandbox: FakeSandbox;
}

const DIRECT_CAPABILITIES: ProviderCapabilities = {
  methods: PAYMENT_METHODS,
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: true,
};

const PLATFORM_CAPABILITIES: ProviderCapabilities = { ...DIRECT_CAPABILITIES, merchants: true };

interface FakeNotificationBody {
  id: string;
  type: PaymentEvent['type'];
  order_id: string;
  amount?: number | undefined;
  transaction_id?: string | undefined;
  refund_id?: string | undefined;
  provider_refund_id?: string | undefined;
  /** Platform mode: the sub-merchant the message is about. */
  account?: string | undefined;
}

const NOTIFICATION_TYPES: ReadonlySet<string> = new Set([
  'payment.pending',
  'payment.succeeded',
  'payment.closed',
  'payment.failed',
  'refund.pending',
  'refund.succeeded',
  'refund.failed',
]);

function field<T>(value: T | undefined, name: string, check: (v: unknown) => boolean): T {
  if (value === undefined || !check(value))
    throw new ValidationError(`notification.${name}`, 'is missing or malformed');
  return value;
}

const isString = (v: unknown) => typeof v === 'string' && v.length > 0;
const isAmount = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;

/** Parses a verified fake notification body; unknown types are errors. */
function parseFakeNotification(text: string): { body: FakeNotificationBody; event: PaymentEvent } {
  let body: FakeNotificationBody;
  try {
    body = JSON.parse(text) as FakeNotificationBody;
  } catch (cause) {
    throw new ValidationError('notification.body', 'is not JSON', { cause });
  }
  if (body.account !== undefined) field(body.account, 'account', isString);
  return { body, event: fakeEvent(body) };
}

/** The core event of a parsed fake notification body. */
function fakeEvent(body: FakeNotificationBody): PaymentEvent {
  const type = field(body.type, 'type', (v) => NOTIFICATION_TYPES.has(v as string));
  const orderId = field(body.order_id, 'order_id', isString);
  switch (type) {
    case 'payment.succeeded':
      return {
        type,
        orderId,
        amount: field(body.amount, 'amount', isAmount),
        providerTransactionId: field(body.transaction_id, 'transaction_id', isString),
      };
    case 'payment.pending':
    case 'payment.closed':
    case 'payment.failed':
      return { type, orderId };
    case 'refund.pending':
    case 'refund.succeeded':
      return {
        type,
        orderId,
        refundId: field(body.refund_id, 'refund_id', isString),
        amount: field(body.amount, 'amount', isAmount),
        providerRefundId: field(body.provider_refund_id, 'provider_refund_id', isString),
      };
    case 'refund.failed':
      return { type, orderId, refundId: field(body.refund_id, 'refund_id', isString) };
  }
}

function providerError(code: string, normalizedCode: ProviderApiError['normalizedCode'], id: string): ProviderApiError {
  return new ProviderApiError({ provider: id, providerCode: code, normalizedCode });
}

/** The status event of a fake payment. */
function fakePaymentEvent(payment: FakePayment): PaymentStatusEvent {
  const type = FAKE_PAYMENT_STATUS_MAP[payment.status];
  if (type === 'payment.succeeded') {
    return {
      type,
      orderId: payment.orderId,
      amount: payment.amount,
      providerTransactionId: payment.transactionId as string,
    };
  }
  return { type, orderId: payment.orderId };
}

/** The next action of a fake payment, per method (a `pos` payment is paid at once, or pending). */
function fakeAction(
  request: CreatePaymentRequest,
  payment: FakePayment,
  posConfirmation: boolean | undefined,
): CreatePaymentResult {
  const url = `https://fake.hutong.invalid/pay/${request.orderId}`;
  switch (request.method) {
    case 'qr':
      return { action: { type: 'qr', content: url } };
    case 'page':
      return {
        action: {
          type: 'form',
          method: 'POST',
          url,
          fields: { order: request.orderId, amount: String(request.amount) },
        },
      };
    case 'h5':
      return { action: { type: 'redirect', url } };
    case 'jsapi':
      return {
        action: { type: 'jsapi', params: { orderId: request.orderId, buyerId: request.buyerId ?? '' } },
      };
    case 'app':
      return { action: { type: 'app', payload: `order=${request.orderId}` } };
    case 'pos':
      if (posConfirmation) {
        return { action: { type: 'none' }, status: { type: 'payment.pending', orderId: request.orderId } };
      }
      payment.status = 'PAID';
      payment.transactionId = `txn${generateId()}`;
      return { action: { type: 'none' }, status: fakePaymentEvent(payment) };
  }
}

/** Verifies a fake notification: signature headers, the time window, the HMAC, then the body. */
function verifyFakeNotification(
  request: NotificationRequest,
  keys: { id: string; secret: string; now: () => Date; tolerance: number },
): VerifiedNotification {
  const { id, secret, now, tolerance } = keys;
  const timestampText = request.headers[FAKE_TIMESTAMP_HEADER];
  const signature = request.headers[FAKE_SIGNATURE_HEADER];
  if (!timestampText || !signature)
    throw new SignatureVerificationError(id, 'missing_signature', 'signature headers are missing');
  const timestamp = Number(timestampText);
  if (!Number.isSafeInteger(timestamp))
    throw new SignatureVerificationError(id, 'malformed', 'timestamp is not a number');
  if (Math.abs(now().getTime() / 1000 - timestamp) >= tolerance) {
    throw new SignatureVerificationError(
      id,
      'expired_timestamp',
      `timestamp is outside the ${tolerance}-second window`,
    );
  }
  if (!isFakeSignatureValid(secret, timestamp, request.body, signature)) {
    throw new SignatureVerificationError(id, 'bad_signature', 'signature does not match the body');
  }
  const { body, event } = parseFakeNotification(request.body);
  return {
    event,
    notificationId: body.id,
    ...(body.account === undefined ? {} : { account: body.account }),
  };
}

/** The fake wallet's answer to a notification: `ok`, or 400 with the refusal's code. */
function fakeAcknowledgement(outcome: NotificationOutcome): WebhookResponse {
  if (outcome.accepted) return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  const code = (outcome.error as { code?: unknown })?.code;
  return {
    status: 400,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: typeof code === 'string' ? code : 'rejected' }),
  };
}

/** What the fake sandbox shares with its provider: the payments and the means to sign notifications. */
interface FakeLedger {
  id: string;
  payments: Map<string, FakePayment>;
  failures: Map<FakeOperation, Error>;
  calls: Record<FakeOperation, number>;
  find(orderId: string): FakePayment;
  notify(body: Omit<FakeNotificationBody, 'id'>, account?: string | null): NotificationInput;
  signed(body: string, timestamp?: number): NotificationInput;
}

/** The buyer's and the wallet's side of a fake provider. */
function createFakeSandbox({ id, payments, failures, calls, find, notify, signed }: FakeLedger): FakeSandbox {
  return {
    pay(orderId, payOptions = {}) {
      const payment = find(orderId);
      payment.status = 'PAID';
      payment.transactionId ??= payOptions.transactionId ?? `txn${generateId()}`;
      const amount = payOptions.amount ?? payment.amount;
      const account = payOptions.account === undefined ? payment.account : payOptions.account;
      return notify(
        { type: 'payment.succeeded', order_id: orderId, amount, transaction_id: payment.transactionId },
        account,
      );
    },
    expire(orderId) {
      const payment = find(orderId);
      if (payment.status === 'WAITING') payment.status = 'CLOSED';
      return notify({ type: 'payment.closed', order_id: orderId }, payment.account);
    },
    settleRefund(orderId, refundId, settle = {}) {
      const { account } = find(orderId);
      const refund = find(orderId).refunds.get(refundId);
      if (!refund) throw providerError('NO_SUCH_REFUND', 'not_found', id);
      refund.status = settle.fail ? 'REJECTED' : 'DONE';
      return settle.fail
        ? notify({ type: 'refund.failed', order_id: orderId, refund_id: refundId }, account)
        : notify(
            {
              type: 'refund.succeeded',
              order_id: orderId,
              refund_id: refundId,
              amount: refund.amount,
              provider_refund_id: refund.providerRefundId,
            },
            account,
          );
    },
    notification: (body, notificationOptions = {}) => signed(body, notificationOptions.timestamp),
    failNext(operation, error) {
      failures.set(operation, error);
    },
    payment: (orderId) => payments.get(orderId),
    calls,
  };
}

/**
 * Creates a fake provider with an in-memory gateway.
 *
 * @example
 * ```ts
 * const fake = createFakeProvider();
 * const payments = createPayments({ providers: [fake] });
 * const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
 * const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
 * result.order?.status; // 'paid'
 * ```
 */
export function createFakeProvider<const Id extends string = 'fake'>(
  options: FakeProviderOptions & { id?: Id | undefined } = {},
): FakeProvider<Id> {
  const id = (options.id ?? 'fake') as Id;
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const now = options.now ?? (() => new Date());
  const tolerance = options.toleranceSeconds ?? 300;
  const payments = new Map<string, FakePayment>();
  const failures = new Map<FakeOperation, Error>();
  const calls: Record<FakeOperation, number> = {
    createPayment: 0,
    resumePayment: 0,
    queryPayment: 0,
    closePayment: 0,
    refund: 0,
    queryRefund: 0,
  };

  function enter(operation: FakeOperation): void {
    calls[operation]++;
    const failure = failures.get(operation);
    if (failure) {
      failures.delete(operation);
      throw failure;
    }
  }

  function find(orderId: string): FakePayment {
    const payment = payments.get(orderId);
    if (!payment) throw providerError('NO_SUCH_PAYMENT', 'not_found', id);
    return payment;
  }

  /** A call's payment, only for the sub-merchant it was made for: another's is not found. */
  function findFor(reference: { orderId: string; merchant?: MerchantAccount | null | undefined }): FakePayment {
    const payment = find(reference.orderId);
    if (payment.account !== (reference.merchant?.accountId ?? null)) {
      throw providerError('NO_SUCH_PAYMENT', 'not_found', id);
    }
    return payment;
  }

  function signed(body: string, timestamp = Math.floor(now().getTime() / 1000)): NotificationInput {
    return {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [FAKE_TIMESTAMP_HEADER]: String(timestamp),
        [FAKE_SIGNATURE_HEADER]: signFakeMessage(secret, timestamp, body),
      },
      body,
    };
  }

  function notify(body: Omit<FakeNotificationBody, 'id'>, account: string | null = null): NotificationInput {
    return signed(JSON.stringify({ id: `evt${generateId()}`, ...body, ...(account === null ? {} : { account }) }));
  }

  function refundEvent(orderId: string, refundId: string): RefundStatusEvent {
    const refund = find(orderId).refunds.get(refundId);
    if (!refund) throw providerError('NO_SUCH_REFUND', 'not_found', id);
    const type = FAKE_REFUND_STATUS_MAP[refund.status];
    if (type === 'refund.failed') return { type, orderId, refundId };
    return { type, orderId, refundId, amount: refund.amount, providerRefundId: refund.providerRefundId };
  }

  const sandbox = createFakeSandbox({ id, payments, failures, calls, find, notify, signed });

  return {
    specificationVersion: 'v1',
    id,
    wallet: options.wallet ?? 'fake',
    capabilities: options.merchants ? PLATFORM_CAPABILITIES : DIRECT_CAPABILITIES,
    sandbox,

    validatePayment(request) {
      if (request.merchant && !options.merchants) throw new ValidationError('merchant', 'is for platform mode only');
      if (request.method === 'jsapi' && !request.buyerId) {
        throw new ValidationError('buyerId', 'is required for jsapi payments');
      }
    },

    async createPayment(request): Promise<CreatePaymentResult> {
      enter('createPayment');
      if (payments.has(request.orderId)) throw providerError('DUPLICATE_ORDER', 'invalid_request', id);
      const payment: FakePayment = {
        orderId: request.orderId,
        amount: request.amount,
        status: 'WAITING',
        transactionId: null,
        notifyUrl: request.notifyUrl,
        refunds: new Map(),
        account: request.merchant?.accountId ?? null,
      };
      payments.set(request.orderId, payment);
      return fakeAction(request, payment, options.posConfirmation);
    },

    async resumePayment(request): Promise<CreatePaymentResult> {
      enter('resumePayment');
      const payment = findFor(request);
      if (payment.status === 'PAID') throw providerError('ALREADY_PAID', 'already_paid', id);
      if (payment.status === 'CLOSED') throw providerError('CLOSED', 'closed', id);
      return fakeAction(request, payment, options.posConfirmation);
    },

    async queryPayment(reference) {
      enter('queryPayment');
      return fakePaymentEvent(findFor(reference));
    },

    async closePayment(reference) {
      enter('closePayment');
      const payment = findFor(reference);
      if (payment.status === 'PAID') throw providerError('ALREADY_PAID', 'already_paid', id);
      payment.status = 'CLOSED';
    },

    async refund(request) {
      const { orderId, refundId, amount } = request;
      enter('refund');
      const payment = findFor(request);
      if (payment.status !== 'PAID') throw providerError('NOT_PAID', 'refund_rejected', id);
      const existing = payment.refunds.get(refundId);
      if (!existing) {
        let committed = 0;
        for (const r of payment.refunds.values()) if (r.status !== 'REJECTED') committed += r.amount;
        if (committed + amount > payment.amount) throw providerError('REFUND_TOO_LARGE', 'refund_rejected', id);
        payment.refunds.set(refundId, {
          amount,
          status: options.instantRefunds ? 'DONE' : 'PROCESSING',
          providerRefundId: `rf${generateId()}`,
        });
      }
      return refundEvent(orderId, refundId);
    },

    async queryRefund(reference) {
      enter('queryRefund');
      findFor(reference);
      return refundEvent(reference.orderId, reference.refundId);
    },

    async verifyNotification(request: NotificationRequest) {
      return verifyFakeNotification(request, { id, secret, now, tolerance });
    },

    acknowledgeNotification: fakeAcknowledgement,
  };
}
