/**
 * The WeChat Pay APIv3 sandbox WeChat never shipped: a local server that checks each request's
 * `Authorization` signature against the merchant's public key (a bad one gets WeChat's own 401
 * `SIGN_ERROR`), keeps transactions and refunds, signs every reply with its platform key (naming it
 * by `PUB_KEY_ID_...` in public-key mode or by certificate serial in certificate mode), serves
 * `/v3/certificates` encrypted with the APIv3 key, and posts encrypted, signed notifications.
 *
 * This file is the factory and its wiring; the parts are in their own files: the memory
 * (`-state`), the keys (`-keys`), the APIv3 routes (`-routes*`), the notifications
 * (`-notifications`), the wallet's events (`-events`), the buyer's client (`-buyer`), the hostile
 * hooks (`-hostile`) and WeChat's OAuth (`-oauth`).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { certificateSerial } from '@hutong/adapter-wechatpay/protocol';
import type { NotificationInput } from '@hutong/core';
import { createSandboxOutbox, serveSandbox, type WalletSandbox } from '@hutong/core/testing';
import { createWechatpaySandboxBuyer } from './wechatpay-sandbox-buyer.js';
import { createWechatpaySandboxEvents } from './wechatpay-sandbox-events.js';
import { createWechatpaySandboxHostile, type WechatpaySandboxHostileHooks } from './wechatpay-sandbox-hostile.js';
import { createWechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import {
  createWechatpaySandboxMovement,
  type WechatpaySandboxSplit,
  type WechatpaySandboxTransfer,
} from './wechatpay-sandbox-movement.js';
import { createWechatpaySandboxNotifier } from './wechatpay-sandbox-notifications.js';
import {
  createWechatOAuthServer,
  WECHATPAY_SANDBOX_BRIDGE_PATH,
  WECHATPAY_SANDBOX_BRIDGE_PAY_PATH,
  wechatBridgeScript,
} from './wechatpay-sandbox-oauth.js';
import { createWechatpaySandboxRoutes } from './wechatpay-sandbox-routes.js';
import {
  createWechatpaySandboxState,
  type Json,
  type SandboxReply,
  type WechatpaySandboxTransaction,
} from './wechatpay-sandbox-state.js';

export type { WechatpaySandboxHostileHooks } from './wechatpay-sandbox-hostile.js';
export { WECHATPAY_SANDBOX_FOREIGN_MERCHANT } from './wechatpay-sandbox-hostile.js';
export type { WechatpaySandboxSplit, WechatpaySandboxTransfer } from './wechatpay-sandbox-movement.js';
export type { WechatpaySandboxRefund, WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';
export { WECHATPAY_SANDBOX_BRIDGE_PATH, WECHATPAY_SANDBOX_BRIDGE_PAY_PATH };

/**
 * Options of {@link createWechatpaySandbox}.
 *
 * @example
 * ```ts
 * const options: WechatpaySandboxOptions = { mchId: '1230000109', appId: 'wxd678efh567hg6787', apiV3Key, merchantSerialNo, merchantPublicKey, mode: 'certificate' };
 * ```
 */
export interface WechatpaySandboxOptions {
  mchId: string;
  /** The app id bound to the merchant. */
  appId: string;
  /** Further app ids bound to the merchant (official account, mini program, mobile app). */
  appIds?: readonly string[] | undefined;
  /** The APIv3 key (32 bytes): notifications and certificates are encrypted with it. */
  apiV3Key: string;
  /** The serial of the merchant API certificate requests must name. */
  merchantSerialNo: string;
  /** The merchant's public key or API certificate (PEM): request signatures are checked with it. */
  merchantPublicKey: string;
  /** How replies and notifications name the platform key. Default `'public-key'`. */
  mode?: 'public-key' | 'certificate' | undefined;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** The official accounts' AppSecret its fake OAuth checks. Default: a random one, see {@link WechatpaySandbox.appSecret}. */
  appSecret?: string | undefined;
}

/**
 * The WeChat Pay sandbox: a {@link WalletSandbox} (`baseUrl` is the APIv3 base URL) with WeChat Pay's
 * extras. The same base URL serves what a payment inside WeChat's browser needs: WeChat's web OAuth
 * (`/connect/oauth2/authorize` and `/sns/oauth2/access_token`: pass the base URL as
 * `wechatpayOAuth({ endpoint })`) and a fake `WeixinJSBridge` at {@link WECHATPAY_SANDBOX_BRIDGE_PATH}
 * whose `getBrandWCPayRequest` checks `paySign`, pays the transaction and notifies the merchant.
 *
 * @example
 * ```ts
 * const sandbox: WechatpaySandbox = createWechatpaySandbox(options);
 * await payments.handleNotification('wechatpay', sandbox.pay(orderId));
 * ```
 */
