#!/usr/bin/env node
// `pnpm release:try`: installs the release as a user would, before it is published. Packs every
// public package (or takes the tarballs of `--pack-dir`), serves them from a registry on loopback
// (scripts/local-registry.mjs, the `@hutong` scope only), then in empty projects outside the
// monorepo installs each package alone and each install line of the docs, with npm and with pnpm,
// imports every entry point that installed, and runs every bin with `--help`. Any failure fails the
// run. `--serve` only serves the registry and prints how to point an app at it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRegistry } from './local-registry.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
};
const serveOnly = args.includes('--serve');

/** Packs every public package into a fresh folder, as `pnpm publish` would pack it. */
function packAll() {
  execFileSync('node', [join(root, 'scripts', 'build-quietly.mjs')], { stdio: 'inherit' });
  const folder = join(root, '.pack', 'release');
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private) continue;
    execFileSync('pnpm', ['pack', '--pack-destination', folder], { cwd: dir, stdio: 'ignore' });
  }
  return folder;
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
    const direct = Object.keys({ ...project.dependencies, ...project.devDependencies }).filter((name) =>
      name.startsWith('@hutong/'),
    );
    for (const name of direct) {
      const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
      if (!/^\d+\.\d+\.\d+$/.test(manifest.version)) return `${name} installed at ${manifest.version}`;
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
  const manager = line.startsWith('pnpm') ? 'pnpm' : 'npm';
  if (!cases.some((c) => c.line === line)) cases.push({ manager, line, from: file });
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
  console.error(`\n${failures.length} of ${cases.length} installs failed (${seconds} s):\n\n${failures.join('\n\n')}`);
  process.exit(1);
}
console.log(`\n${cases.length} installs from the local registry passed with npm and pnpm (${seconds} s)`);
