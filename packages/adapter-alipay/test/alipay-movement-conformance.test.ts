/**
 * Alipay's settlements and transfers through core's movement conformance suite, on the sandbox in
 * certificate mode (transfers need it), with the provider's hooks recorded: every message verified
 * and bound, unknown records answered `not_found`, a split return refused before it is recorded
 * (Alipay has none), and no payee or receiver name in a hook, an error, an event or the order.
 * Alipay sends names in clear inside its signed requests, so the hooks' redaction is what keeps
 * them out. The sandbox holds settlements and transfers so that the suite finishes them.
 */
import type { NotificationInput } from '@hutong/core';
import { runMovementConformance } from '@hutong/core/conformance';
import type { MovementSandbox } from '@hutong/core/testing';
import { alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY } from './sandbox-setup.js';

const PLATFORM = '2088101126765726';
const GUIDE = '2088101126708402';

/** The same message with what it reports changed and its signature kept, as an attacker sends it. */
function forge(genuine: NotificationInput): NotificationInput {
  const body = String(genuine.body);
  const swapped = body.includes(encodeURIComponent('"SUCCESS"'))
    ? body.replaceAll(encodeURIComponent('"SUCCESS"'), encodeURIComponent('"FAIL"'))
    : body.replaceAll(encodeURIComponent('"FAIL"'), encodeURIComponent('"SUCCESS"'));
  if (swapped === body) throw new Error('nothing to forge in this message');
  return { ...genuine, body: swapped };
}

runMovementConformance({
  name: 'alipay',
  async setup() {
    const hooked: string[] = [];
    const record = (...args: unknown[]) => void hooked.push(JSON.stringify(args));
    const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    sandbox.holdMoneyMovement({ settlements: true, transfers: true });
    const provider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      ...sandbox.certificates(),
      endpoint: sandbox.baseUrl,
      fetch: sandbox.fetch,
      hooks: { onRequest: record, onResponse: record, onError: record },
    });
    await provider.bindRoyaltyRelation({
      requestId: 'confBind0001',
      receivers: [{ account: PLATFORM }, { account: GUIDE }],
    });
    const movements: MovementSandbox = {
      settleSplit: (orderId, splitId, options = {}) =>
        sandbox.finishSettlement(orderId, splitId, options.close ? { fail: [PLATFORM, GUIDE] } : {}),
      settleReturn() {
        throw new Error('Alipay has no split return');
      },
      completeTransfer: (transferId) => sandbox.finishTransfer(transferId),
      failTransfer: (transferId, reason) =>
        sandbox.finishTransfer(transferId, { fail: reason ?? 'PAYEE_ACCOUNT_STATUS_ERROR' }),
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
  receivers: [
    { type: 'merchant', account: PLATFORM, amount: 300, description: '平台佣金' },
    { type: 'personal', account: GUIDE, amount: 200, description: '导游分成' },
  ],
  // A web payment: Alipay takes split returns within refunds of page, h5 and app payments only.
  createInput: { method: 'page', returnUrl: 'https://merchant.example/return' },
  // A login id needs the payee's name at Alipay: it travels in clear in the signed request.
  payee: { type: 'loginId', account: 'guide@example.com', name: '赵导游' },
});
