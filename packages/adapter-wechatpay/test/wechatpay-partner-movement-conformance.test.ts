/**
 * WeChat Pay's profit sharing and transfers through core's movement conformance suite in partner
 * mode (服务商) on the sandbox: every call is for sub-merchant A, which has authorised the service
 * provider's transfers, as the facade makes it once it resolves the merchant (the wrapper below
 * stands in for that resolution and for the binding of the signed `sub_mchid` to A). The suite's
 * facade knows no merchants, so the wrapper declares none.
 */
import { SignatureVerificationError } from '@hutong/core';
import { runMovementConformance } from '@hutong/core/conformance';
import type { MerchantAccount, PaymentProvider } from '@hutong/core/provider-utils';
import { addConformanceReceivers, CONFORMANCE_MOVEMENTS, conformanceMovements } from './movement-conformance-setup.js';
import { account } from './requests.js';
import { partnerSandboxed, SUB_A } from './sandbox-setup.js';

type Call = (request: object) => unknown;

/** The provider, each call carrying `merchant`, each notification's account checked to be its. */
function forMerchant<P extends PaymentProvider>(provider: P, merchant: MerchantAccount): P {
  const wrapped = { ...provider, capabilities: { ...provider.capabilities, merchants: false } } as P;
  const calls = [
    'validatePayment',
    'createPayment',
    'resumePayment',
    'queryPayment',
    'closePayment',
    'refund',
    'queryRefund',
    'split',
    'querySplit',
    'returnSplit',
    'queryReturn',
    'validateTransfer',
    'transfer',
    'queryTransfer',
    'cancelTransfer',
  ] as const;
  for (const name of calls) {
    const call = provider[name] as Call | undefined;
    if (typeof call === 'function')
      (wrapped as Record<string, unknown>)[name] = (request: object) => call({ ...request, merchant });
  }
  const own = <V extends { account?: string | undefined }>(verified: V) => {
    if (verified.account !== merchant.accountId)
      throw new SignatureVerificationError(
        provider.id,
        'wrong_recipient',
        'the notification is for another sub-merchant',
      );
    const { account: _account, ...rest } = verified;
    return rest as V;
  };
  wrapped.verifyNotification = async (request) => own(await provider.verifyNotification(request));
  wrapped.verifyMovementNotification = async (request) =>
    own(await (provider.verifyMovementNotification as NonNullable<P['verifyMovementNotification']>)(request));
  return wrapped;
}

runMovementConformance({
  name: 'wechatpay partner mode (sub-merchant 1900000109)',
  async setup() {
    const hooked: string[] = [];
    const record = (...args: unknown[]) => void hooked.push(JSON.stringify(args));
    const { provider, sandbox } = partnerSandboxed({
      hooks: { onRequest: record, onResponse: record, onError: record },
    });
    const merchant = account(SUB_A);
    await provider.transfers.authorizeSubMerchant({ merchant, applyId: 'confAuth0001' });
    sandbox.acceptTransferAuthorization(merchant.accountId);
    await addConformanceReceivers(provider, merchant);
    return {
      provider: forMerchant(provider, merchant),
      movements: conformanceMovements(sandbox),
      pay: (orderId, action) => {
        sandbox.open(action);
        return sandbox.pay(orderId);
      },
      hooked: () => hooked,
    };
  },
  ...CONFORMANCE_MOVEMENTS,
});
