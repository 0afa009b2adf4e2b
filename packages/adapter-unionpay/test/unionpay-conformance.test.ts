import { runProviderConformance } from '@hutong/core/conformance';
import { sandboxed } from './sandbox-setup.js';

// The whole suite, hostile cases included, on the sandbox and its hooks (fail, close, hostile.*).
runProviderConformance({
  name: 'unionpay (on the sandbox)',
  setup: () => {
    const { sandbox, provider } = sandboxed();
    return { sandbox, provider };
  },
  createInput: (method) => (method === 'pos' ? { authCode: '6200000000000000001' } : {}),
});
