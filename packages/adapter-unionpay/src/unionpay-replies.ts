/**
 * Reading UnionPay's messages once they are verified: one schema per message, so provider code
 * handles typed values. Formats are strict (letters and digits where ACP has them, two-character
 * codes, amounts in fen): a value that swallowed a neighbouring field through a `%26` fails its
 * format instead of being read as something else.
 *
 * A reply that cannot be read is `UnexpectedResponseError('malformed')` (the outcome is unknown);
 * a notification that cannot be read is a `ValidationError` (the webhook answers 400, UnionPay
 * redelivers, nothing changes).
 *
 * @packageDocumentation
 */
import { type PaymentEvent, SignatureVerificationError, UnexpectedResponseError, ValidationError } from '@hutong/core';
import {
  checkWithSchema,
  type FormFields,
  type PaymentStatusEvent,
  parseWithSchema,
  z,
} from '@hutong/core/provider-utils';
import type { ZodMiniObject, ZodMiniType } from 'zod/mini';
import { unionpayMessageAccount } from './unionpay-access.js';
import { type UnionpayCodeMeaning, unionpayCodeMeaning, unionpayCurrency } from './unionpay-errors.js';
import type { UnionpayConfig } from './unionpay-options.js';
import { UNIONPAY_REFUND_STATUS, type UnionpayTransactionState, unionpayPaymentEvent } from './unionpay-status.js';

const matching = (pattern: RegExp, message: string) => z.string().check(z.regex(pattern, message));
const id = (min: number, max: number) =>
  matching(new RegExp(`^[0-9A-Za-z]{${min},${max}}$`), `must be ${min} to ${max} letters and digits`);
const code = matching(/^[0-9A-Z]{2}$/, 'is not an ACP code');
const amount = matching(/^[1-9][0-9]{0,11}$/, 'is not an amount in fen');
const currencyCode = matching(/^[0-9]{3}$/, 'is not a numeric ISO 4217 code');

const qrReplySchema = z.object({ qrCode: z.string().check(z.minLength(1, 'is empty')) });
const appReplySchema = z.object({ tn: id(1, 64) });
const transactionReplySchema = z.object({ queryId: z.optional(id(1, 64)) });
const queryReplySchema = z.object({
  origRespCode: code,
  origRespMsg: z.optional(z.string()),
  queryId: z.optional(id(1, 64)),
  txnAmt: z.optional(amount),
  currencyCode: z.optional(currencyCode),
});

/** A reply's fields read with `schema`; a field that does not fit is `malformed`, naming it. */
function readReply<S extends ZodMiniType>(provider: string, schema: S, fields: Readonly<Record<string, string>>) {
  const checked = checkWithSchema(schema, fields);
  if (checked.success) return checked.data;
  const field = `response.${checked.path.join('.')}`;
  throw new UnexpectedResponseError(provider, 'malformed', `${field}: ${checked.message}`, { field });
}

/**
 * The `qrCode` of a merchant-presented QR consume reply (01/07).
 *
 * @example
 * ```ts
 * readUnionpayQrCode('unionpay', reply.fields); // 'https://qr.95516.com/...'
 * ```
 */
export function readUnionpayQrCode(provider: string, fields: Readonly<Record<string, string>>): string {
  return readReply(provider, qrReplySchema, fields).qrCode;
}

/**
 * The `tn` (transaction number for the UnionPay app SDK) of an `appTransReq.do` reply.
 *
 * @example
 * ```ts
 * readUnionpayTn('unionpay', reply.fields); // '795707071234567890123'
 * ```
 */
export function readUnionpayTn(provider: string, fields: Readonly<Record<string, string>>): string {
  return readReply(provider, appReplySchema, fields).tn;
}

/**
 * The `queryId` of an accepted transaction reply (refund, undo, buyer-presented QR), when sent.
 *
 * @example
 * ```ts
 * readUnionpayQueryId('unionpay', reply.fields); // '512209110416475616528'
 * ```
 */
export function readUnionpayQueryId(provider: string, fields: Readonly<Record<string, string>>): string | undefined {
  return readReply(provider, transactionReplySchema, fields).queryId;
}

/** What a query found about one transaction. */
export type UnionpayQueryResult = UnionpayTransactionState;