export interface WechatpaySandbox extends WalletSandbox<WechatpaySandboxTransaction> {
  readonly wallet: 'wechatpay';
  /** The AppSecret the fake OAuth's code exchange accepts: pass it as `wechatpayOAuth({ appSecret })`. */
  readonly appSecret: string;
  /** The sandbox buyer's openid under `appId` (default: the merchant's `appId`): what the fake OAuth returns. */
  openid(appId?: string): string;
  /** Public-key mode: WeChat Pay's public key (PEM) and its id. */
  readonly wechatpayPublicKey: string;
  readonly wechatpayPublicKeyId: string;
  /** Certificate mode: the current platform certificate (PEM) and serial. */
  readonly platformCertificate: string;
  readonly platformSerial: string;
  /**
   * The buyer opens a next action: a `qr` code (Native) is scanned, a `redirect` (H5) followed, a
   * `jsapi` or `app` payload's `paySign`/`sign` checked with the merchant's key, as WeChat's client
   * does. Each must name a transaction the sandbox created.
   */
  open: WalletSandbox['open'];
  /**
   * The buyer pays; returns the encrypted, signed `TRANSACTION.SUCCESS` notification. `currency`
   * makes the transaction one in another currency (`amount.currency`).
   */
  pay: WalletSandbox['pay'];
  /**
   * A faulty gateway: requests about order or refund `id` are answered, genuinely signed, as if they
   * were about `otherId` (replies for another order or refund).
   */
  answerAs(id: string, otherId: string): void;
  /** Serves `reply` (signed like any reply) to the next request whose path matches, instead of the real answer. */
  serveOnce(path: RegExp, reply: { status?: number | undefined; body: string | Record<string, unknown> }): void;
  /** The buyer entered the password of a payment-code payment (`USERPAYING` → `SUCCESS`). */
  confirmPassword(orderId: string): void;
  /** The transaction times out unpaid; WeChat Pay sends no notification for that: returns `undefined`. */
  expire(orderId: string): undefined;
  /**
   * The payment fails at WeChat Pay (`PAYERROR`, as a payment-code payment the bank refuses);
   * queries show it. WeChat Pay sends no notification for a failed payment: returns `undefined`.
   */
  fail(orderId: string): undefined;
  /** WeChat Pay closes the unpaid transaction (`CLOSED`); queries show it. No notification: returns `undefined`. */
  close(orderId: string): undefined;
  /** What an attacker or a faulty gateway would send; a correct adapter refuses each. */
  readonly hostile: WechatpaySandboxHostileHooks;
  /** Settles a refund; returns its `REFUND.SUCCESS` (`fail`: `REFUND.ABNORMAL`) notification. */
  settleRefund: WalletSandbox['settleRefund'];
  /** A `WECHATPAY/SIGNTEST/` signature probe carrying a paid-looking notification. */
  probe(orderId: string): NotificationInput;
  /** Replaces the platform certificate (certificate mode: tests the adapter's refresh). */
  rotateCertificate(): void;
  /**
   * Partner mode: binds a sub-merchant (特约商户) to the service provider (the sandbox's `mchId`),
   * with its own app id when it has one. Calls for a `sub_mchid` not bound are refused
   * (403 `NO_AUTH`, 受理关系不存在).
   */
  addSubMerchant(subMchId: string, options?: { subAppId?: string | undefined }): void;
  /**
   * Settles a profit-sharing order (`PROCESSING` → `FINISHED`): every receiver paid, or `closed`
   * ones refused (`CLOSED`); returns the `PROFITSHARING.*` notification of each receiver.
   */
  settleSplit(splitId: string, options?: { closed?: readonly string[] | undefined }): NotificationInput[];
  /**
   * The payee confirms a transfer in WeChat (`WAIT_USER_CONFIRM` → `SUCCESS`); its notification.
   * `subMchId` picks a sub-merchant's bill when two share the number.
   */
  confirmTransfer(outBillNo: string, subMchId?: string): NotificationInput;
  /**
   * Partner mode: the sub-merchant accepts the service provider's latest transfer authorisation
   * application (`provider.transfers.authorizeSubMerchant`); until then its transfers are refused
   * (403 `NO_AUTH`).
   */
  acceptTransferAuthorization(subMchId: string): void;
  /** A transfer fails later (`FAIL`, the money back to the balance); its notification. */
  failTransfer(outBillNo: string, reason?: string): NotificationInput;
  /** The payee never confirms: WeChat Pay cancels the bill after 24 hours (`CANCELLED`); its notification. */
  expireTransfer(outBillNo: string): NotificationInput;
  /** Sets the merchant's balance for transfers, in fen (default 10,000,000 yuan); beyond it a transfer is refused `NOT_ENOUGH`. */
  setTransferBalance(fen: number): void;
  /** A profit-sharing order as the sandbox keeps it. */
  splitOrder(splitId: string): WechatpaySandboxSplit | undefined;
  /** A transfer bill as the sandbox keeps it (with the payee name it decrypted); `subMchId` as in `confirmTransfer`. */
  transferBill(outBillNo: string, subMchId?: string): WechatpaySandboxTransfer | undefined;
  /**
   * Decrypts a sensitive field (a receiver's or payee's name) with the current platform private
   * key, as WeChat Pay does: for tests that check what was sent.
   */
  decryptSensitive(ciphertext: string): string;
}

