/**
 * What the Alipay sandbox holds: its key pair and the app's public key, the trades and their
 * refunds, the auth codes its OAuth page issued, and the edits queued for its next replies; with
 * the few rules every route shares (a request's signature check, how a trade is created or found:
 * `alipay-sandbox-requests.ts`, `alipay-sandbox-trades.ts`, `alipay-sandbox-merchants.ts`).
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { loadRsaPublicKey } from '@hutong/core/provider-utils';
import { createSandboxOutbox, type SandboxReplyTampering } from '@hutong/core/testing';
import type { SandboxNode } from './alipay-sandbox-failures.js';
import { alipaySandboxTradeNo, sandboxBuyerId } from './alipay-sandbox-ids.js';
import { addAlipaySandboxMerchant, issueAlipaySandboxAppToken } from './alipay-sandbox-merchants.js';
import type { AlipaySandboxRoyaltyReturn } from './alipay-sandbox-refund-royalty.js';
import { alipaySandboxOwnerOf, checkAlipaySandboxSignature } from './alipay-sandbox-requests.js';
import {
  alipaySandboxRefunded,
  createAlipaySandboxTrade,
  findAlipaySandboxTradeNo,
  requireAlipaySandboxTrade,
  requireAlipaySandboxTradeNo,
} from './alipay-sandbox-trades.js';

export { failure, NOT_EXIST, refusal, type SandboxNode } from './alipay-sandbox-failures.js';

/** Options of `createAlipaySandbox`. */
export interface AlipaySandboxOptions {
  /** The app id the sandbox serves. */
  appId: string;
  /** The app's public key (PEM or base64): requests are checked with it, as Alipay does. */
  appPublicKey: string;
  /** The seller (merchant) user id put in notifications. Default `2088000000000001`. */
  sellerId?: string | undefined;
  /** The sandbox clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /**
   * Which id the fake OAuth's `alipay.system.oauth.token` returns: `user_id` (`2088...`, the
   * default) or `open_id`, as for apps on Alipay's open-id scheme.
   */
  idScheme?: 'user_id' | 'open_id' | undefined;
  /** What the payer of transfers holds, in fen (the app's own account and each merchant's). Default 10 000 000. */
  transferBalance?: number | undefined;
  /**
   * The app's gateway (应用网关), where Alipay posts its messages (`alipay.trade.order.settle.notify`,
   * `alipay.fund.trans.order.changed`) when a request named no `notify_url`.
   */
  messageUrl?: string | undefined;
}

/**
 * A merchant that can authorise the app (service-provider mode).
 *
 * @example
 * ```ts
 * const { authAppId, userId } = sandbox.addMerchant({ name: '老王煎饼' });
 * ```
 */
export interface AlipaySandboxMerchant {
  /** The merchant's app id: `auth_app_id`, the `MerchantAccount.accountId`. */
  authAppId: string;
  /** The merchant's user id (`2088...`), the seller of its trades. */
  userId: string;
  name: string;
}

/** An `app_auth_token` the sandbox issued. */
export interface AlipaySandboxAppToken {
  authAppId: string;
  refreshToken: string;
  /** ms since the epoch. */
  expiresAt: number;
  refreshExpiresAt: number;
  revoked: boolean;
  /** When a refresh replaced it: it stays usable for 10 minutes, as Alipay's do. */
  replacedAt: number | undefined;
}

/** A settlement (分账) the sandbox holds, by trade and `out_request_no`. */
export interface AlipaySandboxSettlement {
  outRequestNo: string;
  tradeNo: string;
  outTradeNo: string;
  settleNo: string;
  owner: string | undefined;
  /** The request's receivers, to tell a repeat from a different request. */
  fingerprint: string;
  details: {
    transIn: string;
    transInType: string;
    amount: number;
    state: 'SUCCESS' | 'FAIL' | 'PROCESSING';
    detailId: string;
    errorCode?: string | undefined;
    errorDesc?: string | undefined;
  }[];
  notifyUrl: string | undefined;
  operatedAt: Date;
}

/** A transfer (转账) the sandbox holds, by payer and `out_biz_no`. */
export interface AlipaySandboxTransfer {
  outBizNo: string;
  orderId: string;
  payFundOrderId: string;
  owner: string | undefined;
  amount: number;
  status: 'SUCCESS' | 'DEALING' | 'FAIL';
  fingerprint: string;
  failReason: string | undefined;
  notifyUrl: string | undefined;
  paidAt: Date | undefined;
}

/** A trade as the sandbox keeps it. */
export interface AlipaySandboxTrade {
  outTradeNo: string;
  tradeNo: string;
  amount: number;
  subject: string;
  status: 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_CLOSED' | 'TRADE_FINISHED';
  notifyUrl: string | undefined;
  /** Where the cashier sends the buyer after paying (`return_url`). */
  returnUrl: string | undefined;
  buyerId: string;
  paidAt: Date | undefined;
  /** Refunds by `out_request_no`, in fen. */
  refunds: Map<string, number>;
  /** The business parameters the trade was created with (a repeat must carry the same). */
  bizContent: string;
  /** The authorising merchant's app id whose trade this is (service-provider mode), or `undefined`: the app's own. */
  owner?: string | undefined;
  /** Created with `extend_params.royalty_freeze`: held for settlement. */
  royaltyFreeze?: boolean | undefined;
  /** A settlement with `royalty_finish` ended its settling. */
  royaltyFinished?: boolean | undefined;
  /** The `product_code` the trade was created with (`FACE_TO_FACE_PAYMENT`, `QUICK_WAP_WAY`, ...). */
  productCode?: string | undefined;
  /** Royalty given back within refunds (`refund_royalty_parameters`), by `out_request_no`. */
  royaltyReturns?: Map<string, AlipaySandboxRoyaltyReturn[]> | undefined;
}

