import type { Order } from '@hutong/core';
import type { CreatePaymentRequest, MerchantAccount } from '@hutong/core/provider-utils';
import { sampleOrder } from '@hutong/core/testing';

let sequence = 0;

/** A create request as the facade makes it, for a fresh order id. */
export function paymentRequest(overrides: Partial<CreatePaymentRequest> = {}): CreatePaymentRequest {
  return {
    orderId: `ord${Date.now()}${++sequence}`,
    createdAt: new Date(),
    method: 'qr',
    amount: 1999,
    currency: 'CNY',
    subject: '龙井 250g',
    notifyUrl: 'https://shop.example/webhooks/wechatpay',
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
    ...overrides,
  };
}

/** The order as stored for `request`, with what the facade would have recorded. */
export function orderOf(request: CreatePaymentRequest, overrides: Partial<Order> = {}): Order {
  return sampleOrder({
    id: request.orderId,
    provider: 'wechatpay',
    method: request.method,
    amount: request.amount,
    notifyUrl: request.notifyUrl,
    ...overrides,
  });
}

/** `merchant` as a mutable MerchantAccount (the constants are readonly literals). */
export function account(merchant: MerchantAccount): MerchantAccount {
  return { ...merchant, fields: { ...merchant.fields } };
}
