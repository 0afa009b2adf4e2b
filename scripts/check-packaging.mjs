#!/usr/bin/env node
// Packs every public package the way `pnpm publish` would, as the release will publish it (the
// pending changesets applied in a scratch copy: scripts/pack-release.mjs, which also refuses an
// incoherent release), and checks the tarball: publint (exports map, files, module formats) and
// @arethetypeswrong/cli (types resolve for ESM and CommonJS consumers under node16 and bundler
// resolution), then installs them as users will (scripts/try-release.mjs). Any problem fails the run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packRelease } from './pack-release.mjs';

const root = new URL('..', import.meta.url).pathname;
const packDir = join(root, '.pack');
rmSync(packDir, { recursive: true, force: true });
mkdirSync(packDir);

const run = (command, args, cwd = root) => execFileSync(command, args, { cwd, stdio: 'inherit' });
let failed = false;

// zod is bundled into @hutong/core, the parts in use only, and adapters take it from there: a
// package that loads zod at run time costs a cold start about 60 ms (`pnpm bench`, "Cold start").
const RUNTIME_ZOD =
  /(?:\bfrom\s*|\bimport\s*\(\s*|(?<![\w$])(?:__)?require\s*\(\s*|\bimport\s+)["'`]zod(?:\/[^"'`]*)?["'`]/;
const builtFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(?:c|m)?js$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dist = join(root, 'packages', name, 'dist');
  if (!existsSync(dist)) continue;
  for (const file of builtFiles(dist)) {
    if (RUNTIME_ZOD.test(readFileSync(file, 'utf8'))) {
      failed = true;
      console.error(`${file.slice(root.length)} loads zod at run time: use \`z\` from @hutong/core/provider-utils`);
    }
  }
}

let packed = [];
try {
  packed = packRelease(packDir);
  console.log(`\nthe release: ${packed.map((p) => `${p.name}@${p.version}`).join(', ')}`);
} catch (error) {
  failed = true;
  console.error(`packing the release failed: ${error.message}`);
}
for (const { name, tarball: file } of packed) {
  const manifest = JSON.parse(
    readFileSync(join(root, 'packages', name.replace('@hutong/', ''), 'package.json'), 'utf8'),
  );
  console.log(`\n── ${manifest.name}`);
  try {
    run('pnpm', ['exec', 'publint', 'run', file, '--strict']);
    // Entry points without a `require` condition are ESM-only on purpose (they import vitest).
    const esmOnly = Object.entries(manifest.exports ?? {})
      .filter(([, target]) => typeof target === 'object' && !('require' in target) && 'import' in target)
      .map(([entry]) => entry);
    const excluded = esmOnly.length ? ['--exclude-entrypoints', ...esmOnly] : [];
    run('pnpm', ['exec', 'attw', file, '--profile', 'node16', ...excluded]);
    if (esmOnly.length) run('pnpm', ['exec', 'attw', file, '--profile', 'esm-only', '--entrypoints', ...esmOnly]);
  } catch (error) {
    failed = true;
    console.error(`packaging check failed for ${manifest.name}: ${error.message}`);
  }
}

// Every TypeScript block of the docs, compiled against these tarballs as a new app would see them.
if (!failed) {
  try {
    run('node', [join(root, 'scripts', 'check-snippets.mjs'), packDir]);
  } catch (error) {
    failed = true;
    console.error(`snippet check failed: ${error.message}`);
  }
}

// The release as a user installs it: each package alone and each install line of the docs, with npm
// and pnpm, from a registry on loopback serving these tarballs (`pnpm release:try`).
if (!failed) {
  try {
    run('node', [join(root, 'scripts', 'try-release.mjs'), '--pack-dir', packDir]);
  } catch (error) {
    failed = true;
    console.error(`install check failed: ${error.message}`);
  }
}

rmSync(packDir, { recursive: true, force: true });
if (failed) process.exit(1);
console.log('\npackaging checks passed');
