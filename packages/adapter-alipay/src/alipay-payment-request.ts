/**
 * What a payment request becomes at Alipay: the Alipay-only `providerOptions` (read once, unknown
 * keys refused), the checks a request must pass before anything is signed, and the business
 * parameters (`biz_content`) of each method, the same for a first attempt and a resume.
 *
 * @packageDocumentation
 */

import { formatYuan, ValidationError } from '@hutong/core';
import { type CreatePaymentRequest, parseWithSchema, z } from '@hutong/core/provider-utils';
import { formatAlipayTime } from './alipay-time.js';

/**
 * Huabei (花呗) installments: 3, 6 or 12 periods; the seller pays the fee (100) or the buyer (0).
 *
 * @group Payments
 * @example
 * ```ts
 * const installments: AlipayInstallments = { count: 6, sellerPercent: 100 };
 * ```
 */
export interface AlipayInstallments {
  count: 3 | 6 | 12;
  /** Share of the installment fee the seller pays: 0 (buyer pays, default) or 100. */
  sellerPercent?: 0 | 100 | undefined;
}

/**
 * Alipay-only options of `createPayment({ providerOptions })`. Unknown keys are refused, at
 * compile time and at run time (a `ValidationError` naming the key).
 *
 * @group Payments
 * @example
 * ```ts
 * payments.createPayment({ provider: 'alipay', method: 'page', amount: 120000, subject: 'Tea set',
 *   providerOptions: { installments: { count: 6 }, formMethod: 'GET' } });
 * ```
 */
export interface AlipayPaymentOptions {
  installments?: AlipayInstallments | undefined;
  /** `h5` only: where the buyer goes when leaving the cashier (`quit_url`), an http(s) URL. */
  quitUrl?: string | undefined;
  /** `page` and `h5` only: `POST` (default) answers with a `form` action, `GET` with a `redirect`. */
  formMethod?: 'GET' | 'POST' | undefined;
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const paymentOptionsSchema = z.strictObject({
  installments: z.optional(
    z.strictObject({
      count: z.union([z.literal(3), z.literal(6), z.literal(12)], { error: 'must be 3, 6 or 12' }),
      sellerPercent: z.optional(z.union([z.literal(0), z.literal(100)], { error: 'must be 0 or 100' })),
    }),
  ),
  quitUrl: z.optional(httpUrl),
  formMethod: z.optional(z.enum(['GET', 'POST'])),
});

/**
 * Reads `providerOptions`; a `ValidationError` names the wrong field, an unknown key included
 * (`providerOptions.instalments`: a typo silently ignored would be a lost feature).
 *
 * @example
 * ```ts
 * const { formMethod } = parseAlipayPaymentOptions(request.providerOptions);
 * ```
 */
export function parseAlipayPaymentOptions(value: unknown): AlipayPaymentOptions {
  return parseWithSchema(paymentOptionsSchema, value, 'providerOptions');
}

/** Which methods each option applies to; given for another method it would be silently ignored. */
const OPTION_METHODS = {
  quitUrl: ['h5'],
  formMethod: ['page', 'h5'],
} as const satisfies Partial<Record<keyof AlipayPaymentOptions, readonly string[]>>;

/**
 * Checks a payment request before anything is signed or sent, and returns its options: each
 * option applies to its methods only, a notify URL unless the app opted out, a buyer for `jsapi`,
 * a payment code for `pos`.
 *
 * @throws ValidationError naming the field.
 * @example
 * ```ts
 * const extra = validateAlipayPayment(request, { requireNotifyUrl: true });
 * ```
 */
export function validateAlipayPayment(
  request: CreatePaymentRequest,
  config: { requireNotifyUrl: boolean },
): AlipayPaymentOptions {
  const extra = parseAlipayPaymentOptions(request.providerOptions);
  for (const [key, methods] of Object.entries(OPTION_METHODS)) {
    if (
      extra[key as keyof typeof OPTION_METHODS] !== undefined &&
      !(methods as readonly string[]).includes(request.method)
    ) {
      throw new ValidationError(`providerOptions.${key}`, `applies to ${methods.join(' and ')} payments only`);
    }
  }
  if (config.requireNotifyUrl && !request.notifyUrl) {
    throw new ValidationError(
      'notifyUrl',
      'is required: without one Alipay never notifies the payment (set requireNotifyUrl: false to rely on sync alone)',
    );
  }
  if (request.method === 'jsapi' && !request.buyerId) {
    throw new ValidationError('buyerId', 'is required for Alipay jsapi payments (buyer id or OpenID)');
  }
  if (request.method === 'pos' && !request.authCode) {
    throw new ValidationError('authCode', 'is required for pos payments');
  }
  return extra;
}

/** Product codes of each method. */
const PRODUCT_CODES = {
  qr: 'FACE_TO_FACE_PAYMENT',
  page: 'FAST_INSTANT_TRADE_PAY',
  h5: 'QUICK_WAP_WAY',
  app: 'QUICK_MSECURITY_PAY',
  jsapi: 'JSAPI_PAY',
  pos: 'FACE_TO_FACE_PAYMENT',
} as const;

function buyerField(buyerId: string): Record<string, string> {
  // 2088... is a legacy user id; anything else is an OpenID (buyer_open_id).
  return /^2088\d{12}$/.test(buyerId) ? { buyer_id: buyerId } : { buyer_open_id: buyerId };
}

/**
 * The business parameters of a payment (`biz_content`), the same for a first attempt and a resume.
 * `extend_params` carries the installments, `sys_service_provider_id` (a merchant's payment, when
 * the provider has `sysServiceProviderId`) and `royalty_freeze: 'true'` (a payment to be split).
 *
 * @example
 * ```ts
 * const biz = alipayBizContent(request, parseAlipayPaymentOptions(request.providerOptions));
 * ```
 */
export function alipayBizContent(
  request: CreatePaymentRequest,
  options: AlipayPaymentOptions,
  config: { sysServiceProviderId?: string | undefined } = {},
): Record<string, unknown> {
  const biz: Record<string, unknown> = {
    out_trade_no: request.orderId,
    total_amount: formatYuan(request.amount),
    subject: request.subject,
    product_code: PRODUCT_CODES[request.method],
  };
  if (request.expiresAt) biz.time_expire = formatAlipayTime(request.expiresAt);
  const extendParams: Record<string, string> = {};
  if (options.installments) {
    extendParams.hb_fq_num = String(options.installments.count);
    extendParams.hb_fq_seller_percent = String(options.installments.sellerPercent ?? 0);
  }
  // Service-provider mode: the rebate partner id rides on the merchant's payments only.
  if (request.merchant && config.sysServiceProviderId)
    extendParams.sys_service_provider_id = config.sysServiceProviderId;
  // A payment to be split: Alipay holds the funds until alipay.trade.order.settle says who gets what.
  if (request.split) extendParams.royalty_freeze = 'true';
  if (Object.keys(extendParams).length > 0) biz.extend_params = extendParams;
  if (request.method === 'h5' && options.quitUrl) biz.quit_url = options.quitUrl;
  if (request.method === 'jsapi' && request.buyerId) Object.assign(biz, buyerField(request.buyerId));
  if (request.method === 'pos') Object.assign(biz, { scene: 'bar_code', auth_code: request.authCode });
  return biz;
}
