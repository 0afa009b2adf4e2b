#!/usr/bin/env node
// Builds the packages for `pnpm demo` and `pnpm bench` without flooding the screen: nothing is built
// when every package's dist is newer than its sources, and the build's own output is shown only
// when it fails.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** The newest modification time under `dir`, in ms (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const packages = readdirSync(join(root, 'packages')).filter((name) => existsSync(join(root, 'packages', name, 'src')));
const stale = packages.filter((name) => {
  const dir = join(root, 'packages', name);
  const built = existsSync(join(dir, 'dist')) ? newest(join(dir, 'dist')) : 0;
  const sources = Math.max(newest(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs);
  return built === 0 || built < sources;
});

if (stale.length === 0) {
  console.log('packages are built (dist is newer than src)');
} else {
  const started = Date.now();
  console.log(`building ${packages.length} packages (${stale.join(', ')} changed); about a minute on a first run…`);
  try {
    execFileSync('pnpm', ['-r', '--filter', './packages/*', 'build'], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    process.stderr.write(String(error.stdout ?? ''));
    process.stderr.write(String(error.stderr ?? ''));
    console.error('build failed');
    process.exit(1);
  }
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
