import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Every entry of @hutong/core (main, store-kit, provider-utils, testing) is the merchant's installed
  // copy, never bundled: a bundled copy would duplicate core's classes and state.
  external: [/^@hutong\/core(\/.*)?$/, 'kysely', 'kysely/migration'],
});
