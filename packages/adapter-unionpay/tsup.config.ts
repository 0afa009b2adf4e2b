import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'protocol/index': 'src/protocol/index.ts', 'sandbox/index': 'src/sandbox/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CommonJS build (node-forge is loaded through createRequire).
  shims: true,
  target: 'node20',
  // The sandbox entry imports the adapter through the package name, so both share one copy.
  external: [
    '@hutong/core',
    '@hutong/core/provider-utils',
    '@hutong/core/testing',
    '@hutong/adapter-unionpay',
    '@hutong/adapter-unionpay/protocol',
  ],
});
