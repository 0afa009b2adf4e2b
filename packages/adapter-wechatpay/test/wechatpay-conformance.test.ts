import { runProviderConformance } from '@hutong/core/conformance';
import { sandboxed } from './sandbox-setup.js';

for (const mode of ['public-key', 'certificate'] as const) {
  runProviderConformance({
    name: `wechatpay (${mode} mode, on the sandbox)`,
    setup: () => sandboxed({ mode }),
    createInput: (method) =>
      method === 'jsapi'
        ? { buyerId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }
        : method === 'h5'
          ? { clientIp: '203.0.113.7' }
          : {},
  });
}
