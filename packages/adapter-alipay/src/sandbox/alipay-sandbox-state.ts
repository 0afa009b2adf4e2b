/**
 * What the Alipay sandbox holds: its key pair and the app's public key, the trades and their
 * refunds, the auth codes its OAuth page issued, and the edits queued for its next replies; with
 * the few rules every route shares (a request's signature check, how a trade is created or found).
 *
 * @packageDocumentation
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomInt } from 'node:crypto';
import { alipaySigningString, formatAlipayTime, verifyAlipayContent } from '@hutong/adapter-alipay/protocol';
import {
  type NormalizedProviderCode,
  OrderNotFoundError,
  ProviderApiError,
  parseYuan,
  ValidationError,
} from '@hutong/core';
import { loadRsaPublicKey } from '@hutong/core/provider-utils';
import { createSandboxOutbox, type SandboxReplyTampering } from '@hutong/core/testing';

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
}

/** A reply node or request body, as JSON. */
export type SandboxNode = Record<string, unknown>;

/** How a hostile test alters the next reply (see `hostile.tamperNextReply`): core's `SandboxReplyTampering`. */
export type AlipayReplyTamper = SandboxReplyTampering;

/** A gateway failure node. */
export function failure(code: string, msg: string, subCode: string, subMsg: string): SandboxNode {
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

/** `ACQ.TRADE_NOT_EXIST`, Alipay's answer about a trade it has not seen. */
export const NOT_EXIST = failure('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在');

/** A cashier refusal as a hutong error, with Alipay's `sub_code`. */
export function refusal(node: SandboxNode): ProviderApiError {
  const code = String(node.sub_code);
  const normalizedCode: NormalizedProviderCode = code.includes('signature')
    ? 'invalid_signature'
    : code === 'ACQ.TRADE_HAS_SUCCESS'
      ? 'already_paid'
      : code === 'ACQ.TRADE_HAS_CLOSE'
        ? 'closed'
        : 'invalid_request';
  return new ProviderApiError({
    provider: 'alipay',
    providerCode: code,
    providerMessage: String(node.sub_msg),
    normalizedCode,
  });
}

/** The business parameters that bind a trade, in a stable order (payment-code fields aside). */
function canonicalBiz(biz: SandboxNode): string {
  const { auth_code: _authCode, scene: _scene, ...rest } = biz;
  return JSON.stringify(
    Object.keys(rest)
      .sort()
      .map((key) => [key, rest[key]]),
  );
}

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

  const newTradeNo = () =>
    `${formatAlipayTime(now()).replace(/\D/g, '').slice(0, 8)}22001${String(++sequence).padStart(8, '0')}${randomInt(1e6)}`;

  const merchants = new Map<string, AlipaySandboxMerchant>();
  const appTokens = new Map<string, AlipaySandboxAppToken>();

  /**
   * The merchant a request acts for: `undefined` without `app_auth_token`, its `auth_app_id` for a
   * live token, or Alipay's refusal of an unknown, revoked, replaced (over 10 minutes ago) or
   * expired token.
   */
  function ownerOf(params: Record<string, string>): { owner: string | undefined } | { error: SandboxNode } {
    const token = params.app_auth_token;
    if (!token) return { owner: undefined };
    const issued = appTokens.get(token);
    const at = now().getTime();
    if (!issued || issued.revoked || (issued.replacedAt !== undefined && at - issued.replacedAt > 10 * 60_000)) {
      return {
        error: failure('20001', 'Insufficient Token Permissions', 'aop.invalid-app-auth-token', '无效的应用授权令牌'),
      };
    }
    if (issued.expiresAt <= at) {
      return {
        error: failure('20001', 'Insufficient Token Permissions', 'aop.app-auth-token-time-out', '应用授权令牌已过期'),
      };
    }
    return { owner: issued.authAppId };
  }

  /** Alipay's checks of a signed request: the app, then its RSA2 signature; `undefined` when it passes. */
  function checkSignature(params: Record<string, string>): SandboxNode | undefined {
    if (params.app_id !== options.appId)
      return failure('40002', 'Invalid Arguments', 'isv.invalid-app-id', '无效的AppID参数');
    if (!params.sign) return failure('40001', 'Missing Required Arguments', 'isv.missing-signature', '缺少签名参数');
    if (params.sign_type !== 'RSA2' || !verifyAlipayContent(alipaySigningString(params), params.sign, appKey)) {
      return failure(
        '40002',
        'Invalid Arguments',
        'isv.invalid-signature',
        '验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配',
      );
    }
    const acting = ownerOf(params);
    if ('error' in acting) return acting.error;
    return undefined;
  }

  /** A new trade, or the unpaid one with the same `out_trade_no` and business parameters. */
  function createTrade(
    biz: SandboxNode,
    params: Record<string, string>,
  ): { trade: AlipaySandboxTrade } | { error: SandboxNode } {
    const outTradeNo = String(biz.out_trade_no ?? '');
    const acting = ownerOf(params);
    if ('error' in acting) return { error: acting.error };
    const existing = trades.get(outTradeNo);
    // The sandbox keys trades by out_trade_no alone: another merchant's number is refused.
    if (existing && existing.owner !== acting.owner) {
      return { error: failure('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') };
    }
    if (existing) {
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
        return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_SUCCESS', '交易已被支付') };
      }
      if (existing.status === 'TRADE_CLOSED') {
        return { error: failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭') };
      }
      // The same out_trade_no may be paid again while unpaid, with the same business parameters only.
      if (existing.bizContent !== canonicalBiz(biz)) {
        return { error: failure('40004', 'Business Failed', 'ACQ.CONTEXT_INCONSISTENT', '交易信息被篡改') };
      }
      return { trade: existing };
    }
    const trade: AlipaySandboxTrade = {
      outTradeNo,
      tradeNo: newTradeNo(),
      amount: parseYuan(String(biz.total_amount), 'total_amount'),
      subject: String(biz.subject ?? ''),
      status: 'WAIT_BUYER_PAY',
      notifyUrl: params.notify_url,
      returnUrl: params.return_url,
      buyerId: String(biz.buyer_id ?? biz.buyer_open_id ?? randomUserId()),
      paidAt: undefined,
      refunds: new Map(),
      bizContent: canonicalBiz(biz),
      owner: acting.owner,
      royaltyFreeze: (biz.extend_params as SandboxNode | undefined)?.royalty_freeze === 'true',
    };
    trades.set(outTradeNo, trade);
    return { trade };
  }

  return {
    appId: options.appId,
    sellerId: options.sellerId ?? '2088000000000001',
    now,
    idScheme,
    /** The sandbox buyer's id, what its OAuth returns. */
    buyerId:
      idScheme === 'open_id'
        ? `0${randomBytes(21).toString('base64url').replace(/[-_]/g, '0')}`
        : `2088${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`,
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
    checkSignature,
    createTrade,
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
    addMerchant(name?: string): AlipaySandboxMerchant {
      const merchant: AlipaySandboxMerchant = {
        authAppId: `2021${String(randomInt(1e6)).padStart(6, '0')}${String(randomInt(1e6)).padStart(6, '0')}`,
        userId: randomUserId(),
        name: name ?? `沙箱商户${merchants.size + 1}`,
      };
      merchants.set(merchant.authAppId, merchant);
      return merchant;
    },
    /** A fresh token pair for a merchant. */
    issueAppToken(authAppId: string): { token: string; issued: AlipaySandboxAppToken } {
      const stamp = formatAlipayTime(now()).replace(/\D/g, '').slice(0, 6);
      const token = `${stamp}BB${randomBytes(15).toString('hex')}X${randomInt(10)}`;
      const at = now().getTime();
      const issued: AlipaySandboxAppToken = {
        authAppId,
        refreshToken: `${stamp}BB${randomBytes(15).toString('hex')}R${randomInt(10)}`,
        expiresAt: at + 31_536_000_000,
        refreshExpiresAt: at + 32_140_800_000,
        revoked: false,
        replacedAt: undefined,
      };
      appTokens.set(token, issued);
      return { token, issued };
    },

    /** What the trade's refunds add up to, in fen. */
    refunded(trade: AlipaySandboxTrade): number {
      let total = 0;
      for (const amount of trade.refunds.values()) total += amount;
      return total;
    },

    markPaid(trade: AlipaySandboxTrade): void {
      trade.status = 'TRADE_SUCCESS';
      trade.paidAt = now();
    },

    requireTrade(orderId: string): AlipaySandboxTrade {
      const trade = trades.get(orderId);
      if (!trade) throw new OrderNotFoundError(orderId);
      return trade;
    },

    /** The trade the gateway created under Alipay trade number `tradeNo` (a scanned QR, a JSAPI `tradeNO`). */
    findTradeNo(tradeNo: string): AlipaySandboxTrade | undefined {
      for (const trade of trades.values()) if (trade.tradeNo === tradeNo) return trade;
      return undefined;
    },

    requireTradeNo(tradeNo: string, field: string): AlipaySandboxTrade {
      for (const trade of trades.values()) if (trade.tradeNo === tradeNo) return trade;
      throw new ValidationError(field, `names no trade of the Alipay sandbox (${tradeNo})`);
    },
  };
}

/** A `2088...` user id for a buyer the request did not name. */
function randomUserId(): string {
  return `2088${String(randomInt(2 ** 40))
    .padStart(12, '0')
    .slice(0, 12)}`;
}
