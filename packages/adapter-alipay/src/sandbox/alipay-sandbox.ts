/**
 * A local fake of the Alipay gateway, faithful to the protocol: it holds its own key pair, checks
 * every request's RSA2 signature with the app's public key (a bad one gets Alipay's own
 * `isv.invalid-signature` reply), keeps trades and refunds, answers every method hutong uses with
 * signed responses, and lets a test or demo act as the buyer (and as an attacker) and post signed
 * notifications. This file wires the parts: the state (`alipay-sandbox-state.ts`), the signed
 * messages (`alipay-sandbox-messages.ts`), the gateway and browser routes
 * (`alipay-sandbox-routes-*.ts`) and the hostile hooks (`alipay-sandbox-hostile.ts`).
 *
 * @packageDocumentation
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeAlipayForm, formatAlipayTime } from '@hutong/adapter-alipay/protocol';
import { formatYuan, type NotificationInput, UnsupportedOperationError, ValidationError } from '@hutong/core';
import {
  createTestIdentity,
  type DistinguishedName,
  issueTestCertificate,
  serveSandbox,
  type WalletSandbox,
  type WalletSandboxServer,
} from '@hutong/core/testing';
import { type AlipaySandboxHostileHooks, createAlipaySandboxHostileHooks } from './alipay-sandbox-hostile.js';
import { signedMessage, signedNotification } from './alipay-sandbox-messages.js';
import { answerBrowserRequest, appAuthRedirect } from './alipay-sandbox-routes-browser.js';
import { answerGatewayRequest } from './alipay-sandbox-routes-gateway.js';
import { settlementNode, transferNode } from './alipay-sandbox-routes-isv.js';
import { serveAlipayBillFile } from './alipay-sandbox-routes-statements.js';
import {
  type AlipaySandboxMerchant,
  type AlipaySandboxOptions,
  type AlipaySandboxTrade,
  createAlipaySandboxState,
  refusal,
  type SandboxNode,
} from './alipay-sandbox-state.js';

export type { AlipaySandboxHostileHooks } from './alipay-sandbox-hostile.js';
export {
  ALIPAY_SANDBOX_APP_AUTH_PATH,
  ALIPAY_SANDBOX_BRIDGE_PATH,
  ALIPAY_SANDBOX_BRIDGE_PAY_PATH,
} from './alipay-sandbox-routes-browser.js';
export type {
  AlipayReplyTamper,
  AlipaySandboxMerchant,
  AlipaySandboxOptions,
  AlipaySandboxTrade,
} from './alipay-sandbox-state.js';

/**
 * The Alipay sandbox: a {@link WalletSandbox} (`baseUrl` is the gateway URL, `.../gateway.do`) with
 * Alipay's extras and hostile hooks. Its host also serves what the buyer's browser sees: the cashier a `page` or `h5`
 * form opens (a page with a pay button that notifies the merchant and returns to `return_url`),
 * Alipay's silent OAuth page (`/oauth2/publicAppAuthorize.htm`, straight back with an
 * `auth_code`, which `alipay.system.oauth.token` exchanges) and a fake `AlipayJSBridge` at
 * {@link ALIPAY_SANDBOX_BRIDGE_PATH} whose `tradePay` pays a JSAPI trade. Over HTTP
 * (`listen()`) a browser reaches them.
 */
