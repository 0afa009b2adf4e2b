/**
 * The parameters the buyer's WeChat client needs, signed with the merchant key: JSAPI / mini
 * program (`WeixinJSBridge.invoke('getBrandWCPayRequest')`, `wx.requestPayment`) and the APP SDK.
 *
 * @packageDocumentation
 */
import type { KeyObject } from 'node:crypto';
import { signWechatpayMessage, wechatpayNonce, wechatpaySigningMessage } from './wechatpay-signature.js';

/**
 * JSAPI / mini program payment parameters, what `wx.requestPayment` and `getBrandWCPayRequest` take.
 *
 * @group Payments
 * @example
 * ```ts
 * wx.requestPayment({ ...params, success, fail });
 * ```
 */
export type WechatpayJsapiParams = {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
};

/**
 * APP SDK payment parameters (`PayReq`).
 *
 * @group Payments
 * @example
 * ```ts
 * const request = new PayReq(); Object.assign(request, action.payload); // in the app
 * ```
 */
export type WechatpayAppParams = {
  appid: string;
  partnerid: string;
  prepayid: string;
  package: 'Sign=WXPay';
  noncestr: string;
  timestamp: string;
  sign: string;
};

/**
 * Inputs of the client-side signatures; `timestamp` and `nonce` are generated when absent.
 *
 * @group Payments
 * @example
 * ```ts
 * const input: WechatpayClientSignatureInput = { appId: 'wxd678efh567hg6787', prepayId, privateKey };
 * ```
 */
export interface WechatpayClientSignatureInput {
  appId: string;
  prepayId: string;
  privateKey: KeyObject;
  /** Unix seconds, as text. */
  timestamp?: string | undefined;
  nonce?: string | undefined;
}

/**
 * Parameters for `wx.requestPayment` / `getBrandWCPayRequest`: `paySign` over
 * `appId\ntimeStamp\nnonceStr\nprepay_id=...\n` (`signType` is not signed).
 *
 * @group Payments
 * @example
 * ```ts
 * wx.requestPayment(signWechatpayJsapiParams({ appId, prepayId, privateKey }));
 * ```
 */
export function signWechatpayJsapiParams(input: WechatpayClientSignatureInput): WechatpayJsapiParams {
  const timeStamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonceStr = input.nonce ?? wechatpayNonce();
  const pkg = `prepay_id=${input.prepayId}`;
  const paySign = signWechatpayMessage(
    wechatpaySigningMessage([input.appId, timeStamp, nonceStr, pkg]),
    input.privateKey,
  );
  return { appId: input.appId, timeStamp, nonceStr, package: pkg, signType: 'RSA', paySign };
}

/**
 * Parameters for the APP SDK: `sign` over `appid\ntimestamp\nnoncestr\nprepayid\n`.
 *
 * @group Payments
 * @example
 * ```ts
 * const req = signWechatpayAppParams({ appId, mchId, prepayId, privateKey });
 * ```
 */
export function signWechatpayAppParams(input: WechatpayClientSignatureInput & { mchId: string }): WechatpayAppParams {
  const timestamp = input.timestamp ?? String(Math.floor(Date.now() / 1000));
  const noncestr = input.nonce ?? wechatpayNonce();
  const sign = signWechatpayMessage(
    wechatpaySigningMessage([input.appId, timestamp, noncestr, input.prepayId]),
    input.privateKey,
  );
  return {
    appid: input.appId,
    partnerid: input.mchId,
    prepayid: input.prepayId,
    package: 'Sign=WXPay',
    noncestr,
    timestamp,
    sign,
  };
}

/**
 * @deprecated Renamed {@link signWechatpayJsapiParams} (signers are named `signWechatpay<Thing>`).
 * @group Payments
 * @example
 * ```ts
 * wx.requestPayment(signWechatpayJsapiParams({ appId, prepayId, privateKey }));
 * ```
 */
export const wechatpayJsapiParams: typeof signWechatpayJsapiParams = signWechatpayJsapiParams;

/**
 * @deprecated Renamed {@link signWechatpayAppParams} (signers are named `signWechatpay<Thing>`).
 * @group Payments
 * @example
 * ```ts
 * const req = signWechatpayAppParams({ appId, mchId, prepayId, privateKey });
 * ```
 */
export const wechatpayAppParams: typeof signWechatpayAppParams = signWechatpayAppParams;
