import { SignatureVerificationError } from '@hutong/core';
import { runProviderConformance } from '@hutong/core/conformance';
import type { MerchantAccount, PaymentProvider } from '@hutong/core/provider-utils';
import { isvSandboxed } from './isv-setup.js';

/**
 * The provider as the facade drives it for one merchant: every request carries the merchant's
 * account, and a notification is taken only when the account Alipay signed into it (`auth_app_id`)
 * is the merchant's, as core binds `VerifiedNotification.account` to the order's merchant.
 */
function forMerchant(provider: PaymentProvider, merchant: MerchantAccount): PaymentProvider {
  const bind = <R extends object>(request: R) => ({ ...request, merchant });
  return {
    ...provider,
    validatePayment: (request) => provider.validatePayment?.(bind(request)),
    createPayment: (request) => provider.createPayment(bind(request)),
    resumePayment: (request) =>
      (provider.resumePayment as NonNullable<PaymentProvider['resumePayment']>)(bind(request)),
    queryPayment: (reference) =>
      (provider.queryPayment as NonNullable<PaymentProvider['queryPayment']>)(bind(reference)),
    closePayment: (reference) =>
      (provider.closePayment as NonNullable<PaymentProvider['closePayment']>)(bind(reference)),
    refund: (request) => (provider.refund as NonNullable<PaymentProvider['refund']>)(bind(request)),
    queryRefund: (reference) => (provider.queryRefund as NonNullable<PaymentProvider['queryRefund']>)(bind(reference)),
    async verifyNotification(request) {
      const { account, ...verified } = await provider.verifyNotification(request);
      if (account !== merchant.accountId) {
        throw new SignatureVerificationError(
          provider.id,
          'wrong_recipient',
          'the notification is for another merchant',
        );
      }
      return verified;
    },
  };
}

// The whole sandbox-driven suite again, for a merchant that authorised the app (第三方应用): every
// call carries its app_auth_token, its trades are its own at the sandbox, and its notifications
// name it in auth_app_id.
runProviderConformance({
  name: 'alipay (service provider, an authorised merchant, on the sandbox)',
  setup: async () => {
    const { sandbox, provider, onboard } = isvSandboxed();
    const merchant = await onboard('shop-42', '老王煎饼');
    return { sandbox, provider: forMerchant(provider, merchant) };
  },
  createInput: (method) => (method === 'jsapi' ? { buyerId: '2088102534368455' } : {}),
  failedPaymentStatus: 'closed',
  refundsSettleAtOnce: true,
});
