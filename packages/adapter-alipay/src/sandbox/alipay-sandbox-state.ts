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
    return undefined;
  }

  /** A new trade, or the unpaid one with the same `out_trade_no` and business parameters. */
  function createTrade(
    biz: SandboxNode,
    params: Record<string, string>,
  ): { trade: AlipaySandboxTrade } | { error: SandboxNode } {
    const outTradeNo = String(biz.out_trade_no ?? '');
    const existing = trades.get(outTradeNo);
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