/** How a hostile test alters the next reply (see `hostile.tamperNextReply`): core's `SandboxReplyTampering`. */
export type AlipayReplyTamper = SandboxReplyTampering;

/** The state of one sandbox, shared by its routes, its signed messages and its hooks. */
export type AlipaySandboxState = ReturnType<typeof createAlipaySandboxState>;

/**
 * Creates the state of one sandbox: a fresh key pair, no trades.
 *
 * @example
 * ```ts
 * const state = createAlipaySandboxState({ appId, appPublicKey });
 * ```
 */
export function createAlipaySandboxState(options: AlipaySandboxOptions) {
  const appKey: KeyObject = loadRsaPublicKey(options.appPublicKey, 'options.appPublicKey');
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const idScheme = options.idScheme ?? 'user_id';
  const now = options.now ?? (() => new Date());
  const trades = new Map<string, AlipaySandboxTrade>();
  let sequence = 0;
  const newTradeNo = () => alipaySandboxTradeNo(now(), ++sequence);
  const merchants = new Map<string, AlipaySandboxMerchant>();
  const appTokens = new Map<string, AlipaySandboxAppToken>();

  /**
   * The merchant a request acts for: `undefined` without `app_auth_token`, its `auth_app_id` for a
   * live token, or Alipay's refusal of an unknown, revoked, replaced (over 10 minutes ago) or
   * expired token.
   */
  const ownerOf = (params: Record<string, string>) => alipaySandboxOwnerOf({ appTokens, now }, params);

  return {
    appId: options.appId,
    sellerId: options.sellerId ?? '2088000000000001',
    now,
    idScheme,
    /** The sandbox buyer's id, what its OAuth returns. */
    buyerId: sandboxBuyerId(idScheme),
    /** The key the sandbox signs as Alipay with. */
    privateKey,
    /** The app's public key, which requests are checked with. */
    appKey,
    alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    trades,
    /** Edits of the next reply to a method (`alterNextReply`). */
    edits: new Map<string, (node: SandboxNode) => SandboxNode>(),
    /** Alterations queued for the next replies (`hostile.tamperNextReply`), oldest first. */
    tampers: [] as AlipayReplyTamper[],
    /** Auth codes the OAuth page issued, and when; each exchanges once. */
    authCodes: new Map<string, { issuedAt: number; used: boolean }>(),
    outbox: createSandboxOutbox('alipay'),
    /** Alipay's checks of a signed request: the app, then its RSA2 signature; `undefined` when it passes. */
    checkSignature: (params: Record<string, string>) =>
      checkAlipaySandboxSignature({ appId: options.appId, appKey, ownerOf }, params),
    /** A new trade, or the unpaid one with the same `out_trade_no` and business parameters. */
    createTrade: (biz: SandboxNode, params: Record<string, string>) =>
      createAlipaySandboxTrade({ trades, ownerOf, newTradeNo }, biz, params),
    ownerOf,
    /** Merchants that can authorise the app, by `auth_app_id`. */
    merchants,
    /** `app_auth_token`s issued, by token. */
    appTokens,
    /** App authorisation codes the authorisation page issued (good once, for 24 hours). */
    appAuthCodes: new Map<string, { authAppId: string; issuedAt: number; used: boolean }>(),
    /** Royalty receivers bound, by payer (`''` for the app's own account). */
    relations: new Map<string, Map<string, { type: string; account: string; memo: string | undefined }>>(),
    /** Settlements by `<trade_no> <out_request_no>`. */
    settlements: new Map<string, AlipaySandboxSettlement>(),
    /** Transfers by `<payer> <out_biz_no>`. */
    transfers: new Map<string, AlipaySandboxTransfer>(),
    /** What each payer holds for transfers, in fen (`''` the app's own account). */
    balances: new Map<string, number>(),
    defaultBalance: options.transferBalance ?? 10_000_000,
    messageUrl: options.messageUrl,
    /** Whether settlements and transfers are held (`PROCESSING` / `DEALING`) for the test to finish. */
    hold: { settlements: false, transfers: false },
    /** Payer key of an owner. */
    payerKey: (owner: string | undefined) => owner ?? '',
    /** A new merchant. */
    addMerchant: (name?: string) => addAlipaySandboxMerchant(merchants, name),
    /** A fresh token pair for a merchant. */
    issueAppToken: (authAppId: string) => issueAlipaySandboxAppToken({ appTokens, now }, authAppId),
    /** What the trade's refunds add up to, in fen. */
    refunded: alipaySandboxRefunded,
    markPaid(trade: AlipaySandboxTrade): void {
      trade.status = 'TRADE_SUCCESS';
      trade.paidAt = now();
    },
    requireTrade: (orderId: string) => requireAlipaySandboxTrade(trades, orderId),
    /** The trade the gateway created under Alipay trade number `tradeNo` (a scanned QR, a JSAPI `tradeNO`). */
    findTradeNo: (tradeNo: string) => findAlipaySandboxTradeNo(trades, tradeNo),
    requireTradeNo: (tradeNo: string, field: string) => requireAlipaySandboxTradeNo(trades, tradeNo, field),
  };
}
