#!/usr/bin/env node
// Builds the packages for `pnpm demo` and `pnpm bench` without flooding the screen: nothing is built
// when every package's dist is newer than its sources, and the build's own output is shown only
// when it fails. What it prints fits the terminal (80 columns when the output is not one).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/**
 * What the script says before building: which packages changed, as lines of at most `columns`.
 *
 * @param {string[]} stale the packages whose sources are newer than their dist
 * @param {number} total how many packages there are
 * @param {number} columns the terminal's width
 * @returns {string[]}
 */
export function buildingMessage(stale, total, columns) {
  const words = `building ${total} packages (${stale.join(', ')} changed); a minute or more on a first run…`.split(' ');
  const lines = [];
  let line = '';
  for (const word of words) {
    const next = line === '' ? word : `${line} ${word}`;
    if ([...next].length > columns && line !== '') {
      lines.push(line);
      line = `  ${word}`;
    } else line = next;
  }
  lines.push(line);
  return lines;
}

function main() {
  const packages = readdirSync(join(root, 'packages')).filter((name) =>
    existsSync(join(root, 'packages', name, 'src')),
  );
  const stale = packages.filter((name) => {
    const dir = join(root, 'packages', name);
    const built = existsSync(join(dir, 'dist')) ? newest(join(dir, 'dist')) : 0;
    const sources = Math.max(newest(join(dir, 'src')), statSync(join(dir, 'package.json')).mtimeMs);
    return built === 0 || built < sources;
  });

  if (stale.length === 0) {
    console.log('packages are built (dist is newer than src)');
    return;
  }
  const started = Date.now();
  const columns = process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 80;
  for (const line of buildingMessage(stale, packages.length, columns)) console.log(line);
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
