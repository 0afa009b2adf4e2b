/**
 * What the WeChat Pay movement conformance runs share, direct and partner mode: the receivers the
 * sandbox has bound, the sandbox's events shaped as the suite's `MovementSandbox` (WeChat Pay sends
 * one profit-sharing message per receiver, so the suite's splits have one receiver each), the
 * forgery, and the suite's receivers, payee and transfer options.
 */
import type { NotificationInput } from '@hutong/core';
import type { MovementConformanceSuite } from '@hutong/core/conformance';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import type { MovementSandbox } from '@hutong/core/testing';
import type { WechatpayProvider } from '../src/index.js';
import type { WechatpaySandbox } from '../src/sandbox/index.js';

const PLATFORM = '86693852';
const COURIER_NAME = '李四';
const COURIER = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

/** The same message with what it reports changed and its signature kept, as an attacker sends it. */
function forge(genuine: NotificationInput): NotificationInput {
  const body = JSON.parse(String(genuine.body)) as { event_type: string; resource: { ciphertext: string } };
  const swapped: Record<string, string> = {
    'PROFITSHARING.SUCCESS': 'PROFITSHARING.CLOSED',
    'PROFITSHARING.CLOSED': 'PROFITSHARING.SUCCESS',
  };
  const event_type = swapped[body.event_type];
  // A transfer's state is inside the encrypted resource: changing it changes the ciphertext.
  const ciphertext = `${body.resource.ciphertext.slice(0, -4)}AAAA`;
  const forged = event_type ? { ...body, event_type } : { ...body, resource: { ...body.resource, ciphertext } };
  return { ...genuine, body: JSON.stringify(forged) };
}

/** Adds the suite's two receivers (for `merchant`'s splits in partner mode). */
export async function addConformanceReceivers(provider: WechatpayProvider, merchant?: MerchantAccount): Promise<void> {
  const of = merchant ? { merchant } : {};
  await provider.profitSharing.addReceiver({
    type: 'MERCHANT_ID',
    account: PLATFORM,
    name: '平台有限公司',
    relationType: 'PARTNER',
    ...of,
  });
  await provider.profitSharing.addReceiver({
    type: 'PERSONAL_OPENID',
    account: COURIER,
    name: COURIER_NAME,
    relationType: 'STAFF',
    ...of,
  });
}

/** The sandbox's events as the suite's `MovementSandbox`. */
export function conformanceMovements(sandbox: WechatpaySandbox): MovementSandbox {
  return {
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
    forge,
  };
}

/** The suite's receivers, payee and transfer options, the same in both modes. */
export const CONFORMANCE_MOVEMENTS = {
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
} satisfies Pick<MovementConformanceSuite, 'receivers' | 'namedReceivers' | 'payee' | 'transferOptions'>;