/**
 * Reads a `queryTrans.do` reply that found its transaction (`respCode` 00): `origRespCode` is the
 * transaction's own code, read with the same table as every other code.
 *
 * @example
 * ```ts
 * const result = readUnionpayQuery('unionpay', reply.fields);
 * if (result.outcome === 'succeeded') console.log(result.amount, result.currency);
 * ```
 */
export function readUnionpayQuery(provider: string, fields: Readonly<Record<string, string>>): UnionpayQueryResult {
  const reply = readReply(provider, queryReplySchema, fields);
  const meaning = unionpayCodeMeaning(reply.origRespCode);
  if (!meaning) {
    throw new UnexpectedResponseError(provider, 'malformed', `origRespCode ${reply.origRespCode} is not documented`, {
      field: 'response.origRespCode',
    });
  }
  if (meaning.outcome === 'pending') return { outcome: 'pending' };
  if (meaning.outcome === 'failed') return { outcome: 'failed', origRespCode: reply.origRespCode };
  const settled = readReply(provider, z.object({ queryId: id(1, 64), txnAmt: amount }), fields);
  let currency: string | undefined;
  if (reply.currencyCode !== undefined) {
    currency = unionpayCurrency(reply.currencyCode);
    if (!currency) {
      throw new UnexpectedResponseError(provider, 'malformed', `currencyCode ${reply.currencyCode} is not known`, {
        field: 'response.currencyCode',
      });
    }
  }
  return { outcome: 'succeeded', queryId: settled.queryId, amount: Number(settled.txnAmt), currency };
}

/** How one field of a notification is read: its format (none: any text) and whether it may be absent. */
interface FieldRule {
  readonly pattern?: RegExp;
  readonly message?: string;
  readonly optional?: true;
}

/** The values a {@link FormReader} returns. */
type FormValues<R extends Record<string, FieldRule>> = {
  [K in keyof R]: R[K] extends { optional: true } ? string | undefined : string;
};

/**
 * A group of notification fields read together: their rules, and the schema built from the same
 * rules, which names the field that does not fit.
 */
interface FormReader<R extends Record<string, FieldRule>> {
  readonly rules: readonly (readonly [name: string, rule: FieldRule])[];
  readonly schema: ZodMiniObject;
  /** Only the type of what is read. */
  readonly values?: FormValues<R>;
}

function formReader<const R extends Record<string, FieldRule>>(rules: R): FormReader<R> {
  const shape: Record<string, ZodMiniType> = {};
  for (const [name, rule] of Object.entries(rules)) {
    const text = rule.pattern ? matching(rule.pattern, rule.message ?? 'is invalid') : z.string();
    shape[name] = rule.optional ? z.optional(text) : text;
  }
  return { rules: Object.entries(rules), schema: z.object(shape) };
}

const ID_8_40 = { pattern: /^[0-9A-Za-z]{8,40}$/, message: 'must be 8 to 40 letters and digits' } as const;
const ID_1_64 = { pattern: /^[0-9A-Za-z]{1,64}$/, message: 'must be 1 to 64 letters and digits' } as const;
const AMOUNT = { pattern: /^[1-9][0-9]{0,11}$/, message: 'is not an amount in fen' } as const;

const notificationReader = formReader({
  merId: {},
  accessType: { pattern: /^[0-9]$/, message: 'is not an access type', optional: true },
  subMerId: { optional: true },
  respCode: { pattern: /^[0-9A-Z]{2}$/, message: 'is not an ACP code' },
  orderId: ID_8_40,
  txnType: { pattern: /^[0-9]{2}$/, message: 'is not a transaction type' },
});
const paymentNotificationReader = formReader({
  queryId: ID_1_64,
  txnAmt: AMOUNT,
  currencyCode: { pattern: /^[0-9]{3}$/, message: 'is not a numeric ISO 4217 code' },
});
const refundNotificationReader = formReader({ reqReserved: ID_8_40, queryId: { ...ID_1_64, optional: true } });
const settledRefundReader = formReader({ txnAmt: AMOUNT });

/**
 * Reads fields of a verified form; a field that does not fit is a `ValidationError` naming it. Each
 * value is decoded once and tested against its rule; only a form with a value that does not fit
 * goes through the schema, for its message (the schema is built from the same rules).
 */
