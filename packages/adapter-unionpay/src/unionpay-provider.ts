/**
 * `unionpay(options)`: the UnionPay online gateway (ACP 5.1.0) and UnionPay QR as a hutong provider.
 *
 * Method mapping: `page` → consume 01/01/000201 channel 07 via `frontTransReq.do` (a form); `h5` →
 * the same, channel 08; `app` → `appTransReq.do` (the `tn`); `qr` → merchant-presented QR
 * 01/07/000000 (`qrCode`); `pos` → buyer-presented QR 01/06/000000 (`qrNo`). Refunds are 04/00 by
 * `origQryId`; `undoPayment` is the same-day consume undo 31/00. UnionPay has no close operation:
 * see {@link UnionpayProvider}.
 *
 * @packageDocumentation
 */
import {
  type AppAction,
  assertPortableId,
  type FormAction,
  type NotificationInput,
  type Order,
  type PosAction,
  ProviderApiError,
  type QrAction,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import {
  type CreatePaymentRequest,
  type CreatePaymentResult,
  type MerchantAccount,
  type PaymentProvider,
  type PaymentStatusEvent,
  type ProviderCapabilities,
  type ProviderTypes,
  parseWithSchema,
  type RefundStatusEvent,
  type ResumePaymentRequest,
  z,
} from '@hutong/core/provider-utils';
import { unionpayAccessFields } from './unionpay-access.js';
import { createUnionpayClient, type UnionpayContext, type UnionpayTransactionKind } from './unionpay-client.js';
import { unionpayAcknowledgement, verifyUnionpayNotification } from './unionpay-notification.js';
import { resolveUnionpayOptions, type UnionpayConfig, type UnionpayOptions } from './unionpay-options.js';
import { readUnionpayQrCode, readUnionpayQuery, readUnionpayQueryId, readUnionpayTn } from './unionpay-replies.js';
import { unionpayStatement } from './unionpay-statements.js';
import { type UnionpayTransactionState, unionpayPaymentEvent, unionpayRefundEvent } from './unionpay-status.js';
import { formatUnionpayTime } from './unionpay-time.js';

/**
 * The action of each method: `page` and `h5` a form the buyer's browser posts to UnionPay, `app` the
 * `tn` for the UnionPay app SDK, `qr` the code to show, `pos` the payment's status.
 *
 * @group Types
 */
export interface UnionpayActions {
  page: FormAction;
  h5: FormAction;
  app: AppAction<string>;
  qr: QrAction;
  pos: PosAction;
}

/**
 * `providerOptions` of a UnionPay payment: UnionPay takes none today, so any key is refused (at
 * compile time and, with a `ValidationError` naming it, at run time).
 *
 * @group Types
 */
export type UnionpayPaymentOptions = Readonly<Record<string, never>>;

/**
 * What the buyer's browser brought back to `frontUrl`, verified: for the result page only. The
 * notification to `backUrl` (or `payments.sync`) is what marks an order paid.
 *
 * @group Types
 */
export interface UnionpayFrontReturn {
  /** The payment's state as the return reports it. */
  event: PaymentStatusEvent;
}

/**
 * The UnionPay provider: the spec plus UnionPay-only operations.
 *
 * `closePayment`: UnionPay cannot close an unpaid order. hutong queries it: a paid one is reported
 * (`already_paid`) and recorded; an unpaid one is closed locally and expires at UnionPay by its
 * `payTimeout` (set from `expiresAt`). A payment that still arrives is recorded as paid, with a
 * `paid_after_closed` anomaly.
 *
 * `resumePayment`: offers the same UnionPay transaction again (same `orderId` and `txnTime`), never
 * a new one; see `docs/unionpay.md`.
 *
 * @group Provider
 * @example
 * ```ts
 * const { event } = await provider.verifyFrontReturn({ headers: req.headers, body: rawBody });
 * ```
 */
export interface UnionpayProvider<Id extends string = 'unionpay'>
  extends PaymentProvider<Id, ProviderTypes<UnionpayPaymentOptions, UnionpayActions>> {
  readonly wallet: 'unionpay';
  validatePayment(request: CreatePaymentRequest): void;
  resumePayment: NonNullable<PaymentProvider['resumePayment']>;
  queryPayment: NonNullable<PaymentProvider['queryPayment']>;
  closePayment: NonNullable<PaymentProvider['closePayment']>;
  refund: NonNullable<PaymentProvider['refund']>;
  queryRefund: NonNullable<PaymentProvider['queryRefund']>;
  /**
   * Consume undo (消费撤销, 31/00): reverses a payment in full on the day it was made; settles by
   * notification like a refund. `undoId` names it (8 to 32 letters and digits).
   */
  undoPayment(request: {
    order: Order;
    undoId: string;
    merchant?: MerchantAccount | null | undefined;
  }): Promise<RefundStatusEvent>;
  /**
   * Downloads the day's statement (file transfer 76/01, `fileType` 00) and yields its transaction
   * records (the INN…ZM file) as they are parsed; see `parseUnionpayStatement` for the lines. For a
   * sub-merchant (`request.merchant`), only the lines of its `subMerId` (platform) or `merId`
   * (acquirer) are yielded.
   */
  statement: NonNullable<PaymentProvider['statement']>;
  /**
   * Verifies the buyer's return to `frontUrl` (same format and checks as a notification) for the
   * result page. The buyer's own browser posts it: never mark an order paid from it alone.
   *
   * @example
   * ```ts
   * const { event } = await provider.verifyFrontReturn({ headers: req.headers, body: rawBody });
   * if (event.type === 'payment.succeeded') showThanks(event.orderId);
   * ```
   */
  verifyFrontReturn(input: NotificationInput): Promise<UnionpayFrontReturn>;
}

const CAPABILITIES = {
  methods: ['page', 'h5', 'app', 'qr', 'pos'],
  query: true,
  close: true,
  refund: true,
  partialRefund: true,
  multipleRefunds: true,
  refundQuery: true,
  refundNotifications: true,
  resume: true,
  statements: true,
} as const satisfies ProviderCapabilities;

/** UnionPay order ids: 8 to 40 letters and digits. */
function assertUnionpayOrderId(id: string, field: string): void {
  if (!/^[0-9A-Za-z]{8,40}$/.test(id))
    throw new ValidationError(field, 'must be 8 to 40 letters and digits for UnionPay');
}

const GATEWAY_BIZ = '000201';
const QR_BIZ = '000000';
const paymentOptionsSchema = z.strictObject({});

/** The consume's txnSubType per method. */
const CONSUME_SUBTYPE = { page: '01', h5: '01', app: '01', qr: '07', pos: '06' } as const;
const REVERSALS: readonly UnionpayTransactionKind[] = [
  { txnType: '04', txnSubType: '00' },
  { txnType: '31', txnSubType: '00' },
];

/** Keys of `order.providerData` this adapter writes. */
const DATA = { txnTime: 'txnTime', tn: 'tn', qrCode: 'qrCode' } as const;

function validatePayment(config: UnionpayConfig, request: CreatePaymentRequest): void {
  if (!(CAPABILITIES.methods as readonly string[]).includes(request.method))
    throw new ValidationError('method', `${request.method} is not offered by UnionPay`);
  assertUnionpayOrderId(request.orderId, 'orderId');
  if (!request.notifyUrl || !/^https?:\/\//i.test(request.notifyUrl))
    throw new ValidationError('notifyUrl', 'is required by UnionPay (backUrl, an http(s) URL)');
  if ((request.method === 'page' || request.method === 'h5') && !request.returnUrl)
    throw new ValidationError('returnUrl', 'is required by UnionPay for page and h5 (frontUrl)');
  if (request.method === 'pos' && !request.authCode)
    throw new ValidationError('authCode', 'is required for pos payments (qrNo)');
  if (request.currency !== 'CNY') throw new ValidationError('currency', 'must be CNY (currencyCode 156)');
  parseWithSchema(paymentOptionsSchema, request.providerOptions, 'providerOptions');
  // The sub-merchant's fields, checked before anything is stored.
  unionpayAccessFields(config, request.merchant, 'consume');
}

/** The consume's txnTime: recorded at creation, else the order's creation time in China time. */
const txnTimeOf = (order: Order) => order.providerData[DATA.txnTime] ?? formatUnionpayTime(new Date(order.createdAt));

function consumeFields(
  config: UnionpayConfig,
  request: CreatePaymentRequest,
  txnTime: string,
): Record<string, string | undefined> {
  const method = request.method as keyof typeof CONSUME_SUBTYPE;
  const qr = method === 'qr' || method === 'pos';
  return {
    ...unionpayAccessFields(config, request.merchant, 'consume'),
    txnType: '01',
    txnSubType: CONSUME_SUBTYPE[method],
    bizType: qr ? QR_BIZ : GATEWAY_BIZ,
    channelType: method === 'page' ? '07' : '08',
    orderId: request.orderId,
    txnTime,
    txnAmt: String(request.amount),
    currencyCode: '156',
    backUrl: request.notifyUrl ?? undefined,
    frontUrl: method === 'page' || method === 'h5' ? (request.returnUrl ?? undefined) : undefined,
    qrNo: method === 'pos' ? (request.authCode ?? undefined) : undefined,
    payTimeout: request.expiresAt ? formatUnionpayTime(request.expiresAt) : undefined,
  };
}

async function createPayment(context: UnionpayContext, request: CreatePaymentRequest): Promise<CreatePaymentResult> {
  const { id, client, config } = context;
  validatePayment(config, request);
  const txnTime = formatUnionpayTime(request.createdAt);
  const fields = consumeFields(config, request, txnTime);
  const account = request.merchant;
  switch (request.method) {
    case 'page':
    case 'h5':
      return { action: client.frontForm(fields), providerData: { [DATA.txnTime]: txnTime } };
    case 'app': {
      const reply = await client.post({ endpoint: 'appTransReq.do', fields, account });
      if (reply.outcome === 'pending') throw notKnownYet(id, reply.fields);
      const tn = readUnionpayTn(id, reply.fields);
      return { action: { type: 'app', payload: tn }, providerData: { [DATA.txnTime]: txnTime, [DATA.tn]: tn } };
    }
    case 'qr': {
      const reply = await client.post({ endpoint: 'backTransReq.do', fields, account });
      if (reply.outcome === 'pending') throw notKnownYet(id, reply.fields);
      const qrCode = readUnionpayQrCode(id, reply.fields);
      return {
        action: { type: 'qr', content: qrCode },
        providerData: { [DATA.txnTime]: txnTime, [DATA.qrCode]: qrCode },
      };
    }
    default: {
      // pos: accepted (or "query later"), not final: the notification or a query tells the outcome.
      await client.post({ endpoint: 'backTransReq.do', fields, account });
      return {
        action: { type: 'none' },
        status: { type: 'payment.pending', orderId: request.orderId },
        providerData: { [DATA.txnTime]: txnTime },
      };
    }
  }
}

/** 03, 04, 05 on a create: UnionPay may or may not have the transaction; nothing is settled. */
function notKnownYet(id: string, fields: Readonly<Record<string, string>>): ProviderApiError {
  return new ProviderApiError({
    provider: id,
    providerCode: fields.respCode ?? '05',
    providerMessage: fields.respMsg,
    normalizedCode: 'system_busy',
    retryable: true,
  });
}

/**
 * Queries one transaction by its own orderId and txnTime. UnionPay answers 34 (查无此交易) for one
 * it does not have: for a payment that is "not yet" (a QR code not scanned, a form not submitted);
 * for a refund (`unknown: 'not_found'`) it means the request never reached UnionPay, reported as
 * `not_found` so that core sends it again under the same orderId (a second request for an orderId
 * UnionPay has is refused as a duplicate, 12, so nothing is refunded twice).
 */
async function query(
  context: UnionpayContext,
  target: { orderId: string; txnTime: string; bizType: string; account: MerchantAccount | null | undefined },
  describes: readonly UnionpayTransactionKind[],
  unknown: 'pending' | 'not_found' = 'pending',
): Promise<UnionpayTransactionState> {
  const { orderId, txnTime, bizType, account } = target;
  try {
    const reply = await context.client.post({
      endpoint: 'queryTrans.do',
      fields: {
        ...unionpayAccessFields(context.config, account, 'query'),
        txnType: '00',
        txnSubType: '00',
        bizType,
        orderId,
        txnTime,
      },
      describes,
      account,
    });
    // 03/04/05 on the query itself: ask again later.
    return reply.outcome === 'pending' ? { outcome: 'pending' } : readUnionpayQuery(context.id, reply.fields);
  } catch (error) {
    if (!ProviderApiError.isInstance(error) || error.providerCode !== '34') throw error;
    // 34 on a payment: no such transaction yet (a QR code not scanned, a form not submitted).
    if (unknown === 'pending') return { outcome: 'pending' };
    // 34 on a refund: UnionPay never received it.
    throw new ProviderApiError({
      provider: context.id,
      providerCode: '34',
      providerMessage: error.providerMessage,
      normalizedCode: 'not_found',
    });
  }
}

const bizOf = (order: Order) => (order.method === 'qr' || order.method === 'pos' ? QR_BIZ : GATEWAY_BIZ);
const consumeKind = (order: Order): UnionpayTransactionKind => ({
  txnType: '01',
  txnSubType: CONSUME_SUBTYPE[order.method as keyof typeof CONSUME_SUBTYPE] ?? '01',
});

async function queryPayment(
  context: UnionpayContext,
  { orderId, order, merchant }: { orderId: string; order: Order; merchant?: MerchantAccount | null | undefined },
): Promise<PaymentStatusEvent> {
  const target = { orderId, txnTime: txnTimeOf(order), bizType: bizOf(order), account: merchant };
  return unionpayPaymentEvent(orderId, await query(context, target, [consumeKind(order)]));
}

async function sendRefund(
  context: UnionpayContext,
  order: Order,
  refund: { refundId: string; amount: number; account: MerchantAccount | null | undefined },
  txnType: '04' | '31',
): Promise<RefundStatusEvent> {
  const { refundId, amount, account } = refund;
  assertUnionpayOrderId(refundId, 'refundId');
  if (!order.providerTransactionId)
    throw new ValidationError('order.providerTransactionId', 'is unknown: the payment has no UnionPay queryId yet');
  const requested = order.refunds.find((refund) => refund.id === refundId);
  const txnTime = formatUnionpayTime(requested ? new Date(requested.createdAt) : context.config.now());
  let queryId: string | undefined;
  try {
    const reply = await context.client.post({
      endpoint: 'backTransReq.do',
      account,
      fields: {
        ...unionpayAccessFields(context.config, account, 'reversal'),
        txnType,
        txnSubType: '00',
        bizType: bizOf(order),
        channelType: order.method === 'page' ? '07' : '08',
        orderId: refundId,
        origQryId: order.providerTransactionId,
        txnTime,
        txnAmt: String(amount),
        backUrl: order.notifyUrl ?? undefined,
        reqReserved: order.id,
      },
    });
    queryId = readUnionpayQueryId(context.id, reply.fields);
  } catch (error) {
    // 12: a duplicate, i.e. a retry of a refund UnionPay already has: report what it became.
    if (ProviderApiError.isInstance(error) && error.providerCode === '12')
      return refundStatus(context, order, { refundId, txnTime, amount, account });
    throw error;
  }
  return { type: 'refund.pending', orderId: order.id, refundId, amount, providerRefundId: queryId };
}

async function refundStatus(
  context: UnionpayContext,
  order: Order,
  refund: { refundId: string; txnTime: string; amount: number; account: MerchantAccount | null | undefined },
): Promise<RefundStatusEvent> {
  const { refundId, txnTime, amount, account } = refund;
  const target = { orderId: refundId, txnTime, bizType: bizOf(order), account };
  const state = await query(context, target, REVERSALS, 'not_found');
  return unionpayRefundEvent({ orderId: order.id, refundId, amount }, state);
}

async function resumePayment(context: UnionpayContext, request: ResumePaymentRequest): Promise<CreatePaymentResult> {
  validatePayment(context.config, request);
  const { order } = request;
  // Never a second transaction: UnionPay cannot close the first, so both could be paid.
  const status = await queryPayment(context, { orderId: order.id, order, merchant: request.merchant });
  if (status.type !== 'payment.pending') return { action: { type: 'none' }, status };
  const txnTime = txnTimeOf(order);
  switch (order.method) {
    case 'page':
    case 'h5':
      // The same signed form (same orderId, txnTime and fields): the same transaction at UnionPay.
      return { action: context.client.frontForm(consumeFields(context.config, request, txnTime)) };
    case 'app': {
      const tn = order.providerData[DATA.tn];
      if (!tn) throw new ValidationError('orderId', `order ${order.id} has no UnionPay tn recorded to offer again`);
      return { action: { type: 'app', payload: tn } };
    }
    case 'qr': {
      const qrCode = order.providerData[DATA.qrCode];
      if (!qrCode) throw new ValidationError('orderId', `order ${order.id} has no UnionPay QR code recorded`);
      return { action: { type: 'qr', content: qrCode } };
    }
    default:
      throw new ValidationError('method', `a ${order.method} payment cannot be offered again`);
  }
}

/**
 * Creates the UnionPay provider. Options are validated, the PFX opened and the chain checked here.
 *
 * @group Provider
 * @example
 * ```ts
 * import { unionpay } from '@hutong/adapter-unionpay';
 * const provider = unionpay({ merId, signCert: { pfx, password }, rootCert, middleCert });
 * ```
 */
export function unionpay<const Id extends string = 'unionpay'>(options: UnionpayOptions<Id>): UnionpayProvider<Id> {
  const config = resolveUnionpayOptions(options);
  const id = config.id as Id;
  const context: UnionpayContext = { id, config, client: createUnionpayClient(config) };

  return {
    specificationVersion: 'v1',
    id,
    wallet: 'unionpay',
    capabilities: { ...CAPABILITIES, merchants: config.access !== undefined },
    validatePayment: (request) => validatePayment(config, request),
    createPayment: (request) => createPayment(context, request),
    resumePayment: (request) => resumePayment(context, request),
    queryPayment: (reference) => queryPayment(context, reference),

    async closePayment({ orderId, order, merchant }) {
      const status = await queryPayment(context, { orderId, order, merchant });
      if (status.type === 'payment.succeeded') {
        throw new ProviderApiError({
          provider: id,
          providerCode: '00',
          providerMessage: 'the order is paid',
          normalizedCode: 'already_paid',
        });
      }
    },

    refund: ({ order, refundId, amount, merchant }) =>
      sendRefund(context, order, { refundId, amount, account: merchant }, '04'),

    async queryRefund({ orderId, order, refundId, merchant }) {
      const refund = order.refunds.find((r) => r.id === refundId);
      if (!refund) throw new ValidationError('refundId', `order ${orderId} has no refund ${refundId}`);
      const txnTime = formatUnionpayTime(new Date(refund.createdAt));
      return refundStatus(context, order, { refundId, txnTime, amount: refund.amount, account: merchant });
    },

    statement: (request) => unionpayStatement(context, request),

    async verifyNotification(request) {
      return verifyUnionpayNotification(request, config);
    },

    acknowledgeNotification: unionpayAcknowledgement,

    async undoPayment({ order, undoId, merchant }) {
      assertPortableId(undoId, 'undoId');
      return sendRefund(context, order, { refundId: undoId, amount: order.paidAmount, account: merchant }, '31');
    },

    async verifyFrontReturn(input) {
      const { event } = verifyUnionpayNotification(toNotificationRequest(input), config);
      if (event.type.startsWith('refund.'))
        throw new ValidationError('notification.txnType', 'a front-end return is for a payment, not a refund');
      return { event: event as PaymentStatusEvent };
    },
  };
}
