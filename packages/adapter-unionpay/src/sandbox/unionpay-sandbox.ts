/**
 * A local fake of the UnionPay ACP gateway. It has its own root, middle and signing certificates
 * (generated, with the UnionPay CN form), checks every request's signature against the merchant's
 * certificate (and its `certId`), keeps transactions, answers consume, QR, app, refund, undo and
 * query with signed raw `k=v&...` replies, renders `frontTransReq.do` as a cashier page where a
 * buyer (a test, or the demo) pays, and posts signed form notifications to `backUrl`.
 *
 * @packageDocumentation
 */
import { randomInt, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeUnionpayForm,
  encodeUnionpayForm,
  formatUnionpayTime,
  signUnionpayFields,
  unionpayCertId,
  verifyUnionpayFields,
} from '@hutong/adapter-unionpay/protocol';
import {
  escapeHtml,
  type NotificationInput,
  OrderNotFoundError,
  ProviderApiError,
  renderAutoSubmitForm,
  ValidationError,
} from '@hutong/core';
import {
  createSandboxOutbox,
  createTestIdentity,
  type SandboxPayOptions,
  type SandboxSettleRefundOptions,
  type TestIdentity,
  type WalletSandbox,
  type WalletSandboxServer,
} from '@hutong/core/testing';

/** Options of {@link createUnionpaySandbox}. */
export interface UnionpaySandboxOptions {
  /** The merchant id the sandbox serves. */
  merId: string;
  /** The merchant's signing certificate (PEM): requests are checked with it. */
  merchantCertificate: string;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
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
  /** `created`: not yet paid (consume) or settled (refund); `expired`: a consume never paid. */
  state: 'created' | 'succeeded' | 'failed' | 'expired';
  backUrl: string | undefined;
  frontUrl: string | undefined;
  reqReserved: string | undefined;
  /** For refunds and undos: the consume they reverse. */
  origQryId: string | undefined;
}

/**
 * The UnionPay sandbox: a {@link WalletSandbox} (`baseUrl` is the gateway base, `.../gateway/api`;
 * {@link WalletSandbox.listen} also serves the cashier page) with UnionPay's extras.
 */
