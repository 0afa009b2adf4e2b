/**
 * A local fake of the Alipay gateway, faithful to the protocol: it holds its own key pair, checks
 * every request's RSA2 signature with the app's public key (a bad one gets Alipay's own
 * `isv.invalid-signature` reply), keeps trades and refunds, answers every method hutong uses with
 * signed responses, and lets a test or demo act as the buyer (and as an attacker) and post signed
 * notifications. This file wires the parts: the state (`alipay-sandbox-state.ts`), the signed
 * messages (`alipay-sandbox-messages.ts`), the requests served (`alipay-sandbox-fetch.ts`) by the
 * gateway and browser routes (`alipay-sandbox-routes-*.ts`), the buyer's and Alipay's events
 * (`alipay-sandbox-events.ts`), merchants' authorisations (`alipay-sandbox-authorization.ts`),
 * money movement (`alipay-sandbox-movement.ts`), certificate mode
 * (`alipay-sandbox-certificates.ts`) and the hostile hooks (`alipay-sandbox-hostile.ts`).
 *
 * @packageDocumentation
 */
import type { NotificationInput } from '@hutong/core';
import { serveSandbox, type WalletSandbox, type WalletSandboxServer } from '@hutong/core/testing';
import {
  authorizeAlipaySandboxMerchant,
  expireAlipaySandboxMerchantTokens,
  revokeAlipaySandboxMerchantTokens,
} from './alipay-sandbox-authorization.js';
import { issueAlipaySandboxCertificates } from './alipay-sandbox-certificates.js';
import {
  closeUnpaidAlipaySandboxTrade,
  expireAlipaySandboxTrade,
  openAlipaySandboxAction,
  payAlipaySandbox,
  settleAlipaySandboxRefund,
} from './alipay-sandbox-events.js';
import { serveAlipaySandboxRequest } from './alipay-sandbox-fetch.js';
import { type AlipaySandboxHostileHooks, createAlipaySandboxHostileHooks } from './alipay-sandbox-hostile.js';
import {
  finishAlipaySandboxSettlement,
  finishAlipaySandboxTransfer,
  holdAlipaySandboxMovement,
} from './alipay-sandbox-movement.js';
import {
  type AlipaySandboxMerchant,
  type AlipaySandboxOptions,
  type AlipaySandboxTrade,
  createAlipaySandboxState,
} from './alipay-sandbox-state.js';

export type { AlipaySandboxHostileHooks } from './alipay-sandbox-hostile.js';
export type { AlipaySandboxRoyaltyReturn } from './alipay-sandbox-refund-royalty.js';
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
  const serve = (request: Request) => serveAlipaySandboxRequest(state, GATEWAY_PATH, payAndNotify, request);

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
    open: (action) => openAlipaySandboxAction(state, action),
    pay: (orderId, payOptions) => payAlipaySandbox(state, orderId, payOptions),
    expire: (orderId) => expireAlipaySandboxTrade(state, orderId),
    fail: (orderId) => closeUnpaidAlipaySandboxTrade(state, orderId, 'fail'),
    close: (orderId) => closeUnpaidAlipaySandboxTrade(state, orderId, 'be closed'),
    settleRefund: (orderId, refundId, settle) => settleAlipaySandboxRefund(state, orderId, refundId, settle),
    deliver: state.outbox.deliver,
    trade: (orderId) => state.trades.get(orderId),
    alterNextReply(method, edit) {
      state.edits.set(method, edit);
    },
    hostile: createAlipaySandboxHostileHooks(state),
    certificates() {
      certificates ??= issueAlipaySandboxCertificates(state, options.appId);
      return certificates;
    },
    addMerchant: (merchantOptions = {}) => state.addMerchant(merchantOptions.name),
    authorizeMerchant: (authAppId, redirectUri, stateParam) =>
      authorizeAlipaySandboxMerchant(state, authAppId, redirectUri, stateParam),
    expireMerchantTokens: (authAppId) => expireAlipaySandboxMerchantTokens(state, authAppId),
    revokeMerchantTokens: (authAppId) => revokeAlipaySandboxMerchantTokens(state, authAppId),
    setTransferBalance(amount, authAppId) {
      state.balances.set(state.payerKey(authAppId), amount);
    },
    holdMoneyMovement: (hold) => holdAlipaySandboxMovement(state, hold),
    finishSettlement: (orderId, splitId, finish) => finishAlipaySandboxSettlement(state, orderId, splitId, finish),
    finishTransfer: (transferId, finish) => finishAlipaySandboxTransfer(state, transferId, finish),
  };
  return sandbox;
}
