/**
 * A local fake of the UnionPay ACP gateway. It has its own root, middle and signing certificates
 * (generated, with the UnionPay CN form), checks every request's signature against the merchant's
 * certificate (and its `certId`), keeps transactions, answers consume, QR, app, refund, undo and
 * query with signed raw `k=v&...` replies, renders `frontTransReq.do` as a cashier page where a
 * buyer (a test, or the demo) pays, and posts signed form notifications to `backUrl`. This file
 * wires the state (`-state`), the endpoints (`-routes`, served by `-fetch`), the buyer's and
 * UnionPay's events (`-events`), sub-merchants (`-merchants`), the reply edits (`-tampering`) and
 * the hostile hooks (`-hostile`) into the {@link WalletSandbox} API.
 *
 * @packageDocumentation
 */
import type { NotificationInput } from '@hutong/core';
import {
  type SandboxPayOptions,
  type SandboxSettleRefundOptions,
  serveSandbox,
  type WalletSandbox,
  type WalletSandboxServer,
} from '@hutong/core/testing';
import {
  endUnionpaySandboxConsume,
  openUnionpaySandboxAction,
  payUnionpaySandbox,
  settleUnionpaySandboxRefund,
  unionpaySandboxFrontReturn,
} from './unionpay-sandbox-events.js';
import { unionpaySandboxFetch } from './unionpay-sandbox-fetch.js';
import { createUnionpaySandboxHostileHooks, type UnionpaySandboxHostileHooks } from './unionpay-sandbox-hostile.js';
import { addUnionpaySandboxSubMerchant } from './unionpay-sandbox-merchants.js';
import { handleUnionpaySandboxRequest, type UnionpaySandboxRouteHooks } from './unionpay-sandbox-routes.js';
import {
  createUnionpaySandboxState,
  type UnionpaySandboxNotifyOptions,
  type UnionpaySandboxOptions,
  type UnionpaySandboxSubMerchant,
  type UnionpaySandboxTransaction,
} from './unionpay-sandbox-state.js';
import { unionpaySandboxStatement } from './unionpay-sandbox-statements.js';
import { createUnionpaySandboxReplyEdits } from './unionpay-sandbox-tampering.js';

export type { UnionpaySandboxHostileHooks } from './unionpay-sandbox-hostile.js';
export {
  formatUnionpayZmRecord,
  UNIONPAY_ZM_FIELDS,
  type UnionpayZmRecord,
  unionpayFileContent,
  writeUnionpayZip,
} from './unionpay-sandbox-statements.js';
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
  const edits = createUnionpaySandboxReplyEdits();
  const hooks: UnionpaySandboxRouteHooks = {
    pay: (orderId) => sandbox.pay(orderId),
    frontReturn: (orderId) => sandbox.frontReturn(orderId),
    deliver: (notification, url) => state.outbox.deliver(notification, url),
    rewriteReply: edits.rewriteReply,
    alterSignedReply: edits.alterSignedReply,
  };
  const fetch = unionpaySandboxFetch((path, body, base) =>
    handleUnionpaySandboxRequest(state, hooks, path, body, base),
  );

  const sandbox: UnionpaySandbox = {
    wallet: 'unionpay',
    rootCert: state.chain.root.pem,
    middleCert: state.chain.middle.pem,
    baseUrl: UNIONPAY_SANDBOX_GATEWAY,
    fetch,
    hostile: createUnionpaySandboxHostileHooks(state, edits.tamperNextReply),

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

    addSubMerchant: (merchant) => addUnionpaySandboxSubMerchant(state, merchant),

    statementArchive: (settleDate, merId = state.merId) => unionpaySandboxStatement(state, merId, settleDate),

    open: (action) => openUnionpaySandboxAction(state, action),

    pay: (orderId, payOptions) => payUnionpaySandbox(state, orderId, payOptions),

    fail: (orderId) => sandbox.pay(orderId, { fail: true }),

    expire: (orderId) => endUnionpaySandboxConsume(state, orderId, 'expired'),

    close: (orderId) => endUnionpaySandboxConsume(state, orderId, 'closed'),

    frontReturn: (orderId, returnOptions) => unionpaySandboxFrontReturn(state, orderId, returnOptions),

    settleRefund: (orderId, refundId, settle) => settleUnionpaySandboxRefund(state, orderId, refundId, settle),

    rewriteReplies: edits.rewriteReplies,

    deliver: state.outbox.deliver,

    trade: (orderId) => state.transactions.get(orderId),
  };
  return sandbox;
}
