import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    external: ['vitest', '@hutong/core'],
  },
  {
    // nanoid is ESM-only; the CommonJS build carries its few lines so `require` works on every Node 20.
    entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    external: ['vitest', '@hutong/core'],
    noExternal: ['nanoid'],
  },
]);