export interface UnionpaySandbox extends WalletSandbox<UnionpaySandboxTransaction> {
  readonly wallet: 'unionpay';
  /** The sandbox's root certificate (PEM): pass it as `rootCert`. */
  readonly rootCert: string;
  /** The sandbox's middle certificate (PEM): pass it as `middleCert`. */
  readonly middleCert: string;
  /**
   * The buyer opens a next action: the `frontTransReq.do` form is submitted (signature checked,
   * the order created or, for the same unpaid consume posted again, the cashier opened again on
   * it); a `qr` code is scanned or an `app` `tn` opened, which must name a consume the gateway made.
   */
  open: WalletSandbox['open'];
  /**
   * The buyer pays (card, Cloud QuickPass or a QR scan); returns the signed `backUrl` notification.
   * `currency` notifies another `currencyCode` (`USD` → `840`); `respCode` sends another code
   * (`03`: outcome unknown, ...) without settling the transaction; `fields` adds or replaces fields
   * of the genuine, signed notification.
   */
  pay(
    orderId: string,
    options?: UnionpaySandboxNotifyOptions & SandboxPayOptions & { fail?: boolean | undefined },
  ): NotificationInput;
  /** The consume times out unpaid; UnionPay sends no notification for that: returns `undefined`. */
  expire(orderId: string): undefined;
  /** The signed post the buyer's browser makes to `frontUrl` after paying. */
  frontReturn(orderId: string, options?: UnionpaySandboxNotifyOptions): NotificationInput;
  /**
   * Settles refund (or undo) `refundId` of order `orderId`; returns its signed `backUrl` notification.
   * UnionPay's refund is a transaction of its own, whose orderId is `refundId`.
   */
  settleRefund(
    orderId: string,
    refundId: string,
    options?: UnionpaySandboxNotifyOptions & SandboxSettleRefundOptions,
  ): NotificationInput;
  /**
   * Rewrites the fields of every following synchronous reply before the sandbox signs it (so the
   * reply stays genuine): a missing field, another code, another order's identity. `undefined` stops.
   */
  rewriteReplies(
    rewrite: ((reply: Record<string, string>, request: Record<string, string>) => Record<string, string>) | undefined,
  ): void;
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

/** The sandbox's in-process gateway base (never resolved). */
export const UNIONPAY_SANDBOX_GATEWAY = 'https://unionpay.sandbox.hutong.invalid/gateway/api';

type Fields = Record<string, string>;

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

/** A cashier refusal as a hutong error, with UnionPay's `respCode`. */
function refusal(reply: Fields): ProviderApiError {
  return new ProviderApiError({
    provider: 'unionpay',
    providerCode: reply.respCode ?? '',
    providerMessage: reply.respMsg,
    normalizedCode: reply.respCode === '11' ? 'invalid_signature' : 'invalid_request',
  });
}

/**
 * Creates a UnionPay sandbox.
 *
 * @example
 * ```ts
 * const sandbox = createUnionpaySandbox({ merId, merchantCertificate });
 * const provider = unionpay({ merId, signCert, rootCert: sandbox.rootCert, middleCert: sandbox.middleCert,
 *   endpoint: sandbox.baseUrl, fetch: sandbox.fetch });
 * ```
 */
export function createUnionpaySandbox(options: UnionpaySandboxOptions): UnionpaySandbox {
  const merchant = new X509Certificate(options.merchantCertificate);
  const merchantCertId = unionpayCertId(merchant);
  const now = options.now ?? (() => new Date());
  const notBefore = new Date(now().getTime() - 86_400_000);
  const notAfter = new Date(now().getTime() + 5 * 365 * 86_400_000);
  const root: TestIdentity = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong sandbox'],
      ['CN', 'hutong UnionPay Sandbox Root'],
    ],
    isCA: true,
    notBefore,
    notAfter,
  });
  const middle: TestIdentity = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong sandbox'],
      ['CN', 'hutong UnionPay Sandbox OCA'],
    ],
    issuer: root,
    isCA: true,
    notBefore,
    notAfter,
  });
  const signer: TestIdentity = createTestIdentity({
    subject: [
      ['C', 'CN'],
      ['O', 'hutong sandbox'],
      ['OU', 'UnionPay'],
      ['CN', '041@8310000000083040@中国银联股份有限公司@00000001'],
    ],
    issuer: middle,
    notBefore,
    notAfter,
  });
  const transactions = new Map<string, UnionpaySandboxTransaction>();
  let sequence = 0;
  let rewriteReply: ((reply: Fields, request: Fields) => Fields) | undefined;
  const outbox = createSandboxOutbox('unionpay');

  const queryId = () => `${formatUnionpayTime(now()).slice(2)}${String(++sequence).padStart(6, '0')}${randomInt(10)}`;

  function signed(fields: Fields): Fields {
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

  function common(request: Fields): Fields {
    return {
      version: '5.1.0',
      encoding: request.encoding ?? 'UTF-8',
      signMethod: '01',
      accessType: '0',
      merId: options.merId,
      txnType: request.txnType ?? '',
      txnSubType: request.txnSubType ?? '',
      bizType: request.bizType ?? '',
      orderId: request.orderId ?? '',
      txnTime: request.txnTime ?? '',
    };
  }

  function refused(request: Fields, code: string, message: string): Fields {
    return { ...common(request), respCode: code, respMsg: message };
  }

  function checkRequest(request: Fields): Fields | undefined {
    if (request.merId !== options.merId) return refused(request, '31', '商户状态不正确');
    if (request.certId !== merchantCertId) return refused(request, '11', '验证签名失败[certId]');
    if (!verifyUnionpayFields(request, merchant.publicKey)) return refused(request, '11', '验证签名失败');
    if (!/^[0-9A-Za-z]{8,40}$/.test(request.orderId ?? '')) return refused(request, '10', '报文格式错误[orderId]');
    return undefined;
  }

  /**
   * Records a transaction. `resubmit`: the buyer's browser posts the same front consume again
   * (same orderId, txnTime and amount, still unpaid): the cashier opens again on the same
   * transaction. Anything else with a known orderId is a duplicate (12).
   */
  function create(
    request: Fields,
    resubmit = false,
  ): { transaction: UnionpaySandboxTransaction } | { refusal: Fields } {
    const existing = transactions.get(request.orderId as string);
    if (
      resubmit &&
      existing?.txnType === '01' &&
      existing.state === 'created' &&
      existing.txnTime === request.txnTime &&
      String(existing.amount) === request.txnAmt
    )
      return { transaction: existing };
    if (existing) return { refusal: refused(request, '12', '重复交易') };
    const amount = Number(request.txnAmt);
    if (!/^\d+$/.test(request.txnAmt ?? '') || amount <= 0)
      return { refusal: refused(request, '10', '报文格式错误[txnAmt]') };
    const transaction: UnionpaySandboxTransaction = {
      orderId: request.orderId as string,
      txnType: request.txnType as '01',
      txnSubType: request.txnSubType ?? '',
      bizType: request.bizType ?? '',
      txnTime: request.txnTime ?? '',
      amount,
      queryId: queryId(),
      state: 'created',
      backUrl: request.backUrl,
      frontUrl: request.frontUrl,
      reqReserved: request.reqReserved,
      origQryId: request.origQryId,
    };
    transactions.set(transaction.orderId, transaction);
    return { transaction };
  }

  function reversed(origQryId: string): number {
    let total = 0;
    for (const t of transactions.values()) if (t.origQryId === origQryId && t.state !== 'failed') total += t.amount;
    return total;
  }

  function back(request: Fields): Fields {
    if (request.txnType === '01') {
      const made = create(request);
      if ('refusal' in made) return made.refusal;
      const t = made.transaction;
      if (request.txnSubType === '07')
        return {
          ...common(request),
          respCode: '00',
          respMsg: '成功[0000000]',
          qrCode: `https://qr.95516.com/00010000/${t.queryId}`,
        };
      // Buyer-presented QR (06): accepted; the buyer's app pays at once in the sandbox.
      if (request.txnSubType === '06') {
        t.state = 'succeeded';
        return { ...common(request), respCode: '00', respMsg: '成功[0000000]', queryId: t.queryId };
      }
      return refused(request, '10', '报文格式错误[txnSubType]');
    }
    if (request.txnType === '04' || request.txnType === '31') {
      const original = [...transactions.values()].find((t) => t.txnType === '01' && t.queryId === request.origQryId);
      if (original?.state !== 'succeeded') return refused(request, '35', '原交易不存在或状态不正确');
      const amount = Number(request.txnAmt);
      if (request.txnType === '31' && amount !== original.amount) return refused(request, '36', '与原交易信息不符');
      if (reversed(original.queryId) + amount > original.amount) return refused(request, '36', '退货金额超限');
      const made = create(request);
      if ('refusal' in made) return made.refusal;
      return {
        ...common(request),
        respCode: '00',
        respMsg: '成功[0000000]',
        queryId: made.transaction.queryId,
        origQryId: original.queryId,
      };
    }
    return refused(request, '10', '报文格式错误[txnType]');
  }

  function query(request: Fields): Fields {
    const t = transactions.get(request.orderId ?? '');
    if (!t || t.txnTime !== request.txnTime || (t.txnType === '01' && (t.state === 'created' || t.state === 'expired')))
      return refused(request, '34', '查无此交易');
    const orig = t.state === 'succeeded' ? '00' : t.state === 'failed' ? '01' : '05';
    return {
      // A found transaction is described by its own txnType and txnSubType (not the query's 00/00).
      ...common(request),
      txnType: t.txnType,
      txnSubType: t.txnSubType,
      currencyCode: '156',
      respCode: '00',
      respMsg: '成功[0000000]',
      origRespCode: orig,
      origRespMsg: orig === '00' ? '成功[0000000]' : orig,
      queryId: t.queryId,
      txnAmt: String(t.amount),
      settleAmt: String(t.amount),
      settleCurrencyCode: '156',
      settleDate: t.txnTime.slice(4, 8),
      traceNo: t.queryId.slice(-6),
      traceTime: t.txnTime.slice(4),
    };
  }

  function cashierPage(request: Fields, base: string): string {
    const amount = (Number(request.txnAmt) / 100).toFixed(2);
    return `<!DOCTYPE html><html><head><meta charset="utf-8"><title>银联在线支付 (hutong sandbox)</title></head><body>
<h1>UnionPay sandbox cashier</h1>
<p>Merchant ${escapeHtml(options.merId)}, order ${escapeHtml(request.orderId ?? '')}: ¥${escapeHtml(amount)}</p>
<form method="post" action="${escapeHtml(base)}/sandbox/pay"><input type="hidden" name="orderId" value="${escapeHtml(request.orderId ?? '')}">
<button type="submit">Pay ¥${escapeHtml(amount)}</button></form></body></html>`;
  }

  function handle(
    path: string,
    body: string,
    base: string,
  ): { status: number; type: string; text: string; after?: () => Promise<void> } {
    const request = decodeUnionpayForm(body);
    const endpoint = path.slice(path.lastIndexOf('/') + 1);
    if (endpoint === 'pay' && path.endsWith('/sandbox/pay')) {
      // The buyer pressed "pay" on the cashier page: notify backUrl, return the browser to frontUrl.
      const notification = sandbox.pay(request.orderId ?? '');
      const t = transactions.get(request.orderId ?? '') as UnionpaySandboxTransaction;
      const back = t.backUrl;
      const front = sandbox.frontReturn(t.orderId);
      const page = t.frontUrl
        ? renderAutoSubmitForm({
            type: 'form',
            method: 'POST',
            url: t.frontUrl,
            fields: decodeUnionpayForm(front.body as string),
          })
        : '<p>paid</p>';
      return {
        status: 200,
        type: 'text/html;charset=utf-8',
        text: page,
        after: back ? async () => void (await sandbox.deliver(notification, back).catch(() => undefined)) : undefined,
      };
    }
    const problem = checkRequest(request);
    if (endpoint === 'frontTransReq.do') {
      if (problem)
        return { status: 200, type: 'text/html;charset=utf-8', text: `<p>${escapeHtml(problem.respMsg ?? '')}</p>` };
      const made = create(request, true);
      if ('refusal' in made)
        return {
          status: 200,
          type: 'text/html;charset=utf-8',
          text: `<p>${escapeHtml(made.refusal.respMsg ?? '')}</p>`,
        };
      return { status: 200, type: 'text/html;charset=utf-8', text: cashierPage(request, base) };
    }
    let reply: Fields;
    if (problem) reply = problem;
    else if (endpoint === 'backTransReq.do') reply = back(request);
    else if (endpoint === 'appTransReq.do') {
      const made = create(request);
      reply =
        'refusal' in made
          ? made.refusal
          : { ...common(request), respCode: '00', respMsg: '成功[0000000]', tn: made.transaction.queryId };
    } else if (endpoint === 'queryTrans.do') reply = query(request);
    else return { status: 404, type: 'text/plain', text: 'not found' };
    if (rewriteReply) reply = rewriteReply({ ...reply }, request);
    return { status: 200, type: 'text/plain;charset=UTF-8', text: raw(reply) };
  }

  function notification(
    t: UnionpaySandboxTransaction,
    respCode: string,
    extra: UnionpaySandboxNotifyOptions & SandboxPayOptions = {},
    url = t.backUrl,
  ): NotificationInput {
    const amount = extra.amount ?? t.amount;
    const fields: Fields = {
      version: '5.1.0',
      encoding: 'UTF-8',
      signMethod: '01',
      accessType: '0',
      merId: options.merId,
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
    if (t.reqReserved) fields.reqReserved = t.reqReserved;
    if (t.origQryId) fields.origQryId = t.origQryId;
    if (extra.currency !== undefined) fields.currencyCode = currencyCode(extra.currency);
    Object.assign(fields, extra.fields);
    return outbox.addressed(
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: encodeUnionpayForm(signed(fields)),
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

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const reply = handle(
      url.pathname,
      await request.text(),
      `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/'))}`,
    );
    await reply.after?.();
    return new Response(reply.text, { status: reply.status, headers: { 'content-type': reply.type } });
  };

  const sandbox: UnionpaySandbox = {
    wallet: 'unionpay',
    rootCert: root.pem,
    middleCert: middle.pem,
    baseUrl: UNIONPAY_SANDBOX_GATEWAY,
    fetch,

    async listen(port = 0): Promise<WalletSandboxServer> {
      const server = createServer(async (request, response) => {
        const chunks: Buffer[] = [];
        for await (const chunk of request) chunks.push(chunk as Buffer);
        const { port: bound } = server.address() as AddressInfo;
        const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
        const reply = handle(path, Buffer.concat(chunks).toString('utf8'), `http://127.0.0.1:${bound}/gateway/api`);
        // The back notification goes out before the buyer's browser is sent back to frontUrl.
        await reply.after?.();
        response.writeHead(reply.status, { 'content-type': reply.type }).end(reply.text);
      });
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      const { port: bound } = server.address() as AddressInfo;
      return {
        baseUrl: `http://127.0.0.1:${bound}/gateway/api`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },

    open(action) {
      if (action.type === 'qr') {
        const prefix = 'https://qr.95516.com/00010000/';
        if (!action.content.startsWith(prefix))
          throw new ValidationError('action.content', 'is not a QR code of the UnionPay sandbox');
        requireConsume(action.content.slice(prefix.length), 'action.content');
        return;
      }
      if (action.type === 'app' && typeof action.payload === 'string') {
        requireConsume(action.payload, 'action.payload');
        return;
      }
      if (action.type !== 'form')
        throw new ValidationError('action.type', `the UnionPay sandbox's cashier cannot open a ${action.type} action`);
      const request = { ...action.fields } as Fields;
      const problem = checkRequest(request);
      if (problem) throw refusal(problem);
      const made = create(request, true);
      if ('refusal' in made) throw refusal(made.refusal);
    },

    pay(orderId, payOptions = {}) {
      const t = requireTransaction(orderId);
      if (t.state === 'expired') throw new ValidationError('orderId', `${orderId} expired unpaid`);
      if (payOptions.respCode !== undefined) return notification(t, payOptions.respCode, payOptions);
      if (t.state === 'created') t.state = payOptions.fail ? 'failed' : 'succeeded';
      return notification(t, t.state === 'succeeded' ? '00' : '01', payOptions);
    },

    expire(orderId) {
      const t = requireTransaction(orderId);
      if (t.txnType === '01' && t.state === 'created') t.state = 'expired';
      return undefined;
    },

    frontReturn(orderId, returnOptions = {}) {
      const t = requireTransaction(orderId);
      return notification(
        t,
        returnOptions.respCode ?? (t.state === 'succeeded' ? '00' : '01'),
        returnOptions,
        t.frontUrl,
      );
    },

    settleRefund(orderId, refundId, settle = {}) {
      const order = requireTransaction(orderId);
      const t = transactions.get(refundId);
      if (!t || t.txnType === '01' || t.origQryId !== order.queryId)
        throw new ValidationError('refundId', `the UnionPay sandbox has no refund ${refundId} of ${orderId}`);
      if (settle.respCode !== undefined) return notification(t, settle.respCode, settle);
      if (t.state === 'created') t.state = settle.fail ? 'failed' : 'succeeded';
      return notification(t, t.state === 'succeeded' ? '00' : '01', settle);
    },

    rewriteReplies(rewrite) {
      rewriteReply = rewrite;
    },

    deliver: outbox.deliver,

    trade: (orderId) => transactions.get(orderId),
  };
  return sandbox;
}
