#!/usr/bin/env node
// Type-checks every fenced `ts` block of README.md, docs/*.md and the packages' READMEs against the
// packed tarballs, as a new app outside the monorepo would see them: `tsc --strict` with
// `exactOptionalPropertyTypes`, NodeNext resolution, the packages installed as pnpm installs them
// (each one's dependencies out of the app's reach), and the checks in scripts/consumer-checks. Run by scripts/check-packaging.mjs once the tarballs exist (`node scripts/check-snippets.mjs
// .pack`), or alone, which packs them first.
//
// A block may be preceded by an HTML comment `<!-- ts-preamble ... -->` that declares the names it
// assumes (keys, a server, the merchant's own functions); the block must otherwise be complete.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// With a folder of tarballs (the packaging check's), use them; alone, pack afresh into .pack/snippets.
const given = process.argv[2] ? resolve(process.argv[2]) : undefined;
const packDir = given ?? join(root, '.pack', 'snippets');
const app = join(packDir, 'snippet-app');

if (!given) {
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  for (const name of readdirSync(join(root, 'packages')).sort()) {
    const dir = join(root, 'packages', name);
    if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private) continue;
    execFileSync('pnpm', ['pack', '--pack-destination', packDir], { cwd: dir, stdio: 'ignore' });
  }
}

rmSync(app, { recursive: true, force: true });
const modules = join(app, 'node_modules');
mkdirSync(join(modules, '@hutong'), { recursive: true });

// Each tarball unpacked as the registry would install it. Its dependencies are linked from the
// monorepo's store into its own node_modules, as pnpm installs them: a snippet that imports one
// the app did not install itself fails, as it would in a pnpm app. The peers it asks the app for
// are installed at the top, where the app's own dependencies are.
const linked = new Set();
for (const tarball of readdirSync(packDir).filter((file) => file.endsWith('.tgz'))) {
  const staging = join(app, '.staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging);
  execFileSync('tar', ['-xzf', join(packDir, tarball), '-C', staging]);
  const manifest = JSON.parse(readFileSync(join(staging, 'package', 'package.json'), 'utf8'));
  const target = join(modules, manifest.name);
  rmSync(target, { recursive: true, force: true });
  execFileSync('mv', [join(staging, 'package'), target]);
  rmSync(staging, { recursive: true, force: true });
  const source = join(root, 'packages', manifest.name.replace('@hutong/', ''));
  const require = createRequire(join(source, 'package.json'));
  // What a real app installs with the package: its dependencies, and the peers it asks the app for
  // (with their type packages, where the package's own tests have them).
  const own = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies });
  const peers = Object.keys({ ...manifest.peerDependencies });
  const withTypes = (names) => [...names, ...names.map((name) => `@types/${name.replace('@', '').replace('/', '__')}`)];
  const install = (dependency, into, seen) => {
    if (dependency.startsWith('@hutong/') || seen.has(dependency)) return;
    const found = locate(require, source, dependency);
    if (found === undefined) return;
    const destination = join(into, dependency);
    mkdirSync(dirname(destination), { recursive: true });
    symlinkSync(found, destination, 'dir');
    seen.add(dependency);
  };
  const ownSeen = new Set();
  for (const dependency of withTypes(own)) install(dependency, join(target, 'node_modules'), ownSeen);
  for (const dependency of withTypes(peers)) install(dependency, modules, linked);
}

/** A dependency's folder as the package resolves it (some packages do not export package.json). */
function locate(require, source, dependency) {
  try {
    return dirname(require.resolve(`${dependency}/package.json`));
  } catch {
    const folder = join(source, 'node_modules', dependency);
    return existsSync(folder) ? folder : undefined;
  }
}
for (const types of ['@types/node']) {
  const destination = join(modules, types);
  mkdirSync(dirname(destination), { recursive: true });
  symlinkSync(join(root, 'node_modules', types), destination, 'dir');
}

const only = process.env.SNIPPETS_ONLY ? new RegExp(process.env.SNIPPETS_ONLY) : null;
const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
  ...readdirSync(join(root, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((file) => existsSync(join(root, file))),
].filter((document) => !only || only.test(document));

const fence = /(?:<!--\s*ts-preamble\s*\n([\s\S]*?)-->\s*\n)?```ts\n([\s\S]*?)```/g;
const sources = [];
for (const document of documents) {
  const text = readFileSync(join(root, document), 'utf8');
  for (const match of text.matchAll(fence)) {
    const line = text.slice(0, match.index).split('\n').length;
    const preamble = match[1] ?? '';
    const name = `${document.replace(/[/.]/g, '_')}_L${line}.ts`;
    // Each snippet is a module of its own, so their top-level names do not collide.
    sources.push(name);
    writeFileSync(join(app, name), `// ${document}:${line}\n${preamble}\n${match[2]}\nexport {};\n`);
  }
}

const documentBlocks = sources.length;
// Checks of how an app sees the packages beyond what the docs show (strictest compiler options).
for (const file of readdirSync(join(root, 'scripts', 'consumer-checks')).filter((name) => name.endsWith('.ts'))) {
  if (only && !only.test(file)) continue;
  sources.push(file);
  writeFileSync(join(app, file), readFileSync(join(root, 'scripts', 'consumer-checks', file), 'utf8'));
}

if (sources.length === 0) {
  console.log(`snippets: no TypeScript blocks in ${documents.length} documents${only ? ` matching ${only}` : ''}`);
  process.exit(0);
}

writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'snippet-app', private: true, type: 'module' }, null, 2),
);
writeFileSync(
  join(app, 'tsconfig.json'),
  JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        exactOptionalPropertyTypes: true,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        types: ['node'],
        noEmit: true,
        skipLibCheck: false,
        noUnusedLocals: true,
      },
      files: sources,
    },
    null,
    2,
  ),
);

const tsc = join(root, 'node_modules', '.bin', 'tsc');
try {
  execFileSync(tsc, ['-p', app], { stdio: 'pipe', cwd: app });
  console.log(
    `snippets: ${documentBlocks} TypeScript blocks from ${documents.length} documents compile (strict, exactOptionalPropertyTypes, NodeNext), with ${sources.length - documentBlocks} consumer checks`,
  );
} catch (error) {
  const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
  console.error(output.replaceAll(`${app}/`, '').trim());
  console.error(`\nsnippets: TypeScript blocks in the docs do not compile (files under ${relative(root, app)})`);
  process.exit(1);
}
