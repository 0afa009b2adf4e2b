import { defineConfig } from 'tsup';

// `@hutong/core` is external inside its own subpath entries, so `testing` and `conformance` share
// the main entry's classes instead of carrying copies.
const external = [
  'vitest',
  '@hutong/core',
  '@hutong/core/testing',
  '@hutong/core/provider-utils',
  '@hutong/core/store-kit',
];
// The parts of zod/mini in use are bundled and tree-shaken: importing all of zod costs a cold start
// about 60 ms, the bundled parts about 5 ms (`pnpm bench`, "Cold start").
const bundled = [/^zod(\/|$)/];

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'provider-utils/index': 'src/provider-utils/index.ts',
      'store-kit/index': 'src/store-kit/index.ts',
      'testing/index': 'src/testing/index.ts',
      'conformance/index': 'src/conformance/index.ts',
    },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external,
    noExternal: bundled,
  },
  {
    // nanoid is ESM-only; the CommonJS build carries its few lines so `require` works on every Node 20.
    // The conformance suites are ESM-only, like vitest itself.
    // Split into shared chunks like the ESM build, so both entries share one copy of each class.
    entry: {
      index: 'src/index.ts',
      'provider-utils/index': 'src/provider-utils/index.ts',
      'store-kit/index': 'src/store-kit/index.ts',
      'testing/index': 'src/testing/index.ts',
    },
    format: ['cjs'],
    splitting: true,
    dts: true,
    sourcemap: true,
    target: 'node20',
    external,
    noExternal: ['nanoid', ...bundled],
  },
]);
