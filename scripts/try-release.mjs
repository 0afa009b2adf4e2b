#!/usr/bin/env node
// `pnpm release:try`: installs the release as a user would, before it is published. Packs every
// public package as the release will publish it (the pending changesets applied in a scratch copy:
// scripts/pack-release.mjs), or takes the tarballs of `--pack-dir`, serves them from a registry on
// loopback (scripts/local-registry.mjs, the `@hutong` scope only), then in empty projects outside the
// monorepo installs each package alone and each install line of the docs, each with npm and with
// pnpm, checks the range the package manager saved (`^1.x` or above: `^0.0.0` would take no update),
// imports every entry point that installed, and runs every bin with `--help`. Any failure fails the
// run. `--serve` only serves the registry and prints how to point an app at it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRegistry } from './local-registry.mjs';
import { packRelease } from './pack-release.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const serveOnly = args.includes('--serve');

/** Packs the release into a fresh folder (scripts/pack-release.mjs) and says which versions it holds. */
function packAll() {
  execFileSync('node', [join(root, 'scripts', 'build-quietly.mjs')], { stdio: 'inherit' });
  const folder = join(root, '.pack', 'release');
  rmSync(folder, { recursive: true, force: true });
  const packed = packRelease(folder);
  console.log(`the release: ${packed.map((p) => `${p.name}@${p.version}`).join(', ')}`);
  return folder;
}

/**
 * The same install with the other package manager: `npm install [--save-dev] …` ⇄ `pnpm add [-D] …`.
 * Every line of the docs is tried both ways, as users copy a line into either.
 */
export function otherManager(line) {
  const npm = /^npm (?:install|i)\s+(.*)$/.exec(line);
  if (npm) return `pnpm add ${npm[1].replace(/(^|\s)--save-dev(?=\s|$)/, '$1-D')}`;
  const pnpm = /^pnpm add\s+(.*)$/.exec(line);
  if (pnpm) return `npm install ${pnpm[1].replace(/(^|\s)(?:-D|--save-dev)(?=\s|$)/, '$1--save-dev')}`;
  return undefined;
}

/** Every install line of the docs: `npm install …`, `npm i …` or `pnpm add …` naming an @hutong package. */
export function docInstallLines() {
  const files = [
    join(root, 'README.md'),
    ...readdirSync(join(root, 'docs'))
      .filter((file) => file.endsWith('.md'))
      .map((file) => join(root, 'docs', file)),
    ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name, 'README.md')),
  ].filter((file) => existsSync(file));
  const lines = new Map();
  for (const file of files) {
    let fenced = false;
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*```/.test(raw)) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) continue;
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!/^(?:npm (?:install|i)|pnpm add)\s/.test(line) || !line.includes('@hutong/')) continue;
      if (/\s-g\b|--global/.test(line)) continue;
      if (!lines.has(line)) lines.set(line, file.slice(root.length));
    }
  }
  return [...lines].map(([line, file]) => ({ line, file }));
}

/** Runs a command; resolves with its exit code and its output (both streams). */
function run(command, commandArgs, cwd, timeoutMs = 180_000) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, {
      cwd,
      env: {
        ...process.env,
        npm_config_audit: 'false',
        npm_config_fund: 'false',
        npm_config_update_notifier: 'false',
        CI: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}

/** The entry points a new app can import without test tooling: those with a `require` condition or `.`. */
function importableEntries(manifest) {
  const exports = manifest.exports ?? { '.': {} };
  return Object.entries(exports)
    .filter(
      ([entry, target]) =>
        entry !== './package.json' && (entry === '.' || typeof target !== 'object' || 'require' in target),
    )
    .map(([entry]) => (entry === '.' ? manifest.name : `${manifest.name}/${entry.slice(2)}`));
}

/** Installs in an empty project and checks imports and bins; resolves with a failure message or undefined. */
async function tryInstall(registry, line) {
  const dir = mkdtempSync(join(tmpdir(), 'hutong-try-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'try-hutong', private: true, type: 'module' }));
    writeFileSync(join(dir, '.npmrc'), `@hutong:registry=${registry}\n`);
    const words = line.split(/\s+/);
    const installed = await run(words[0], words.slice(1), dir);
    if (installed.code !== 0)
      return `\`${line}\` exited ${installed.code}:\n${installed.output.trim().split('\n').slice(-15).join('\n')}`;
    const project = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const saved = { ...project.dependencies, ...project.devDependencies };
    const direct = Object.keys(saved).filter((name) => name.startsWith('@hutong/'));
    for (const name of direct) {
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
      if (!/^\d+\.\d+\.\d+$/.test(manifest.version)) return `${name} installed at ${manifest.version}`;
      // A range below 1 (`^0.0.0`) matches only that version: the app would never get an update.
      if (!/^\^[1-9]\d*\.\d+\.\d+$/.test(saved[name]))
        return `\`${line}\` saved "${name}": "${saved[name]}", a range that takes no update (want ^1.x or above)`;
      for (const entry of importableEntries(manifest)) {
        const imported = await run(
          'node',
          ['--input-type=module', '-e', `await import(${JSON.stringify(entry)});`],
          dir,
        );
        if (imported.code !== 0)
          return `\`${line}\`: import('${entry}') failed:\n${imported.output.trim().split('\n').slice(-8).join('\n')}`;
      }
      for (const bin of Object.keys(
        typeof manifest.bin === 'string' ? { [name]: manifest.bin } : (manifest.bin ?? {}),
      )) {
        const ran = await run(join(dir, 'node_modules', '.bin', bin), ['--help'], dir, 30_000);
        if (ran.code !== 0)
          return `\`${line}\`: \`${bin} --help\` exited ${ran.code}:\n${ran.output.trim().split('\n').slice(-8).join('\n')}`;
      }
    }
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const folder = option('--pack-dir') ?? packAll();
  const registry = await startLocalRegistry(folder);
  if (serveOnly) {
    console.log(`Serving ${registry.names.join(', ')} at ${registry.url}`);
    console.log(`In your app's .npmrc:  @hutong:registry=${registry.url}`);
    console.log('Then install as the docs say (npm install / pnpm add). Ctrl-C stops the registry.');
    await new Promise(() => {});
  }

  const cases = [];
  for (const name of registry.names) {
    cases.push({ manager: 'npm', line: `npm install ${name}`, from: 'each package alone' });
    cases.push({ manager: 'pnpm', line: `pnpm add ${name}`, from: 'each package alone' });
  }
  for (const { line, file } of docInstallLines()) {
    for (const [each, from] of [
      [line, file],
      [otherManager(line), `${file}, with the other package manager`],
    ]) {
      if (each === undefined) continue;
      const manager = each.startsWith('pnpm') ? 'pnpm' : 'npm';
      if (!cases.some((c) => c.line === each)) cases.push({ manager, line: each, from });
    }
  }

  const concurrency = Number(option('--concurrency') ?? 4);
  const failures = [];
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const item = cases[next++];
        const failure = await tryInstall(registry.url, item.line);
        console.log(`${failure ? 'FAIL' : 'ok  '}  ${item.line}   (${item.from})`);
        if (failure) failures.push(`${item.line} (${item.from})\n${failure}`);
      }
    }),
  );
  await registry.close();
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  if (failures.length) {
    console.error(
      `\n${failures.length} of ${cases.length} installs failed (${seconds} s):\n\n${failures.join('\n\n')}`,
    );
    process.exit(1);
  }
  console.log(`\n${cases.length} installs from the local registry passed with npm and pnpm (${seconds} s)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
