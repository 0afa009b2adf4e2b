import { defineConfig } from 'tsup';

// ESM only, like the config modules it imports; the core is a dependency, never bundled.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@hutong\//],
});
