import { runProviderConformanceTests } from '@hutong/core/conformance';
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
