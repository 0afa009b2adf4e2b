import { SignatureVerificationError } from '@hutong/core';
import type { MerchantAccount, PaymentProvider } from '@hutong/core/provider-utils';
import { type UnionpayProvider, unionpay } from '../src/index.js';
import { createUnionpaySandbox } from '../src/sandbox/index.js';
import { PFX } from './helpers.js';
import { MER_ID, MERCHANT } from './sandbox-setup.js';

export const SHOP_A = '898111000000001';
export const SHOP_B = '898111000000002';
export const ACQUIRED_A = '777290058110101';
export const ACQUIRED_B = '777290058110102';

/** A sandbox serving a platform (or an acquirer) with two registered sub-merchants, and its provider. */
export function platformSandboxed(access: 'platform' | 'acquirer' = 'platform', now?: () => Date) {
  const sandbox = createUnionpaySandbox({
    merId: MER_ID,
    merchantCertificate: MERCHANT.certificatePem,
    access,
    acqInsCode: '48021000',
    now,
  });
  const [a, b] = access === 'platform' ? [SHOP_A, SHOP_B] : [ACQUIRED_A, ACQUIRED_B];
  const account = (merchant: string, accountId: string, name: string, abbr: string): MerchantAccount => ({
    merchant,
    provider: 'unionpay',
    accountId,
    name,
    enabled: true,
    fields: sandbox.addSubMerchant({ id: accountId, name, abbr }),
  });
  const shopA = account('shop-a', a, '老王煎饼铺', '老王煎饼');
  const shopB = account('shop-b', b, 'Bakery B Ltd', 'BakeryB');
  const requests: { url: string; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({ url: request.url, body: await request.clone().text() });
    return sandbox.fetch(request);
  };
  const common = {
    merId: MER_ID,
    signCert: { pfx: PFX, password: '000000' },
    rootCert: sandbox.rootCert,
    middleCert: sandbox.middleCert,
    endpoint: sandbox.baseUrl,
    fileEndpoint: sandbox.fileUrl,
    fetch,
    now,
  };
  const provider: UnionpayProvider =
    access === 'platform'
      ? unionpay({ ...common, access: 'platform' })
      : unionpay({ ...common, access: 'acquirer', acqInsCode: '48021000' });
  return { sandbox, provider, shopA, shopB, requests };
}

/**
 * The provider as the facade drives it for one sub-merchant's orders: every call carries the
 * account, and a notification is accepted only when the account it names is this one (the binding
 * the facade makes of `VerifiedNotification.account` to the order's merchant).
 */
export function forMerchant(provider: UnionpayProvider, account: MerchantAccount): PaymentProvider {
  const merchant = { merchant: account };
  return {
    ...provider,
    validatePayment: (request) => provider.validatePayment({ ...request, ...merchant }),
    createPayment: (request) => provider.createPayment({ ...request, ...merchant }),
    resumePayment: (request) => provider.resumePayment({ ...request, ...merchant }),
    queryPayment: (reference) => provider.queryPayment({ ...reference, ...merchant }),
    closePayment: (reference) => provider.closePayment({ ...reference, ...merchant }),
    refund: (request) => provider.refund({ ...request, ...merchant }),
    queryRefund: (reference) => provider.queryRefund({ ...reference, ...merchant }),
    async verifyNotification(request) {
      // The facade's binding of the signed account to the order's merchant: the suite's facade
      // knows no merchants, so the wrapper checks the account and hands on the rest.
      const { account: signedFor, ...verified } = await provider.verifyNotification(request);
      if (signedFor !== account.accountId)
        throw new SignatureVerificationError(provider.id, 'wrong_recipient', `for ${signedFor ?? 'the platform'}`);
      return verified;
    },
  };
}
