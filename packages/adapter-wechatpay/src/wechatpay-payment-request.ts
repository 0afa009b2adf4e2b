/**
 * What a WeChat Pay payment needs, checked before anything is stored (`validatePayment`), the app
 * id each payment uses, and the create request body: one place, so that placing the same order
 * again (`resumePayment`) sends exactly the same parameters.
 *
 * @packageDocumentation
 */

import { ValidationError } from '@hutong/core';
import { type CreatePaymentRequest, parseWithSchema, type ResumePaymentRequest, z } from '@hutong/core/provider-utils';
import type { WechatpayApps } from './wechatpay-options.js';
import type { WechatpaySubMerchant } from './wechatpay-partner.js';
import { formatWechatpayTime } from './wechatpay-time.js';

/**
 * WeChat-only options of `createPayment({ providerOptions })`. Unknown keys are refused.
 *
 * @group Payments
 * @example
 * ```ts
 * providerOptions: { h5Type: 'iOS', attach: 'cart-42' }
 * providerOptions: { appRole: 'mini' } // a mini-program jsapi payment
 * ```
 */
export interface WechatpayPaymentOptions {
  /** `h5`: the buyer's platform (`scene_info.h5_info.type`). Default `Wap`. */
  h5Type?: 'iOS' | 'Android' | 'Wap' | undefined;
  /** `pos`: the merchant's store id (`scene_info.store_info.out_id`). Default `default`. */
  storeId?: string | undefined;
  /** Passed back unchanged in queries (`attach`, at most 128 characters). */
  attach?: string | undefined;
  /** The app id of this payment: one of the configured ones. Default: chosen by method. */
  appId?: string | undefined;
  /**
   * The kind of configured app the payment belongs to (with `appIds: { mp, mini, app }`): `jsapi`
   * defaults to `mp` (official account); give `mini` for a mini-program payment.
   */
  appRole?: 'mp' | 'mini' | 'app' | undefined;
  /**
   * Partner mode: the app the `buyerId` (openid) belongs to. `'sub'`: the sub-merchant's own app
   * (`fields.subAppId`): sent as `payer.sub_openid` with `sub_appid`, and the buyer's step is signed
   * under `sub_appid`. `'sp'`: the service provider's (`spAppId`): `payer.sp_openid`, signed under
   * `sp_appid`. Default: `'sub'` when the sub-merchant has an app id, else `'sp'`.
   */
  buyerApp?: 'sp' | 'sub' | undefined;
}

const paymentOptionsSchema = z.strictObject({
  h5Type: z.optional(z.enum(['iOS', 'Android', 'Wap'])),
  storeId: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  attach: z.optional(z.string().check(z.maxLength(128))),
  appId: z.optional(z.string()),
  appRole: z.optional(z.enum(['mp', 'mini', 'app'])),
  buyerApp: z.optional(z.enum(['sp', 'sub'])),
});

/**
 * Parses `providerOptions`; an unknown key is a `ValidationError` naming it
 * (`providerOptions.h5type`).
 *
 * @group Protocol
 * @example
 * ```ts
 * parseWechatpayPaymentOptions({ h5Type: 'iOS' }); // { h5Type: 'iOS' }
 * ```
 */
export function parseWechatpayPaymentOptions(value: unknown): WechatpayPaymentOptions {
  return parseWithSchema(paymentOptionsSchema, value ?? {}, 'providerOptions');
}

/**
 * The app id a payment uses: `providerOptions.appId` (one of the configured ids), else the app of
 * `providerOptions.appRole`, else by method (`jsapi` → `mp`, then `mini`; `app` → `app`), else the
 * default.
 *
 * @group Protocol
 * @example
 * ```ts
 * chooseWechatpayAppId(config.apps, 'jsapi', { appRole: 'mini' });
 * ```
 */