export interface AlipaySandbox extends WalletSandbox<AlipaySandboxTrade> {
  readonly wallet: 'alipay';
  /** The sandbox buyer's id, what its OAuth returns: a `2088...` user id, or an open id (`idScheme: 'open_id'`). */
  readonly buyerId: string;
  /** The sandbox's public key (PEM): pass it as `alipayPublicKey`. */
  readonly alipayPublicKey: string;
  /** The seller (merchant) user id the notifications carry: pass it as `sellerId`. */
  readonly sellerId: string;
  /**
   * The buyer opens what the merchant's front end was given: a `form` or `redirect` (page and wap
   * payments) or `app` order string is signature-checked, as Alipay's cashier does, and creates the
   * trade; a `qr` code or `jsapi` trade number must name a trade the gateway created.
   */
  open: WalletSandbox['open'];
  /**
   * The buyer pays; returns the signed `TRADE_SUCCESS` notification. `amount` reports another
   * amount; `currency` a payment priced in another currency (`trans_currency`).
   */
  pay: WalletSandbox['pay'];
  /** The trade times out unpaid; returns the signed `TRADE_CLOSED` notification. */
  expire(orderId: string): NotificationInput;
  /**
   * The payment fails at Alipay. Alipay has no failed state: an unpaid trade that cannot be paid
   * ends closed (`TRADE_CLOSED`), which queries then show; returns the signed `TRADE_CLOSED`
   * notification Alipay posts. A paid trade cannot fail (`ValidationError`).
   */
  fail(orderId: string): NotificationInput;
  /**
   * Alipay closes the unpaid trade (as on its timeout or in the merchant console): queries show
   * `TRADE_CLOSED`; returns the signed `TRADE_CLOSED` notification. A paid trade cannot be closed
   * this way (`ValidationError`).
   */
  close(orderId: string): NotificationInput;
  /** Forged, foreign and tampered messages, for tests that an adapter refuses them. */
  readonly hostile: AlipaySandboxHostileHooks;
  /**
   * The signed notification Alipay posts after a refund (`out_biz_no`, cumulative `refund_fee`).
   * Alipay refunds synchronously and never notifies a failed refund: `fail: true` throws
   * `UnsupportedOperationError`.
   */
  settleRefund: WalletSandbox['settleRefund'];
  /**
   * Edits the next reply to `method` before it is signed, as a faulty gateway would answer (a
   * field missing, a status Alipay never documented): the reply still verifies.
   *
   * @example
   * ```ts
   * sandbox.alterNextReply('alipay.trade.precreate', ({ qr_code, ...node }) => node);
   * ```
   */
  alterNextReply(method: string, edit: (node: Record<string, unknown>) => Record<string, unknown>): void;
  /**
   * Certificate mode (公钥证书模式), which Alipay requires for fund transfers: certificates the
   * sandbox issues under a test root for the app's public key (`appCert`) and for its own signing
   * key (`alipayPublicCert`), with the root (`alipayRootCert`); pass all three to `alipay()`
   * instead of `alipayPublicKey`. Made on the first call.
   */
  certificates(): { appCert: string; alipayPublicCert: string; alipayRootCert: string };
  /**
   * Service providers: a merchant that can authorise the app, with its app id (`authAppId`, the
   * `auth_app_id` of its notifications) and user id (the seller of its trades).
   */
  addMerchant(options?: { name?: string | undefined }): AlipaySandboxMerchant;
  /**
   * The merchant authorises the app on the app-to-app page (`/oauth2/appToAppAuth.htm`, which a
   * browser can use too): returns the callback URL Alipay sends the browser to, with `app_id`,
   * `source=alipay_app_auth`, a fresh `app_auth_code` and `state`.
   */
  authorizeMerchant(authAppId: string, redirectUri: string, state?: string): string;
  /** The merchant's tokens expire now: calls with them get `aop.app-auth-token-time-out`. */
  expireMerchantTokens(authAppId: string): void;
  /**
   * The merchant cancels the authorisation: calls with its tokens get `aop.invalid-app-auth-token`,
   * and its refresh tokens are refused.
   */
  revokeMerchantTokens(authAppId: string): void;
  /** What the payer of transfers holds, in fen: the app's own account, or `authAppId`'s. */
  setTransferBalance(amount: number, authAppId?: string): void;
  /**
   * Holds new settlements (`PROCESSING`) and transfers (`DEALING`) until {@link finishSettlement} /
   * {@link finishTransfer}; by default both settle at once.
   */
  holdMoneyMovement(hold: { settlements?: boolean | undefined; transfers?: boolean | undefined }): void;
  /**
   * Finishes a held settlement (each receiver succeeds, or fails when its account is in `fail`)
   * and returns the signed `alipay.trade.order.settle.notify` message. A settlement already
   * finished is reported as it stands; failing a receiver already settled is a `ValidationError`.
   */
  finishSettlement(
    orderId: string,
    splitId: string,
    options?: { fail?: readonly string[] | undefined },
  ): NotificationInput;
  /**
   * Finishes a held transfer (`SUCCESS`, or `FAIL` with `fail` as the reason: a transfer that
   * fails later, its amount back to the payer) and returns the signed
   * `alipay.fund.trans.order.changed` message.
   */
  finishTransfer(
    transferId: string,
    options?: { fail?: string | undefined; authAppId?: string | undefined },
  ): NotificationInput;
}

