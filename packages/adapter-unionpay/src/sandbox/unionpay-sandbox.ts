/**
 * A local fake of the UnionPay ACP gateway. It has its own root, middle and signing certificates
 * (generated, with the UnionPay CN form), checks every request's signature against the merchant's
 * certificate (and its `certId`), keeps transactions, answers consume, QR, app, refund, undo and
 * query with signed raw `k=v&...` replies, renders `frontTransReq.do` as a cashier page where a
 * buyer (a test, or the demo) pays, and posts signed form notifications to `backUrl`. This file
 * wires the state (`-state`), the endpoints (`-routes`) and the hostile hooks (`-hostile`) into the
 * {@link WalletSandbox} API.
 *
 * @packageDocumentation
 */
import { type NotificationInput, ProviderApiError, ValidationError } from '@hutong/core';
import {
  type SandboxPayOptions,
  type SandboxSettleRefundOptions,
  serveSandbox,
  type WalletSandbox,
  type WalletSandboxServer,
} from '@hutong/core/testing';
import { createUnionpaySandboxHostileHooks, type UnionpaySandboxHostileHooks } from './unionpay-sandbox-hostile.js';
import {
  checkUnionpaySandboxRequest,
  createUnionpaySandboxTransaction,
  handleUnionpaySandboxRequest,
  type UnionpaySandboxRouteHooks,
} from './unionpay-sandbox-routes.js';
import {
  createUnionpaySandboxState,
  type Fields,
  type UnionpaySandboxNotifyOptions,
  type UnionpaySandboxOptions,
  type UnionpaySandboxSubMerchant,
  type UnionpaySandboxTransaction,
} from './unionpay-sandbox-state.js';
import { unionpaySandboxStatement } from './unionpay-sandbox-statement.js';

export type { UnionpaySandboxHostileHooks } from './unionpay-sandbox-hostile.js';
export {
  encodeGbk,
  formatUnionpayZmRecord,
  UNIONPAY_ZM_FIELDS,
  type UnionpayZmRecord,
  unionpayFileContent,
  writeUnionpayZip,
} from './unionpay-sandbox-statement.js';
export type {
  UnionpaySandboxNotifyOptions,
  UnionpaySandboxOptions,
  UnionpaySandboxSubMerchant,
  UnionpaySandboxTransaction,
};

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
  /**
   * The payment fails at UnionPay: the consume is refused (`respCode` 01), queries report
   * `origRespCode` 01; returns the signed failure notification UnionPay sends.
   */
  fail(orderId: string): NotificationInput;
  /**
   * UnionPay closes the unpaid consume: queries report it with `origRespCode` 42 (closed); UnionPay
   * sends no notification for that: returns `undefined`. The buyer can no longer pay it.
   */
  close(orderId: string): undefined;
  /** Hostile messages for tests of an adapter's defences. */
  readonly hostile: UnionpaySandboxHostileHooks;
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
  /** The file-transfer URL (statements, `txnType=76`): pass it as `fileEndpoint`. */
  readonly fileUrl: string;
  /**
   * Registers a sub-merchant with UnionPay: a platform's (`access: 'platform'`: `id` is the
   * `subMerId`) or an acquirer's merchant (`access: 'acquirer'`: `id` is its `merId`). Payments for
   * an unregistered one are refused (`respCode` 31), as at UnionPay. Returns the account's
   * `fields` for hutong's merchant directory.
   */
  addSubMerchant(merchant: UnionpaySandboxSubMerchant): Record<string, string>;
  /**
   * The archive the file transfer returns for settlement date `MMDD` (of `merId`, the sandbox's own
   * by default): the ZIP, and its `fileName` and `fileContent` as the reply carries them.
   */
  statementArchive(settleDate: string, merId?: string): { fileName: string; fileContent: string; zip: Buffer };
  /** Serves the gateway over HTTP; `fileUrl` is the file-transfer URL of the server. */
  listen(port?: number): Promise<WalletSandboxServer & { fileUrl: string }>;
}

