import { runProviderConformanceTests } from '@hutong/core/conformance';
import type { UnionpaySandbox } from '../src/sandbox/index.js';
import { sandboxed } from './sandbox-setup.js';

const sandboxes = new WeakMap<object, UnionpaySandbox>();

runProviderConformanceTests({
  name: 'unionpay (on the sandbox)',
  createProvider: () => {
    const { sandbox, provider } = sandboxed();
    sandboxes.set(provider, sandbox);
    return provider;
  },
  createInput: (method) => (method === 'pos' ? { authCode: '6200000000000000001' } : {}),
  pay: async (provider, order, action) => {
    const sandbox = sandboxes.get(provider) as UnionpaySandbox;
    if (action.type === 'form') sandbox.open(action);
    return sandbox.pay(order.id);
  },
  settleRefund: async (provider, order, refundId) =>
    (sandboxes.get(provider) as UnionpaySandbox).settleRefund(order.id, refundId),
});