/** The sandbox's certificate authority, named as Alipay's. */
const ROOT_DN: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Ant Financial'],
  ['OU', 'Certification Authority'],
  ['CN', 'Ant Financial Certification Authority R1 (hutong sandbox)'],
];
const LEAF_DN: DistinguishedName = [
  ['C', 'CN'],
  ['O', 'Ant Financial'],
  ['OU', 'Alipay Sandbox'],
];

/** The sandbox's in-process gateway address (never resolved: requests go to the in-process fetch). */
export const ALIPAY_SANDBOX_GATEWAY = 'https://alipay.sandbox.hutong.invalid/gateway.do';

/** The gateway's path: the API answers there only. */
const GATEWAY_PATH = new URL(ALIPAY_SANDBOX_GATEWAY).pathname;

/**
 * Creates an Alipay sandbox.
 *
 * @example
 * ```ts
 * const sandbox = createAlipaySandbox({ appId, appPublicKey });
 * const provider = alipay({ appId, privateKey, alipayPublicKey: sandbox.alipayPublicKey,
 *   sellerId: sandbox.sellerId, endpoint: sandbox.baseUrl, fetch: sandbox.fetch });
 * ```
 */
export function createAlipaySandbox(options: AlipaySandboxOptions): AlipaySandbox {
  const state = createAlipaySandboxState(options);
  let certificates: ReturnType<AlipaySandbox['certificates']> | undefined;

  /** The buyer pays a trade in the cashier or the bridge: notify the merchant first, as Alipay does. */
  async function payAndNotify(trade: AlipaySandboxTrade): Promise<void> {
    const notification = sandbox.pay(trade.outTradeNo);
    if (trade.notifyUrl !== undefined) await state.outbox.deliver(notification).catch(() => undefined);
  }

  /** Every request: the buyer's browser (cashier, OAuth page, bridge) first, then the gateway API. */
  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const page =
      (await answerBrowserRequest(state, request.method, url, body, payAndNotify)) ??
      serveAlipayBillFile(state, request.method, url);
    if (page) return page;
    // Only the gateway answers API calls; any other path is not Alipay's (404), as the real host does.
    if (url.pathname !== GATEWAY_PATH) {
      return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }
    return new Response(answerGatewayRequest(state, request.url, body), {
      status: 200,
      headers: { 'content-type': 'application/json;charset=utf-8' },
    });
  }

  /** Closes an unpaid trade (`fail`, `close`); a paid one cannot end that way. */
  function closeUnpaid(orderId: string, what: string): NotificationInput {
    const trade = state.requireTrade(orderId);
    if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') {
      throw new ValidationError('orderId', `${orderId} is paid at the Alipay sandbox: it cannot ${what}`);
    }
    trade.status = 'TRADE_CLOSED';
    return signedNotification(state, trade);
  }

  const sandbox: AlipaySandbox = {
    wallet: 'alipay',
    buyerId: state.buyerId,
    alipayPublicKey: state.alipayPublicKey,
    baseUrl: ALIPAY_SANDBOX_GATEWAY,
    sellerId: state.sellerId,
    fetch: async (input, init) => serve(new Request(input, init)),

    async listen(port = 0): Promise<WalletSandboxServer> {
      // Core's Node bridge: the request URL is built from the server's own origin, malformed
      // requests are answered 4xx, and a failing handler never brings the process down.
      const server = await serveSandbox(serve, { port });
      return { baseUrl: `${server.baseUrl}/gateway.do`, close: server.close };
    },

    open(action) {
      let params: Record<string, string>;
      if (action.type === 'qr') {
        const prefix = 'https://qr.alipay.com/sandbox';
        if (!action.content.startsWith(prefix))
          throw new ValidationError('action.content', 'is not a QR code of the Alipay sandbox');
        state.requireTradeNo(action.content.slice(prefix.length), 'action.content');
        return;
      }
      if (action.type === 'jsapi') {
        state.requireTradeNo(String((action.params as Record<string, unknown>).tradeNO ?? ''), 'action.params.tradeNO');
        return;
      }
      if (action.type === 'form') params = { ...action.fields };
      else if (action.type === 'redirect') params = decodeAlipayForm(new URL(action.url).search.slice(1));
      else if (action.type === 'app' && typeof action.payload === 'string') params = decodeAlipayForm(action.payload);
      else throw new ValidationError('action.type', `the Alipay sandbox's cashier cannot open a ${action.type} action`);
      const refused = state.checkSignature(params);
      if (refused) throw refusal(refused);
      let biz: SandboxNode;
      try {
        biz = JSON.parse(params.biz_content ?? '{}') as SandboxNode;
      } catch (cause) {
        throw new ValidationError('biz_content', 'is not JSON', { cause });
      }
      const result = state.createTrade(biz, params);
      if ('error' in result) throw refusal(result.error);
    },

    pay(orderId, payOptions = {}) {
      const trade = state.requireTrade(orderId);
      if (trade.status === 'WAIT_BUYER_PAY') state.markPaid(trade);
      const extra: Record<string, string> = {};
      if (payOptions.currency !== undefined) extra.trans_currency = payOptions.currency;
      if (payOptions.amount !== undefined) {
        const paid = formatYuan(payOptions.amount);
        Object.assign(extra, {
          total_amount: paid,
          receipt_amount: paid,
          buyer_pay_amount: paid,
          invoice_amount: paid,
        });
      }
      return signedNotification(state, trade, extra);
    },

    expire(orderId) {
      const trade = state.requireTrade(orderId);
      if (trade.status === 'WAIT_BUYER_PAY') trade.status = 'TRADE_CLOSED';
      return signedNotification(state, trade);
    },

    fail: (orderId) => closeUnpaid(orderId, 'fail'),

    close: (orderId) => closeUnpaid(orderId, 'be closed'),

    settleRefund(orderId, refundId, settle = {}) {
      const trade = state.requireTrade(orderId);
      if (settle.fail) throw new UnsupportedOperationError('alipay', 'a failed refund notification');
      if (!trade.refunds.has(refundId))
        throw new ValidationError('refundId', `the Alipay sandbox has no refund ${refundId} of ${orderId}`);
      return signedNotification(state, trade, {
        out_biz_no: refundId,
        refund_fee: formatYuan(state.refunded(trade)),
        gmt_refund: formatAlipayTime(state.now()),
      });
    },

    deliver: state.outbox.deliver,

    trade: (orderId) => state.trades.get(orderId),

    alterNextReply(method, edit) {
      state.edits.set(method, edit);
    },

    hostile: createAlipaySandboxHostileHooks(state),

    certificates() {
      if (!certificates) {
        const notBefore = new Date(state.now().getTime() - 86_400_000);
        const notAfter = new Date(state.now().getTime() + 10 * 365 * 86_400_000);
        const root = createTestIdentity({ subject: ROOT_DN, isCA: true, notBefore, notAfter });
        const issuer = { subject: ROOT_DN, privateKey: root.privateKey };
        const issue = (publicKey: KeyObject, cn: string) =>
          issueTestCertificate({ subject: [...LEAF_DN, ['CN', cn]], publicKey, issuer, notBefore, notAfter }).pem;
        certificates = {
          appCert: issue(state.appKey, options.appId),
          alipayPublicCert: issue(createPublicKey(state.alipayPublicKey), '支付宝(中国)网络技术有限公司'),
          alipayRootCert: root.pem,
        };
      }
      return certificates;
    },

    addMerchant: (merchantOptions = {}) => state.addMerchant(merchantOptions.name),

    authorizeMerchant(authAppId, redirectUri, stateParam) {
      if (!state.merchants.has(authAppId))
        throw new ValidationError('authAppId', `is not a merchant of the Alipay sandbox (${authAppId})`);
      return appAuthRedirect(state, authAppId, redirectUri, stateParam);
    },

    expireMerchantTokens(authAppId) {
      const at = state.now().getTime();
      for (const issued of state.appTokens.values()) if (issued.authAppId === authAppId) issued.expiresAt = at;
    },

    revokeMerchantTokens(authAppId) {
      for (const issued of state.appTokens.values()) if (issued.authAppId === authAppId) issued.revoked = true;
    },

    setTransferBalance(amount, authAppId) {
      state.balances.set(state.payerKey(authAppId), amount);
    },

    holdMoneyMovement(hold) {
      if (hold.settlements !== undefined) state.hold.settlements = hold.settlements;
      if (hold.transfers !== undefined) state.hold.transfers = hold.transfers;
    },

    finishSettlement(orderId, splitId, finish = {}) {
      const trade = state.requireTrade(orderId);
      const key = `${trade.tradeNo} ${splitId}`;
      const settlement = state.settlements.get(key);
      if (!settlement)
        throw new ValidationError('splitId', `the Alipay sandbox has no settlement ${splitId} of ${orderId}`);
      for (const detail of settlement.details) {
        if (detail.state !== 'PROCESSING') {
          if (finish.fail?.includes(detail.transIn)) {
            throw new ValidationError(
              'fail',
              `${detail.transIn} is ${detail.state} in settlement ${splitId} at the Alipay sandbox: it cannot fail now`,
            );
          }
          continue;
        }
        if (finish.fail?.includes(detail.transIn)) {
          detail.state = 'FAIL';
          detail.errorCode = 'TXN_RESULT_ACCOUNT_STATUS_NOT_VALID';
          detail.errorDesc = '分账收款方账户状态异常';
        } else detail.state = 'SUCCESS';
      }
      settlement.operatedAt = state.now();
      const { settle_no, out_request_no, operation_dt, royalty_detail_list } = settlementNode(state, key);
      return signedMessage(
        state,
        'alipay.trade.order.settle.notify',
        { out_request_no, trade_no: trade.tradeNo, settle_no, operation_dt, royalty_detail_list },
        settlement.owner,
        settlement.notifyUrl ?? state.messageUrl,
      );
    },

    finishTransfer(transferId, finish = {}) {
      const transfer = state.transfers.get(`${state.payerKey(finish.authAppId)} ${transferId}`);
      if (!transfer) throw new ValidationError('transferId', `the Alipay sandbox has no transfer ${transferId}`);
      if (transfer.status === 'DEALING') {
        if (finish.fail !== undefined) {
          transfer.status = 'FAIL';
          transfer.failReason = finish.fail;
          const key = state.payerKey(transfer.owner);
          state.balances.set(key, (state.balances.get(key) ?? state.defaultBalance) + transfer.amount);
        } else {
          transfer.status = 'SUCCESS';
          transfer.paidAt = state.now();
        }
      } else if (finish.fail !== undefined) {
        throw new ValidationError(
          'transferId',
          `${transferId} is ${transfer.status} at the Alipay sandbox: it cannot fail now`,
        );
      }
      const node = transferNode(transfer);
      return signedMessage(
        state,
        'alipay.fund.trans.order.changed',
        {
          ...node,
          // The message reports the amount whatever the state (a failed transfer's too).
          trans_amount: formatYuan(transfer.amount),
          biz_scene: 'DIRECT_TRANSFER',
          product_code: 'TRANS_ACCOUNT_NO_PWD',
          origin_interface: 'alipay.fund.trans.uni.transfer',
        },
        transfer.owner,
        transfer.notifyUrl ?? state.messageUrl,
      );
    },
  };
  return sandbox;
}