/** The sandbox's in-process gateway base (never resolved). */
export const UNIONPAY_SANDBOX_GATEWAY = 'https://unionpay.sandbox.hutong.invalid/gateway/api';

/**
 * The sandbox's in-process file-transfer URL (never resolved).
 *
 * @example
 * ```ts
 * unionpay({ ...options, endpoint: sandbox.baseUrl, fileEndpoint: UNIONPAY_SANDBOX_FILE_URL, fetch: sandbox.fetch });
 * ```
 */
export const UNIONPAY_SANDBOX_FILE_URL = 'https://unionpay.sandbox.hutong.invalid/filedownload/';

/** A cashier refusal as a hutong error, with UnionPay's `respCode`. */
function refusal(reply: Fields): ProviderApiError {
  return new ProviderApiError({
    provider: 'unionpay',
    providerCode: reply.respCode ?? '',
    providerMessage: reply.respMsg,
    normalizedCode: reply.respCode === '11' ? 'invalid_signature' : 'invalid_request',
  });
}

/** A base64 signature with its first character changed (still base64, no longer the signature). */
const broken = (signature: string) => `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

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
  const state = createUnionpaySandboxState(options);
  let rewriteReply: ((reply: Fields, request: Fields) => Fields) | undefined;
  let tamper: 'amount' | 'order' | 'signature' | undefined;

  const hooks: UnionpaySandboxRouteHooks = {
    pay: (orderId) => sandbox.pay(orderId),
    frontReturn: (orderId) => sandbox.frontReturn(orderId),
    deliver: (notification, url) => state.outbox.deliver(notification, url),
    rewriteReply(reply, request) {
      let rewritten = rewriteReply ? rewriteReply(reply, request) : reply;
      if (tamper === 'amount' || tamper === 'order') {
        const kind = tamper;
        tamper = undefined;
        if (kind === 'order') rewritten = { ...rewritten, orderId: `${rewritten.orderId ?? ''}X`.slice(-40) };
        else if (rewritten.txnAmt !== undefined)
          rewritten = { ...rewritten, txnAmt: String(Number(rewritten.txnAmt) + 1) };
      }
      return rewritten;
    },
    alterSignedReply(text) {
      if (tamper !== 'signature') return text;
      tamper = undefined;
      return text.replace(
        /(^|&)signature=([^&]*)/,
        (_, lead: string, value: string) => `${lead}signature=${broken(value)}`,
      );
    },
  };
  const handle = (path: string, body: string, base: string) =>
    handleUnionpaySandboxRequest(state, hooks, path, body, base);

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    // The gateway and the cashier take form posts only, as UnionPay's do.
    if (request.method !== 'POST')
      return new Response('method not allowed', {
        status: 405,
        headers: { allow: 'POST', 'content-type': 'text/plain' },
      });
    const url = new URL(request.url);
    const reply = handle(
      url.pathname,
      await request.text(),
      `${url.origin}${url.pathname.slice(0, url.pathname.lastIndexOf('/'))}`,
    );
    await reply.after?.();
    return new Response(reply.text, { status: reply.status, headers: { 'content-type': reply.type } });
  };

  const hostile = createUnionpaySandboxHostileHooks(state, (kind) => {
    tamper = kind;
  });

  const sandbox: UnionpaySandbox = {
    wallet: 'unionpay',
    rootCert: state.chain.root.pem,
    middleCert: state.chain.middle.pem,
    baseUrl: UNIONPAY_SANDBOX_GATEWAY,
    fetch,
    hostile,

    fileUrl: UNIONPAY_SANDBOX_FILE_URL,

    async listen(port = 0) {
      // Core's Node bridge: the request URL is built from the server's own origin, malformed
      // requests are answered 4xx, and a failing handler never brings the process down.
      const server = await serveSandbox(fetch, { port });
      return {
        baseUrl: `${server.baseUrl}/gateway/api`,
        fileUrl: `${server.baseUrl}/filedownload/`,
        close: server.close,
      };
    },

    addSubMerchant(merchant) {
      if (!state.access) throw new ValidationError('options.access', 'the sandbox serves a direct merchant only');
      const pattern = state.access === 'platform' ? /^[0-9A-Za-z]{1,15}$/ : /^[0-9A-Za-z]{15}$/;
      if (!pattern.test(merchant.id)) throw new ValidationError('merchant.id', 'is not a subMerId or merId');
      const merCatCode = merchant.merCatCode ?? '5411';
      state.subMerchants.set(merchant.id, { ...merchant, merCatCode });
      const fields: Record<string, string> =
        state.access === 'platform'
          ? { subMerName: merchant.name, subMerAbbr: merchant.abbr }
          : { acqInsCode: state.acqInsCode, merCatCode, merName: merchant.name, merAbbr: merchant.abbr };
      return fields;
    },

    statementArchive: (settleDate, merId = state.merId) => unionpaySandboxStatement(state, merId, settleDate),

    open(action) {
      if (action.type === 'qr') {
        const prefix = 'https://qr.95516.com/00010000/';
        if (!action.content.startsWith(prefix))
          throw new ValidationError('action.content', 'is not a QR code of the UnionPay sandbox');
        state.requireConsume(action.content.slice(prefix.length), 'action.content');
        return;
      }
      if (action.type === 'app' && typeof action.payload === 'string') {
        state.requireConsume(action.payload, 'action.payload');
        return;
      }
      if (action.type !== 'form')
        throw new ValidationError('action.type', `the UnionPay sandbox's cashier cannot open a ${action.type} action`);
      const request = { ...action.fields } as Fields;
      const problem = checkUnionpaySandboxRequest(state, request);
      if (problem) throw refusal(problem);
      const made = createUnionpaySandboxTransaction(state, request, true);
      if ('refusal' in made) throw refusal(made.refusal);
    },

    pay(orderId, payOptions = {}) {
      const t = state.requireTransaction(orderId);
      if (t.state === 'expired' || t.state === 'closed')
        throw new ValidationError('orderId', `${orderId} ${t.state} unpaid`);
      if (payOptions.respCode !== undefined) return state.notification(t, payOptions.respCode, payOptions);
      if (t.state === 'created') t.state = payOptions.fail ? 'failed' : 'succeeded';
      return state.notification(t, t.state === 'succeeded' ? '00' : '01', payOptions);
    },

    fail: (orderId) => sandbox.pay(orderId, { fail: true }),

    expire(orderId) {
      const t = state.requireTransaction(orderId);
      if (t.txnType === '01' && t.state === 'created') t.state = 'expired';
      return undefined;
    },

    close(orderId) {
      const t = state.requireTransaction(orderId);
      if (t.txnType === '01' && t.state === 'created') t.state = 'closed';
      return undefined;
    },

    frontReturn(orderId, returnOptions = {}) {
      const t = state.requireTransaction(orderId);
      return state.notification(
        t,
        returnOptions.respCode ?? (t.state === 'succeeded' ? '00' : '01'),
        returnOptions,
        t.frontUrl,
      );
    },

    settleRefund(orderId, refundId, settle = {}) {
      const order = state.requireTransaction(orderId);
      const t = state.transactions.get(refundId);
      if (!t || t.txnType === '01' || t.origQryId !== order.queryId)
        throw new ValidationError('refundId', `the UnionPay sandbox has no refund ${refundId} of ${orderId}`);
      if (settle.respCode !== undefined) return state.notification(t, settle.respCode, settle);
      if (t.state === 'created') t.state = settle.fail ? 'failed' : 'succeeded';
      return state.notification(t, t.state === 'succeeded' ? '00' : '01', settle);
    },

    rewriteReplies(rewrite) {
      rewriteReply = rewrite;
    },

    deliver: state.outbox.deliver,

    trade: (orderId) => state.transactions.get(orderId),
  };
  return sandbox;
}
