/**
 * The shared provider conformance suite, in partner mode (服务商, issue 23) on the sandbox: every
 * call is for sub-merchant A, as the facade makes it once it resolves an order's merchant (the
 * wrapper below stands in for that resolution).
 */

import { SignatureVerificationError } from '@hutong/core';
import { runProviderConformance } from '@hutong/core/conformance';
import type { MerchantAccount, PaymentProvider } from '@hutong/core/provider-utils';
import { account } from './requests.js';
import { partnerSandboxed, SUB_A, SUB_B } from './sandbox-setup.js';

/** The provider, each call carrying `merchant` as the facade would after resolving the order's merchant. */
function forMerchant<P extends PaymentProvider>(provider: P, merchant: MerchantAccount): P {
  const withMerchant = <R extends object>(request: R) => ({ ...request, merchant });
  return {
    ...provider,
    validatePayment: (request) => provider.validatePayment?.(withMerchant(request)),
    createPayment: (request) => provider.createPayment(withMerchant(request)),
    resumePayment: (request) => (provider.resumePayment as NonNullable<P['resumePayment']>)(withMerchant(request)),
    queryPayment: (reference) => (provider.queryPayment as NonNullable<P['queryPayment']>)(withMerchant(reference)),
    closePayment: (reference) => (provider.closePayment as NonNullable<P['closePayment']>)(withMerchant(reference)),
    refund: (request) => (provider.refund as NonNullable<P['refund']>)(withMerchant(request)),
    queryRefund: (reference) => (provider.queryRefund as NonNullable<P['queryRefund']>)(withMerchant(reference)),
    // The facade's binding of the signed sub_mchid to the order's merchant: the suite's facade
    // knows no merchants, so the wrapper checks the account and hands on the rest.
    async verifyNotification(request) {
      const { account, ...verified } = await provider.verifyNotification(request);
      if (account !== merchant.accountId) {
        throw new SignatureVerificationError(
          provider.id,
          'wrong_recipient',
          'the notification is for another sub-merchant',
        );
      }
      return verified;
    },
  };
}

for (const [mode, merchant] of [
  ['public-key', SUB_A],
  ['certificate', SUB_B],
] as const) {
  runProviderConformance({
    name: `wechatpay partner mode (${mode} mode, sub-merchant ${merchant.accountId}, on the sandbox)`,
    setup: () => {
      const { sandbox, provider } = partnerSandboxed({ mode });
      return { sandbox, provider: forMerchant(provider, account(merchant)) };
    },
    createInput: (method) =>
      method === 'jsapi'
        ? { buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }
        : method === 'h5'
          ? { clientIp: '203.0.113.7' }
          : {},
  });
}
