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
import type { MovementSandbox } from '@hutong/core/testing';
import { account } from './requests.js';
import { partnerSandboxed, SUB_A } from './sandbox-setup.js';

const PLATFORM = '86693852';
const COURIER_NAME = '李四';
const COURIER = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

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
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: PLATFORM,
      name: '平台有限公司',
      relationType: 'PARTNER',
      merchant,
    });
    await provider.profitSharing.addReceiver({
      type: 'PERSONAL_OPENID',
      account: COURIER,
      name: COURIER_NAME,
      relationType: 'STAFF',
      merchant,
    });
    const movements: MovementSandbox = {
      settleSplit(_orderId, splitId, options = {}) {
        const receivers = sandbox.splitOrder(splitId)?.receivers.map((r) => r.account) ?? [];
        const [only, ...others] = sandbox.settleSplit(splitId, options.close ? { closed: receivers } : {});
        if (!only || others.length > 0) throw new Error('the suite’s WeChat Pay splits have one receiver each');
        return only;
      },
      settleReturn() {
        throw new Error('WeChat Pay answers a split return at once: it sends no message about one');
      },
      completeTransfer: (transferId) => sandbox.confirmTransfer(transferId),
      failTransfer: (transferId, reason) => sandbox.failTransfer(transferId, reason),
      forge(genuine) {
        // A transfer's state is inside the encrypted resource: changing it changes the ciphertext.
        const body = JSON.parse(String(genuine.body)) as { event_type: string; resource: { ciphertext: string } };
        const swapped: Record<string, string> = {
          'PROFITSHARING.SUCCESS': 'PROFITSHARING.CLOSED',
          'PROFITSHARING.CLOSED': 'PROFITSHARING.SUCCESS',
        };
        const event_type = swapped[body.event_type];
        const ciphertext = `${body.resource.ciphertext.slice(0, -4)}AAAA`;
        const forged = event_type ? { ...body, event_type } : { ...body, resource: { ...body.resource, ciphertext } };
        return { ...genuine, body: JSON.stringify(forged) };
      },
    };
    return {
      provider: forMerchant(provider, merchant),
      movements,
      pay: (orderId, action) => {
        sandbox.open(action);
        return sandbox.pay(orderId);
      },
      hooked: () => hooked,
    };
  },
  receivers: [{ type: 'merchant', account: PLATFORM, amount: 300, description: '平台佣金' }],
  namedReceivers: [{ type: 'personal', account: COURIER, amount: 200, description: '配送费', name: COURIER_NAME }],
  payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: '王五' },
  transferOptions: {
    sceneId: '1005',
    sceneReports: [
      { type: '岗位类型', content: '外卖员' },
      { type: '报酬说明', content: '12月配送费' },
    ],
  },
});
