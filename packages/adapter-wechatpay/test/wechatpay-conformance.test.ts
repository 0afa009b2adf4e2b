import { runProviderConformanceTests } from '@hutong/core/conformance';
import type { WechatpaySandbox } from '../src/sandbox/index.js';
import { sandboxed } from './sandbox-setup.js';

for (const mode of ['public-key', 'certificate'] as const) {
  const sandboxes = new WeakMap<object, WechatpaySandbox>();
  runProviderConformanceTests({
    name: `wechatpay (${mode} mode, on the sandbox)`,
    createProvider: () => {
      const { sandbox, provider } = sandboxed({ mode });
      sandboxes.set(provider, sandbox);
      return provider;
    },
    createInput: (method) =>
      method === 'jsapi'
        ? { buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }
        : method === 'h5'
          ? { clientIp: '203.0.113.7' }
          : {},
    pay: async (provider, order) => (sandboxes.get(provider) as WechatpaySandbox).pay(order.id),
    settleRefund: async (provider, order, refundId) =>
      (sandboxes.get(provider) as WechatpaySandbox).settleRefund(order.id, refundId),
  });
}
