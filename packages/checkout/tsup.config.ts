import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['@hutong/core', '@hutong/core/provider-utils'],
  },
  {
    // The checkout store conformance suite (`@hutong/checkout/conformance`): ESM only, like vitest.
    entry: { 'conformance/index': 'src/conformance/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    external: ['@hutong/core', '@hutong/core/provider-utils', 'vitest'],
  },
]);
