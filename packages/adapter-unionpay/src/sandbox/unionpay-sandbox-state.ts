/**
 * What the UnionPay sandbox keeps: its certificate chain and signing key, the merchant's
 * certificate, the transactions (consumes, refunds, undos), and the signed messages it makes of
 * them (raw `k=v&...` replies and form notifications).
 *
 * @packageDocumentation
 */
import { randomInt, X509Certificate } from 'node:crypto';
import {
  encodeUnionpayForm,
  formatUnionpayTime,
  signUnionpayFields,
  unionpayCertId,
} from '@hutong/adapter-unionpay/protocol';
import { type NotificationInput, OrderNotFoundError, ValidationError } from '@hutong/core';
import {
  createSandboxOutbox,
  createTestIdentity,
  type SandboxPayOptions,
  type TestIdentity,
} from '@hutong/core/testing';

/** Options of `createUnionpaySandbox`. */
export interface UnionpaySandboxOptions {
  /** The merchant id the sandbox serves. */
  merId: string;
  /** The merchant's signing certificate (PEM): requests are checked with it. */
  merchantCertificate: string;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /**
   * The access type the merchant (`merId`) may also use, as UnionPay configured it: `'platform'`
   * (a platform merchant, `accessType=2`, whose sub-merchants are added with
   * `sandbox.addSubMerchant`) or `'acquirer'` (an acquirer, `accessType=1`, with `acqInsCode`,
   * whose merchants are added with `sandbox.addSubMerchant`). Absent: direct access only.
   */
  access?: 'platform' | 'acquirer' | undefined;
  /** The acquirer's institution code (`access: 'acquirer'`). Default `'48021000'`. */
  acqInsCode?: string | undefined;
}

/**
 * A sub-merchant UnionPay knows: a platform's (`subMerId`, `subMerName`, `subMerAbbr`) or an
 * acquirer's merchant (`merId` as `id`, `merName`, `merAbbr`, `merCatCode`).
 *
 * @example
 * ```ts
 * sandbox.addSubMerchant({ id: '898111000000001', name: '老王煎饼铺', abbr: '老王煎饼' });
 * ```
 */
export interface UnionpaySandboxSubMerchant {
  /** The `subMerId` (platform) or the merchant's `merId` (acquirer). */
  id: string;
  /** `subMerName` or `merName`. */
  name: string;
  /** `subMerAbbr` or `merAbbr`. */
  abbr: string;
  /** The merchant category (`merCatCode`, acquirer access). Default `'5411'`. */
  merCatCode?: string | undefined;
}

/** A transaction (consume, refund or undo) as the sandbox keeps it. */
export interface UnionpaySandboxTransaction {
  orderId: string;
  txnType: '01' | '04' | '31';
  txnSubType: string;
  bizType: string;
  txnTime: string;
  amount: number;
  queryId: string;
  /**
   * `created`: not yet paid (consume) or settled (refund); `expired`: a consume never paid, timed
   * out; `closed`: a consume UnionPay closed unpaid (queries report `origRespCode` 42).
   */
  state: 'created' | 'succeeded' | 'failed' | 'expired' | 'closed';
  backUrl: string | undefined;
  frontUrl: string | undefined;
  reqReserved: string | undefined;
  /** For refunds and undos: the consume they reverse. */
  origQryId: string | undefined;
  /** The access type the transaction was made under (`0`, `1`, `2`). */
  accessType: string;
  /** The merchant (the platform's under platform access, the merchant's own under acquirer access). */
  merId: string;
  /** The sub-merchant (platform access), else `undefined`. */
  subMerId: string | undefined;
  /** The channel (`07` PC, `08` mobile). */
  channelType: string | undefined;
}

/** Options of the sandbox's signed notifications. */
export interface UnionpaySandboxNotifyOptions {
  /** The amount notified (default the transaction's). */
  amount?: number | undefined;
  /** The `respCode` to notify; a code other than `00` and the failure code leaves the transaction as it is. */
  respCode?: string | undefined;
  /** Fields added to (or replacing those of) the notification before it is signed. */
  fields?: Readonly<Record<string, string>> | undefined;
}

/** ACP fields. */
export type Fields = Record<string, string>;

/** ISO 4217 numeric codes of the currencies the sandbox notifies by name (`pay(id, { currency })`). */
const CURRENCY_CODES: Readonly<Record<string, string>> = {
  CNY: '156',
  HKD: '344',
  JPY: '392',
  USD: '840',
  GBP: '826',
  EUR: '978',
};

function currencyCode(currency: string): string {
  if (/^\d{3}$/.test(currency)) return currency;
  const code = CURRENCY_CODES[currency];
  if (!code) throw new ValidationError('options.currency', `the UnionPay sandbox does not know ${currency}`);
  return code;
}

/** A certificate chain in UnionPay's form: root, middle (OCA) and a signing certificate with UnionPay's CN. */
export interface UnionpaySandboxChain {
  root: TestIdentity;
  middle: TestIdentity;
  signer: TestIdentity;
}

/**
 * Makes a chain. The sandbox's own is what the merchant trusts; another (`label`) is an attacker's,
 * with the same names, chained to no root the merchant configured.
 *
 * @example
 * ```ts
 * const { root, middle, signer } = createUnionpaySandboxChain(new Date());
 * ```
 */
