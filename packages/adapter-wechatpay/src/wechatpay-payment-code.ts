/**
 * WeChat Pay's payment-code (付款码) path: the code charged (`/codepay`), a buyer still entering a
 * password left pending, a refusal checked against the transaction, and an open one reversed
 * (`.../reverse`).
 *
 * @packageDocumentation
 */
import { ProviderApiError } from '@hutong/core';
import { checkRefusal, type PaymentStatusEvent } from '@hutong/core/provider-utils';
import { type WechatpaySubMerchant, wechatpayMerchantBody, wechatpayTransactionPaths } from './wechatpay-partner.js';
import type { WechatpayOperationContext } from './wechatpay-payments.js';
import { checkWechatpayReversal, readWechatpayTransaction } from './wechatpay-replies.js';

/**
 * Charges a payment code: posts the create body to `path` and returns the payment's status.
 * `USERPAYING` (the buyer is entering a password) is pending, which sync settles (payment codes
 * send no notification); any other refusal is checked against the transaction.
 *
 * @group Protocol
 * @example
 * ```ts
 * const status = await chargeWechatpayPaymentCode(context, { orderId, path, body, appId, sub });
 * ```
 */
export async function chargeWechatpayPaymentCode(
  context: WechatpayOperationContext,
  charge: {
    orderId: string;
    path: string;
    body: object;
    appId: string;
    sub: WechatpaySubMerchant | undefined;
  },
): Promise<PaymentStatusEvent> {
  const { orderId, path, body, appId, sub } = charge;
  try {
    const reply = await context.client.request({ method: 'POST', path, body });
    return readWechatpayTransaction(context.replies, reply, { orderId, subMchId: sub?.subMchId });
  } catch (error) {
    // The buyer is entering a password: pending; sync settles it (payment codes send no notification).
    if (ProviderApiError.isInstance(error) && error.providerCode === 'USERPAYING') {
      return { type: 'payment.pending', orderId };
    }
    return checkPosRefusal(context, error, orderId, appId, sub);
  }
}

/**
 * Checks a refusal of a payment-code payment against the transaction ({@link checkRefusal}): a
 * transaction the order query shows paid is the answer; an open one is reversed, so the code
 * cannot be charged after the till gave up, and the refusal stands; none, or a closed or failed
 * one, and the refusal stands.
 */
function checkPosRefusal(
  context: WechatpayOperationContext,
  error: unknown,
  orderId: string,
  appId: string,
  sub: WechatpaySubMerchant | undefined,
): Promise<PaymentStatusEvent> {
  const { config, client, replies } = context;
  return checkRefusal(error, {
    name: 'the order query (and reversal)',
    field: 'response.code',
    run: async () => {
      const reply = await client.request({
        method: 'GET',
        path: wechatpayTransactionPaths(config, orderId, sub).query,
      });
      const transaction = readWechatpayTransaction(replies, reply, { orderId, subMchId: sub?.subMchId });
      if (transaction.type === 'payment.succeeded') return transaction;
      if (transaction.type === 'payment.pending') await reverseWechatpayPayment(context, orderId, appId, sub);
      return undefined;
    },
  });
}

/**
 * Reverses (撤销) a payment-code payment: closes it, or refunds it if paid; the reply is bound to
 * the order (and sub-merchant).
 *
 * @group Protocol
 * @example
 * ```ts
 * await reverseWechatpayPayment(context, 'o1', appId, undefined);
 * ```
 */
export async function reverseWechatpayPayment(
  context: WechatpayOperationContext,
  orderId: string,
  appId: string,
  sub: WechatpaySubMerchant | undefined,
): Promise<void> {
  const { config, client, replies } = context;
  // Partner mode: sp_appid and sub_appid are optional; the merchant ids name whose payment it is.
  const body = sub
    ? { ...wechatpayMerchantBody(config, sub), ...(sub.subAppId ? { sub_appid: sub.subAppId } : {}) }
    : { appid: appId, mchid: config.mchId };
  const reply = await client.request({
    method: 'POST',
    path: `${wechatpayTransactionPaths(config, orderId, sub).base}/reverse`,
    body,
    idempotent: true,
  });
  checkWechatpayReversal(replies, reply, orderId, sub?.subMchId);
}
