import { runProviderConformance, runProviderConformanceTests } from '@hutong/core/conformance';
import type { AlipaySandbox } from '../src/sandbox/index.js';
import { sandboxed } from './sandbox-setup.js';

const sandboxes = new WeakMap<object, AlipaySandbox>();

runProviderConformanceTests({
  name: 'alipay (public-key mode, on the sandbox)',
  createProvider: () => {
    const { sandbox, provider } = sandboxed();
    sandboxes.set(provider, sandbox);
    return provider;
  },
  createInput: (method) => (method === 'jsapi' ? { buyerId: '2088102534368455' } : {}),
  pay: async (provider, order, action) => {
    const sandbox = sandboxes.get(provider) as AlipaySandbox;
    if (action.type === 'form' || action.type === 'redirect' || action.type === 'app') sandbox.open(action);
    return sandbox.pay(order.id);
  },
});

// The sandbox-driven suite: forged, attacker-signed, foreign notifications; tampered replies; a
// payment failed or closed at the wallet. Alipay's failed payment is a closed trade (TRADE_CLOSED),
// and its refunds settle at once (alipay.trade.refund answers the outcome; a failed refund is never
// notified), so the suite does not wait for them.
runProviderConformance({
  name: 'alipay (public-key mode, sandbox-driven)',
  setup: () => {
    const { sandbox, provider } = sandboxed();
    return { sandbox, provider };
  },
  createInput: (method) => (method === 'jsapi' ? { buyerId: '2088102534368455' } : {}),
  failedPaymentStatus: 'closed',
  refundsSettleAtOnce: true,
});