export function createUnionpaySandboxChain(now: Date, label = 'hutong sandbox'): UnionpaySandboxChain {
  const notBefore = new Date(now.getTime() - 86_400_000);
  const notAfter = new Date(now.getTime() + 5 * 365 * 86_400_000);
  const root = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', label],
      ['CN', 'hutong UnionPay Sandbox Root'],
    ],
    isCA: true,
    notBefore,
    notAfter,
  });
  const middle = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', label],
      ['CN', 'hutong UnionPay Sandbox OCA'],
    ],
    issuer: root,
    isCA: true,
    notBefore,
    notAfter,
  });
  const signer = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', label],
      ['OU', 'UnionPay'],
      ['CN', '041@8310000000083040@中国银联股份有限公司@00000001'],
    ],
    issuer: middle,
    notBefore,
    notAfter,
  });
  return { root, middle, signer };
}

/**
 * The sandbox's state and the signed messages it makes.
 *
 * @example
 * ```ts
 * const state: UnionpaySandboxState = createUnionpaySandboxState({ merId, merchantCertificate });
 * ```
 */
export type UnionpaySandboxState = ReturnType<typeof createUnionpaySandboxState>;

/**
 * Creates the state of one sandbox.
 *
 * @example
 * ```ts
 * const state = createUnionpaySandboxState({ merId, merchantCertificate });
 * ```
 */
export function createUnionpaySandboxState(options: UnionpaySandboxOptions) {
  const merchant = new X509Certificate(options.merchantCertificate);
  const now = options.now ?? (() => new Date());
  const chain = createUnionpaySandboxChain(now());
  const transactions = new Map<string, UnionpaySandboxTransaction>();
  /** Sub-merchants by `subMerId` (platform) or `merId` (acquirer). */
  const subMerchants = new Map<string, UnionpaySandboxSubMerchant>();
  const outbox = createSandboxOutbox('unionpay');
  let sequence = 0;

  const queryId = () => `${formatUnionpayTime(now()).slice(2)}${String(++sequence).padStart(6, '0')}${randomInt(10)}`;

  /** Fields signed by `signer` (the sandbox's own, unless a test plays an attacker). */
  function signed(fields: Fields, signer: TestIdentity = chain.signer): Fields {
    const all: Fields = { ...fields, signPubKeyCert: signer.pem };
    all.signature = signUnionpayFields(all, signer.privateKey);
    return all;
  }

  /** Sync replies: raw `k=v&...`, not URL-encoded. */
  function raw(fields: Fields): string {
    return Object.entries(signed(fields))
      .map(([key, value]) => `${key}=${value}`)
      .join('&');
  }

  /** The fields of a transaction's notification, before signing. */
  function notificationFields(
    t: UnionpaySandboxTransaction,
    respCode: string,
    extra: UnionpaySandboxNotifyOptions & SandboxPayOptions,
  ): Fields {
    const amount = extra.amount ?? t.amount;
    const fields: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: t.accessType,
      merId: t.merId,
      txnType: t.txnType,
      txnSubType: t.txnSubType,
      bizType: t.bizType,
      orderId: t.orderId,
      txnTime: t.txnTime,
      txnAmt: String(amount),
      currencyCode: '156',
      queryId: t.queryId,
      respCode,
      respMsg: respCode === '00' ? 'success' : 'failure',
      settleAmt: String(amount),
      settleCurrencyCode: '156',
      settleDate: t.txnTime.slice(4, 8),
      traceNo: t.queryId.slice(-6),
      traceTime: t.txnTime.slice(4),
    };
    if (t.subMerId) fields.subMerId = t.subMerId;
    if (t.reqReserved) fields.reqReserved = t.reqReserved;
    if (t.origQryId) fields.origQryId = t.origQryId;
    if (extra.currency !== undefined) fields.currencyCode = currencyCode(extra.currency);
    Object.assign(fields, extra.fields);
    return fields;
  }

  /** A signed form notification of `t`, addressed to `url` (its `backUrl` by default). */
  function notification(
    t: UnionpaySandboxTransaction,
    respCode: string,
    extra: UnionpaySandboxNotifyOptions & SandboxPayOptions = {},
    url = t.backUrl,
    signer: TestIdentity = chain.signer,
  ): NotificationInput {
    return outbox.addressed(
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: encodeUnionpayForm(signed(notificationFields(t, respCode, extra), signer)),
      },
      url,
    );
  }

  function requireTransaction(orderId: string): UnionpaySandboxTransaction {
    const t = transactions.get(orderId);
    if (!t) throw new OrderNotFoundError(orderId);
    return t;
  }

  /** The consume a scanned QR code or an app `tn` (both carry its queryId) names. */
  function requireConsume(queryId: string, field: string): UnionpaySandboxTransaction {
    for (const t of transactions.values()) if (t.txnType === '01' && t.queryId === queryId) return t;
    throw new ValidationError(field, `names no transaction of the UnionPay sandbox (${queryId})`);
  }

  /** The total reversed (refunded or undone, not failed) of the consume with this queryId. */
  function reversed(origQryId: string): number {
    let total = 0;
    for (const t of transactions.values()) if (t.origQryId === origQryId && t.state !== 'failed') total += t.amount;
    return total;
  }

  return {
    merId: options.merId,
    access: options.access,
    acqInsCode: options.acqInsCode ?? '48021000',
    subMerchants,
    merchant,
    merchantCertId: unionpayCertId(merchant),
    now,
    chain,
    transactions,
    outbox,
    queryId,
    signed,
    raw,
    notification,
    requireTransaction,
    requireConsume,
    reversed,
  };
}
