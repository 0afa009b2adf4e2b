/**
 * WeChat Pay's profit sharing and transfers through core's movement conformance suite, on the
 * sandbox, with the provider's hooks recorded: every report verified and bound, unknown records
 * answered `not_found`, and no payee or receiver name in a hook, an error, an event or the order.
 * The sandbox's own events are shaped as the suite's `MovementSandbox` (WeChat Pay sends one
 * profit-sharing message per receiver, so the suite's splits here have one receiver each).
 */
import type { NotificationInput } from '@hutong/core';
import { runMovementConformance } from '@hutong/core/conformance';
import type { MovementSandbox } from '@hutong/core/testing';
import { sandboxed } from './sandbox-setup.js';

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

runMovementConformance({
  name: 'wechatpay',
  async setup() {
    const hooked: string[] = [];
    const record = (...args: unknown[]) => void hooked.push(JSON.stringify(args));
    const { provider, sandbox } = sandboxed({
      provider: { hooks: { onRequest: record, onResponse: record, onError: record } },
    });
    await provider.profitSharing.addReceiver({
      type: 'MERCHANT_ID',
      account: PLATFORM,
      name: '平台有限公司',
      relationType: 'PARTNER',
    });
    await provider.profitSharing.addReceiver({
      type: 'PERSONAL_OPENID',
      account: COURIER,
      name: COURIER_NAME,
      relationType: 'STAFF',
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
      forge,
    };
    return {
      provider,
      movements,
      pay: (orderId, action) => {
        sandbox.open(action);
        return sandbox.pay(orderId);
      },
      hooked: () => hooked,
    };
  },
  receivers: [{ type: 'merchant', account: PLATFORM, amount: 300, description: '平台佣金' }],
  namedReceivers: [
    {
      type: 'personal',
      account: COURIER,
      amount: 200,
      description: '配送费',
      name: COURIER_NAME,
    },
  ],
  payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: '王五' },
  transferOptions: {
    sceneId: '1005',
    sceneReports: [
      { type: '岗位类型', content: '外卖员' },
      { type: '报酬说明', content: '12月配送费' },
    ],
  },
});