export function chooseWechatpayAppId(
  apps: WechatpayApps,
  method: CreatePaymentRequest['method'],
  options: WechatpayPaymentOptions,
): string {
  if (options.appId !== undefined) {
    if (!apps.all.includes(options.appId))
      throw new ValidationError('providerOptions.appId', `${options.appId} is not a configured app id`);
    return options.appId;
  }
  if (options.appRole !== undefined) {
    const id = apps.byRole[options.appRole];
    if (id === undefined)
      throw new ValidationError('providerOptions.appRole', `no ${options.appRole} app id is configured (appIds)`);
    return id;
  }
  if (method === 'jsapi') return apps.byRole.mp ?? apps.byRole.mini ?? apps.default;
  if (method === 'app') return apps.byRole.app ?? apps.default;
  return apps.default;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * Checks what WeChat Pay needs for the method, before anything is stored: an https notify URL
 * (`http://` only for a loopback host, which only a local sandbox can call), the client IP for
 * `h5`, the payer's openid for `jsapi`, the payment code for `pos`, known `providerOptions`, a
 * configured app id. Returns the parsed options and the app id.
 *
 * @group Protocol
 * @throws ValidationError naming the field.
 * @example
 * ```ts
 * const { options, appId } = checkWechatpayPayment(request, config.apps);
 * ```
 */
export function checkWechatpayPayment(
  request: CreatePaymentRequest,
  apps: WechatpayApps,
  sub?: WechatpaySubMerchant | undefined,
): { options: WechatpayPaymentOptions; appId: string } {
  const options = parseWechatpayPaymentOptions(request.providerOptions);
  if (sub && (options.appId !== undefined || options.appRole !== undefined))
    throw new ValidationError(
      `providerOptions.${options.appId !== undefined ? 'appId' : 'appRole'}`,
      'is a direct-mode option: in partner mode give buyerApp',
    );
  if (!sub && options.buyerApp !== undefined)
    throw new ValidationError('providerOptions.buyerApp', 'is a partner-mode option');
  if (sub && options.buyerApp === 'sub' && !sub.subAppId)
    throw new ValidationError('providerOptions.buyerApp', 'is sub, but the sub-merchant has no subAppId');
  if (request.method !== 'pos') {
    if (!request.notifyUrl) throw new ValidationError('notifyUrl', 'is required by WeChat Pay');
    let url: URL;
    try {
      url = new URL(request.notifyUrl);
    } catch {
      throw new ValidationError('notifyUrl', 'is not a URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.test(url.hostname)))
      throw new ValidationError('notifyUrl', 'must be an https URL (WeChat Pay calls only https)');
  }
  if (request.method === 'h5' && !request.clientIp && !storedClientIp(request))
    throw new ValidationError('clientIp', "is required for h5 payments (the buyer's IP address)");
  if (request.method === 'jsapi' && !request.buyerId)
    throw new ValidationError('buyerId', "is required for jsapi payments (the payer's openid)");
  if (request.method === 'pos' && !request.authCode && !('order' in request))
    throw new ValidationError('authCode', 'is required for pos payments');
  const stored = (request as Partial<ResumePaymentRequest>).order?.providerData.appId;
  if (stored) return { options, appId: stored };
  if (sub) {
    // Partner mode: the app of the buyer's step is the sub-merchant's when it has one (and the buyer id is for it).
    const subApp = sub.subAppId !== undefined && options.buyerApp !== 'sp';
    return { options, appId: subApp ? (sub.subAppId as string) : apps.default };
  }
  return { options, appId: chooseWechatpayAppId(apps, request.method, options) };
}

function storedClientIp(request: CreatePaymentRequest): string | undefined {
  return (request as Partial<ResumePaymentRequest>).order?.providerData.clientIp;
}

/**
 * What a create body is built from besides the order; stored in `providerData` so a resume sends
 * the same.
 *
 * @group Protocol
 * @example
 * ```ts
 * const parameters: WechatpayPaymentParameters = { appId, mchId, options: {}, clientIp: null };
 * ```
 */
export interface WechatpayPaymentParameters {
  /** The app id of the buyer's step: in partner mode `sp_appid` or the sub-merchant's `sub_appid`. */
  appId: string;
  /** The signing merchant id: in partner mode `sp_mchid`. */
  mchId: string;
  /** Partner mode: the sub-merchant, and `sp_appid`. */
  partner?: { spAppId: string; sub: WechatpaySubMerchant } | undefined;
  options: WechatpayPaymentOptions;
  clientIp: string | null;
}

/**
 * The body of a create request (`native`, `jsapi`, `app`, `h5`, `codepay`). Built only from the
 * order and its stored parameters, so placing the same order again sends identical parameters, as
 * WeChat Pay requires.
 *
 * @group Protocol
 * @example
 * ```ts
 * const body = wechatpayCreateBody(request, { appId, mchId, options, clientIp: request.clientIp });
 * ```
 */
export function wechatpayCreateBody(request: CreatePaymentRequest, parameters: WechatpayPaymentParameters): object {
  const partner = parameters.partner;
  const body: Record<string, unknown> = partner
    ? {
        sp_appid: partner.spAppId,
        sp_mchid: parameters.mchId,
        ...(partner.sub.subAppId ? { sub_appid: partner.sub.subAppId } : {}),
        sub_mchid: partner.sub.subMchId,
      }
    : { appid: parameters.appId, mchid: parameters.mchId };
  Object.assign(body, {
    description: request.subject,
    out_trade_no: request.orderId,
    amount: { total: request.amount, currency: 'CNY' },
  });
  if (parameters.options.attach) body.attach = parameters.options.attach;
  if (request.method !== 'pos') {
    body.notify_url = request.notifyUrl;
    if (request.expiresAt) body.time_expire = formatWechatpayTime(request.expiresAt);
  }
  switch (request.method) {
    case 'jsapi':
      // Partner mode: the openid under the app of the buyer's step (sub_appid or sp_appid).
      if (!partner) body.payer = { openid: request.buyerId };
      else if (partner.sub.subAppId !== undefined && parameters.appId === partner.sub.subAppId)
        body.payer = { sub_openid: request.buyerId };
      else body.payer = { sp_openid: request.buyerId };
      break;
    case 'h5':
      body.scene_info = {
        payer_client_ip: parameters.clientIp,
        h5_info: { type: parameters.options.h5Type ?? 'Wap' },
      };
      break;
    case 'pos': {
      const scene: Record<string, unknown> = { store_info: { out_id: parameters.options.storeId ?? 'default' } };
      if (parameters.clientIp) scene.device_ip = parameters.clientIp;
      body.payer = { auth_code: request.authCode };
      body.scene_info = scene;
      break;
    }
  }
  // The payment will be split: WeChat Pay holds the funds until the splits are done (or unfrozen).
  if (request.split) body.settle_info = { profit_sharing: true };
  return body;
}