function readForm<R extends Record<string, FieldRule>>(form: FormFields, reader: FormReader<R>): FormValues<R> {
  const values: Record<string, string | undefined> = {};
  let fits = true;
  for (const [name, rule] of reader.rules) {
    const value = form.get(name);
    values[name] = value;
    if (value === undefined ? !rule.optional : rule.pattern !== undefined && !rule.pattern.test(value)) fits = false;
  }
  if (!fits) parseWithSchema(reader.schema, values, 'notification');
  return values as FormValues<R>;
}

function meaningOf(respCode: string): UnionpayCodeMeaning {
  const meaning = unionpayCodeMeaning(respCode);
  if (!meaning) throw new ValidationError('notification.respCode', `${respCode} is not a documented ACP code`);
  return meaning;
}

/**
 * Reads a verified notification (or front-end return) into its event: a consume (01) is a payment
 * event with its currency; a refund (04) or undo (31) is a refund event of the order named in
 * `reqReserved`. `03`, `04`, `05` ("query later") are pending events: they settle nothing.
 *
 * The sub-merchant the message names by its signed access fields is `account`: `subMerId` under
 * platform access, `merId` under acquirer access, none for the provider's own account. A message
 * for another merchant or platform, or under an access type this provider does not use, is refused
 * (`wrong_recipient`).
 *
 * @example
 * ```ts
 * const { event, account } = readUnionpayNotification(form, { id: 'unionpay', merId: '777290058110048' });
 * ```
 */
export function readUnionpayNotification(
  form: FormFields,
  config: { readonly id: string; readonly merId: string; readonly access?: UnionpayConfig['access'] },
): { event: PaymentEvent; notificationId?: string | undefined; account?: string | undefined } {
  const common = readForm(form, notificationReader);
  const named = unionpayMessageAccount({ merId: config.merId, access: config.access }, common);
  if ('problem' in named) {
    throw new SignatureVerificationError(
      config.id,
      'wrong_recipient',
      `the notification's ${named.field} ${named.problem}`,
    );
  }
  const account = named.account === undefined ? {} : { account: named.account };
  return { ...readUnionpayEvent(form, common), ...account };
}

/** The event of a verified notification whose recipient is checked. */
function readUnionpayEvent(
  form: FormFields,
  common: { respCode: string; orderId: string; txnType: string },
): { event: PaymentEvent; notificationId?: string | undefined } {
  const meaning = meaningOf(common.respCode);
  const orderId = common.orderId;
  switch (common.txnType) {
    case '01': {
      if (meaning.outcome === 'pending') return { event: unionpayPaymentEvent(orderId, meaning) };
      if (meaning.outcome === 'failed') {
        const state: UnionpayTransactionState = { outcome: 'failed', origRespCode: common.respCode };
        return { event: unionpayPaymentEvent(orderId, state), notificationId: form.get('queryId') };
      }
      const payment = readForm(form, paymentNotificationReader);
      const currency = unionpayCurrency(payment.currencyCode);
      if (!currency) throw new ValidationError('notification.currencyCode', `${payment.currencyCode} is not known`);
      const state = {
        outcome: 'succeeded',
        queryId: payment.queryId,
        amount: Number(payment.txnAmt),
        currency,
      } as const;
      return { event: unionpayPaymentEvent(orderId, state) as PaymentStatusEvent, notificationId: payment.queryId };
    }
    case '04':
    case '31': {
      // A refund's (or undo's) own orderId is the refund id; the order travels in reqReserved.
      const refund = readForm(form, refundNotificationReader);
      const base = { orderId: refund.reqReserved, refundId: orderId };
      if (meaning.outcome === 'failed') {
        return {
          event: { type: UNIONPAY_REFUND_STATUS.failed, ...base, reason: common.respCode },
          notificationId: refund.queryId,
        };
      }
      const { txnAmt } = readForm(form, settledRefundReader);
      return {
        event: {
          type: UNIONPAY_REFUND_STATUS[meaning.outcome],
          ...base,
          amount: Number(txnAmt),
          providerRefundId: refund.queryId,
        },
        notificationId: refund.queryId,
      };
    }
    default:
      throw new ValidationError('notification.txnType', `${common.txnType} is not a payment or refund notification`);
  }
}
