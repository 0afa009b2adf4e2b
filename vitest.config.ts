import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests run against the packages' TypeScript sources, so `pnpm test:unit` needs no build.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@hutong\/core\/conformance$/, replacement: source('./packages/core/src/conformance/index.ts') },
      { find: /^@hutong\/core\/provider-utils$/, replacement: source('./packages/core/src/provider-utils/index.ts') },
      { find: /^@hutong\/core\/store-kit$/, replacement: source('./packages/core/src/store-kit/index.ts') },
      { find: /^@hutong\/core\/testing$/, replacement: source('./packages/core/src/testing/index.ts') },
      {
        find: /^@hutong\/adapter-alipay\/protocol$/,
        replacement: source('./packages/adapter-alipay/src/protocol/index.ts'),
      },
      {
        find: /^@hutong\/adapter-alipay\/sandbox$/,
        replacement: source('./packages/adapter-alipay/src/sandbox/index.ts'),
      },
      { find: /^@hutong\/adapter-alipay$/, replacement: source('./packages/adapter-alipay/src/index.ts') },
      {
        find: /^@hutong\/adapter-wechatpay\/sandbox$/,
        replacement: source('./packages/adapter-wechatpay/src/sandbox/index.ts'),
      },
      {
        find: /^@hutong\/adapter-wechatpay\/protocol$/,
        replacement: source('./packages/adapter-wechatpay/src/protocol/index.ts'),
      },
      { find: /^@hutong\/adapter-wechatpay$/, replacement: source('./packages/adapter-wechatpay/src/index.ts') },
      {
        find: /^@hutong\/adapter-unionpay\/sandbox$/,
        replacement: source('./packages/adapter-unionpay/src/sandbox/index.ts'),
      },
      {
        find: /^@hutong\/adapter-unionpay\/protocol$/,
        replacement: source('./packages/adapter-unionpay/src/protocol/index.ts'),
      },
      { find: /^@hutong\/adapter-unionpay$/, replacement: source('./packages/adapter-unionpay/src/index.ts') },
      { find: /^@hutong\/cli$/, replacement: source('./packages/cli/src/index.ts') },
      { find: /^@hutong\/sandbox-cli$/, replacement: source('./packages/sandbox-cli/src/index.ts') },
      {
        find: /^@hutong\/checkout\/conformance$/,
        replacement: source('./packages/checkout/src/conformance/index.ts'),
      },
      { find: /^@hutong\/checkout$/, replacement: source('./packages/checkout/src/index.ts') },
      { find: /^@hutong\/store-sql$/, replacement: source('./packages/store-sql/src/index.ts') },
      { find: /^@hutong\/core$/, replacement: source('./packages/core/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'tests/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'threads',
    // Decides which database servers the server-backed suites of @hutong/store-sql use.
    // The second fails the run if a test leaves a child process running (tests/support/processes.ts).
    globalSetup: ['./packages/store-sql/test/server-urls.ts', './tests/support/leftover-processes.ts'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
