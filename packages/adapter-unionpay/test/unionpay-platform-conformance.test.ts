/**
 * Issue 23: the whole provider conformance suite (hostile cases included) for a platform's
 * sub-merchant (`accessType=2`, `subMerId`) and an acquirer's merchant (`accessType=1`), on the
 * sandbox serving each access type.
 */
import { runProviderConformance } from '@hutong/core/conformance';
import { forMerchant, platformSandboxed } from './platform-setup.js';

runProviderConformance({
  name: 'unionpay platform merchant (accessType=2) on the sandbox',
  setup: () => {
    const { sandbox, provider, shopA } = platformSandboxed('platform');
    return { sandbox, provider: forMerchant(provider, shopA) };
  },
  createInput: (method) => (method === 'pos' ? { authCode: '6200000000000000001' } : {}),
});

runProviderConformance({
  name: 'unionpay acquirer access (accessType=1) on the sandbox',
  setup: () => {
    const { sandbox, provider, shopA } = platformSandboxed('acquirer');
    return { sandbox, provider: forMerchant(provider, shopA) };
  },
  createInput: (method) => (method === 'pos' ? { authCode: '6200000000000000001' } : {}),
});
