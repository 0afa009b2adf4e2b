/**
 * The buyer's side of the WeChat Pay sandbox: WeChat's client opening a next action (a Native code
 * scanned, an H5 link followed, a JSAPI or app payload whose signature it checks with the
 * merchant's key), and the fake `WeixinJSBridge`'s `getBrandWCPayRequest`, which pays and notifies.
 *
 * @packageDocumentation
 */
import { verifyWechatpayMessage, wechatpaySigningMessage } from '@hutong/adapter-wechatpay/protocol';
import {
  type NextAction,
  type NotificationInput,
  type PosAction,
  SignatureVerificationError,
  ValidationError,
} from '@hutong/core';
import type { WechatpaySandboxKeys } from './wechatpay-sandbox-keys.js';
import type { WechatpaySandboxState, WechatpaySandboxTransaction } from './wechatpay-sandbox-state.js';

/**
 * The buyer's client.
 *
 * @example
 * ```ts
 * const buyer: WechatpaySandboxBuyer = createWechatpaySandboxBuyer({ state, keys, pay, deliver });
 * buyer.open(action);
 * ```
 */
export interface WechatpaySandboxBuyer {
  /** Opens a next action as WeChat's client does; a refused one throws. */
  open(action: NextAction | PosAction): void;
  /** `POST` of the bridge's `getBrandWCPayRequest`: checks, pays, notifies, answers WeChat's `err_msg`. */
  bridgePay(request: Request): Promise<Response>;
}

/**
 * Creates the buyer's client.
 *
 * @example
 * ```ts
 * const buyer = createWechatpaySandboxBuyer({ state, keys, pay, deliver });
 * buyer.open({ type: 'qr', content: 'weixin://wxpay/bizpayurl?pr=abc' });
 * ```
 */
export function createWechatpaySandboxBuyer(context: {
  state: WechatpaySandboxState;
  keys: WechatpaySandboxKeys;
  /** The sandbox's `pay`: the transaction is paid, its notification returned. */
  pay(orderId: string): NotificationInput;
  /** The sandbox's `deliver`: posts a notification to its notify URL. */
  deliver(notification: NotificationInput): Promise<Response>;
}): WechatpaySandboxBuyer {
  const { state, keys } = context;

  /**
   * Checks a client payload's signature with the merchant's key, as WeChat's client does, and its
   * app id: the transaction's (in partner mode the sub-merchant's `sub_appid` when the payer's
   * openid is under it, else the service provider's).
   */
  function checkClientSignature(
    fields: readonly string[],
    signature: unknown,
    appId: unknown,
    transaction?: WechatpaySandboxTransaction,
    method: 'jsapi' | 'app' = 'jsapi',
  ): void {
    if (!state.appIds.has(String(appId)) && !(transaction?.subAppId && appId === transaction.subAppId))
      throw new ValidationError('action', `app id ${String(appId)} is not bound to merchant ${state.mchId}`);
    if (transaction?.subMchId !== undefined) {
      const expected =
        method === 'app' || transaction.payerApp === 'sub'
          ? (transaction.subAppId ?? transaction.appId)
          : transaction.appId;
      if (appId !== expected)
        throw new ValidationError('action', `app id ${String(appId)} is not the app of the payer (${expected})`);
    }
    if (
      typeof signature !== 'string' ||
      !verifyWechatpayMessage(wechatpaySigningMessage(fields), signature, keys.merchantKey)
    )
      throw new SignatureVerificationError(
        'wechatpay',
        'bad_signature',
        'the client payload is not signed by the merchant',
      );
  }

  function open(action: NextAction | PosAction): void {
    switch (action.type) {
      case 'qr':
        state.opened(action.content, 'action.content');
        return;
      case 'redirect':
        state.opened(new URL(action.url).searchParams.get('prepay_id') ?? '', 'action.url');
        return;
      case 'jsapi': {
        const p = action.params as Record<string, unknown>;
        const pkg = String(p.package ?? '');
        const transaction = state.opened(pkg.replace(/^prepay_id=/, ''), 'action.params.package');
        checkClientSignature(
          [String(p.appId), String(p.timeStamp), String(p.nonceStr), pkg],
          p.paySign,
          p.appId,
          transaction,
        );
        return;
      }
      case 'app': {
        const p = (typeof action.payload === 'string' ? {} : action.payload) as Record<string, unknown>;
        const transaction = state.opened(String(p.prepayid), 'action.payload.prepayid');
        // Partner mode: partnerid is the sub-merchant's sub_mchid.
        if (p.partnerid !== (transaction.subMchId ?? state.mchId))
          throw new ValidationError('action.payload.partnerid', 'is not the merchant');
        checkClientSignature(
          [String(p.appid), String(p.timestamp), String(p.noncestr), String(p.prepayid)],
          p.sign,
          p.appid,
          transaction,
          'app',
        );
        return;
      }
      default:
        throw new ValidationError('action.type', `WeChat Pay's client cannot open a ${action.type} action`);
    }
  }

  /**
   * What WeChat's client does when a page calls `getBrandWCPayRequest`: checks the payload's
   * `paySign`, pays, and tells the merchant (the notification is posted before the page hears
   * `ok`, so the page's next request finds the order paid).
   */
  async function bridgePay(request: Request): Promise<Response> {
    const headers = {
      'access-control-allow-origin': '*',
      'content-type': 'application/json',
      'cache-control': 'no-store',
    };
    const answer = (body: Record<string, unknown>, status = 200) =>
      new Response(JSON.stringify(body), { status, headers });
    let params: Record<string, unknown>;
    try {
      params = JSON.parse(await request.text()) as Record<string, unknown>;
    } catch {
      return answer({ err_msg: 'get_brand_wcpay_request:fail' }, 400);
    }
    let transaction: WechatpaySandboxTransaction;
    try {
      open({ type: 'jsapi', params: params as Record<string, string> });
      transaction = state.opened(String(params.package ?? '').replace(/^prepay_id=/, ''), 'params.package');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return answer({ err_msg: 'get_brand_wcpay_request:fail', err_desc: reason });
    }
    if (transaction.tradeState !== 'NOTPAY')
      return answer({ err_msg: 'get_brand_wcpay_request:fail', err_desc: transaction.tradeState });
    const notification = context.pay(transaction.outTradeNo);
    let notified: number | string = 'no notify_url';
    if (transaction.notifyUrl !== undefined) {
      notified = await context.deliver(notification).then(
        (reply) => reply.status,
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );
    }
    return answer({ err_msg: 'get_brand_wcpay_request:ok', sandbox_notified: notified });
  }

  return { open, bridgePay };
}