/**
 * The sandbox's in-process base URL (never resolved).
 *
 * @example
 * ```ts
 * wechatpay({ ...options, endpoint: WECHATPAY_SANDBOX_BASE_URL, fetch: sandbox.fetch });
 * ```
 */
export const WECHATPAY_SANDBOX_BASE_URL = 'https://wechatpay.sandbox.hutong.invalid';

/**
 * Creates a WeChat Pay sandbox.
 *
 * @example
 * ```ts
 * const sandbox = createWechatpaySandbox({ mchId, appId, apiV3Key, merchantSerialNo, merchantPublicKey });
 * const provider = wechatpay({ mchId, appId, privateKey, merchantSerialNo, apiV3Key,
 *   wechatpayPublicKey: sandbox.wechatpayPublicKey, wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId,
 *   endpoint: sandbox.baseUrl, fetch: sandbox.fetch });
 * ```
 */
export function createWechatpaySandbox(options: WechatpaySandboxOptions): WechatpaySandbox {
  const now = options.now ?? (() => new Date());
  const apiV3Key = Buffer.from(options.apiV3Key, 'utf8');
  const appIds = new Set([options.appId, ...(options.appIds ?? [])]);
  const keys = createWechatpaySandboxKeys({
    mchId: options.mchId,
    merchantPublicKey: options.merchantPublicKey,
    mode: options.mode ?? 'public-key',
    now,
  });
  const state = createWechatpaySandboxState({ mchId: options.mchId, appIds, now });
  const outbox = createSandboxOutbox('wechatpay');
  const notifier = createWechatpaySandboxNotifier({ state, keys, apiV3Key });
  const movement = createWechatpaySandboxMovement({ state, keys, notifier, addressed: outbox.addressed });
  const routes = createWechatpaySandboxRoutes({
    state,
    keys,
    merchantSerialNo: options.merchantSerialNo,
    appId: options.appId,
    apiV3Key,
    movement,
  });
  const events = createWechatpaySandboxEvents({ state, notifier, addressed: outbox.addressed });
  const buyer = createWechatpaySandboxBuyer({ state, keys, pay: events.pay, deliver: outbox.deliver });
  const hostile = createWechatpaySandboxHostile({
    state,
    notifier,
    apiV3Key,
    tamperNextReply: routes.tamperNextReply,
  });
  const appSecret = options.appSecret ?? randomBytes(16).toString('hex');
  const oauth = createWechatOAuthServer({ appIds, appSecret, now });

  /** Every request: the browser-facing pages first (no APIv3 signature there), then the APIv3. */
  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/connect/oauth2/authorize') return oauth.authorize(url);
    if (request.method === 'GET' && url.pathname === '/sns/oauth2/access_token') return oauth.accessToken(url);
    if (request.method === 'GET' && url.pathname === WECHATPAY_SANDBOX_BRIDGE_PATH) {
      return new Response(wechatBridgeScript(url.origin), {
        headers: {
          'content-type': 'text/javascript; charset=utf-8',
          'access-control-allow-origin': '*',
          'cache-control': 'no-store',
        },
      });
    }
    if (request.method === 'POST' && url.pathname === WECHATPAY_SANDBOX_BRIDGE_PAY_PATH)
      return buyer.bridgePay(request);
    return routes.handle(request.method, request.url, request.headers, await request.text());
  }

  return {
    wallet: 'wechatpay',
    appSecret,
    openid: (appId = options.appId) => oauth.openid(appId),
    wechatpayPublicKey: keys.platform.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    wechatpayPublicKeyId: keys.publicKeyId,
    get platformCertificate() {
      return keys.platform.pem;
    },
    get platformSerial() {
      return certificateSerial(keys.platform.certificate);
    },
    baseUrl: WECHATPAY_SANDBOX_BASE_URL,
    fetch: async (input, init) => serve(new Request(input, init)),
    listen: (port) => serveSandbox(serve, { port }),
    open: buyer.open,
    pay: events.pay,
    confirmPassword: events.confirmPassword,
    expire: events.expire,
    fail: events.fail,
    close: events.close,
    settleRefund: events.settleRefund,
    probe: events.probe,
    hostile,
    rotateCertificate: keys.rotate,
    addSubMerchant(subMchId, sub = {}) {
      state.subMerchants.set(subMchId, { subAppId: sub.subAppId });
    },
    settleSplit: movement.settleSplit,
    confirmTransfer: movement.confirmTransfer,
    acceptTransferAuthorization: movement.acceptTransferAuthorization,
    failTransfer: movement.failTransfer,
    expireTransfer: movement.expireTransfer,
    setTransferBalance(fen) {
      movement.balance = fen;
    },
    splitOrder: (splitId) => [...movement.splits.values()].find((order) => order.outOrderNo === splitId),
    transferBill: movement.transferBill,
    decryptSensitive: movement.decryptSensitive,
    answerAs(id, otherId) {
      state.aliases.set(id, otherId);
    },
    serveOnce(path, reply) {
      state.canned.push({
        path,
        reply: { status: reply.status ?? 200, body: reply.body as Json | string } satisfies SandboxReply,
      });
    },
    deliver: outbox.deliver,
    trade: (orderId) => state.transactions.get(orderId),
  };
}
