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
}

const paymentOptionsSchema = z.strictObject({
  h5Type: z.optional(z.enum(['iOS', 'Android', 'Wap'])),
  storeId: z.optional(z.string().check(z.minLength(1), z.maxLength(32))),
  attach: z.optional(z.string().check(z.maxLength(128))),
  appId: z.optional(z.string()),
  appRole: z.optional(z.enum(['mp', 'mini', 'app'])),
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
): { options: WechatpayPaymentOptions; appId: string } {
  const options = parseWechatpayPaymentOptions(request.providerOptions);
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
  return { options, appId: stored ?? chooseWechatpayAppId(apps, request.method, options) };
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
  appId: string;
  mchId: string;
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
  const body: Record<string, unknown> = {
    appid: parameters.appId,
    mchid: parameters.mchId,
    description: request.subject,
    out_trade_no: request.orderId,
    amount: { total: request.amount, currency: 'CNY' },
  };
  if (parameters.options.attach) body.attach = parameters.options.attach;
  if (request.method !== 'pos') {
    body.notify_url = request.notifyUrl;
    if (request.expiresAt) body.time_expire = formatWechatpayTime(request.expiresAt);
  }
  switch (request.method) {
    case 'jsapi':
      body.payer = { openid: request.buyerId };
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
  return body;
}
