// The release as it will be published, packed before anything is published: the pending changesets
// applied (`changeset version`) in a scratch copy of the workspace, so the tarballs carry the
// versions, ranges between our packages and changelogs `pnpm changeset version && pnpm release`
// will publish. The repository itself is not touched. Used by `pnpm release:try`,
// `pnpm test:packaging` and `pnpm release --dry-run`.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const BUMPS = ['patch', 'minor', 'major'];

/** The workspace's package folders (pnpm-workspace.yaml's globs: `dir/*` or `dir`), relative to the root. */
function workspaceFolders(base = root) {
  const globs = [
    ...readFileSync(join(base, 'pnpm-workspace.yaml'), 'utf8').matchAll(/^\s+-\s+['"]?([^'"\n]+?)['"]?\s*$/gm),
  ].map((match) => match[1]);
  const folders = [];
  for (const glob of globs) {
    if (glob.endsWith('/*')) {
      const parent = glob.slice(0, -2);
      if (!existsSync(join(base, parent))) continue;
      for (const name of readdirSync(join(base, parent)).sort())
        if (existsSync(join(base, parent, name, 'package.json'))) folders.push(`${parent}/${name}`);
    } else if (existsSync(join(base, glob, 'package.json'))) folders.push(glob);
  }
  return folders;
}

const manifest = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const major = (version) => Number(version.split('.')[0]);

/**
 * The pending changesets (`.changeset/*.md` but its README): each one's file and the bump it
 * declares for each package.
 */
export function pendingChangesets(base = root) {
  const dir = join(base, '.changeset');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .sort()
    .map((file) => {
      const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? '';
      const bumps = {};
      for (const [, name, bump] of front.matchAll(/^\s*['"]?([^'":\s]+)['"]?\s*:\s*(patch|minor|major)\s*$/gm))
        bumps[name] = bump;
      return { file, bumps };
    });
}

/**
 * Applies the pending changesets to a scratch copy of the workspace (manifests, built `dist`,
 * READMEs and changelogs) and returns the copy's folder and the plan: each package's version
 * before and after, whether it is public, and its folder in the copy. Nothing in the repository
 * changes.
 */
export function releasePlan() {
  const scratch = mkdtempSync(join(tmpdir(), 'hutong-release-'));
  for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(root, file), join(scratch, file));
  cpSync(join(root, '.changeset'), join(scratch, '.changeset'), { recursive: true });
  const folders = workspaceFolders();
  for (const folder of folders) {
    const from = join(root, folder);
    const to = join(scratch, folder);
    mkdirSync(to, { recursive: true });
    if (manifest(from).private) cpSync(join(from, 'package.json'), join(to, 'package.json'));
    else
      cpSync(from, to, {
        recursive: true,
        filter: (source) => !/(?:^|\/)(?:node_modules|src|test)(?:\/|$)/.test(relative(from, source)),
      });
  }
  const before = new Map(folders.map((folder) => [folder, manifest(join(root, folder)).version]));
  const changesets = pendingChangesets();
  if (changesets.length > 0)
    execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: scratch, stdio: 'pipe' });
  const packages = folders.map((folder) => {
    const after = manifest(join(scratch, folder));
    return {
      name: after.name,
      folder,
      dir: join(scratch, folder),
      public: !after.private,
      from: before.get(folder),
      to: after.version,
      dependencies: Object.keys({ ...after.dependencies, ...after.peerDependencies }),
    };
  });
  return { scratch, changesets, packages };
}

/**
 * What is wrong with a release plan, as sentences (none when it is coherent): a public package
 * published below 1.0.0 (npm would save `^0.x`, a range that takes no update), a private package
 * versioned, or a package moved to a new major that no changeset asks for and no @hutong package it
 * depends on moves to (changesets bumps a peer dependency's dependents to a major by default).
 */
export function planProblems({ changesets, packages }) {
  const problems = [];
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  const declaredMajor = (name) => changesets.some((changeset) => changeset.bumps[name] === 'major');
  const crossesMajor = (pkg) => pkg.from !== pkg.to && major(pkg.to) > major(pkg.from);
  for (const pkg of packages) {
    if (!pkg.public) {
      if (pkg.from !== pkg.to) problems.push(`${pkg.name} is private but would be versioned ${pkg.from} → ${pkg.to}`);
      continue;
    }
    if (major(pkg.to) < 1) problems.push(`${pkg.name} would be published at ${pkg.to}, below 1.0.0`);
    if (major(pkg.from) >= 1 && crossesMajor(pkg) && !declaredMajor(pkg.name)) {
      const carriedBy = pkg.dependencies.filter((name) => byName.has(name) && crossesMajor(byName.get(name)));
      if (carriedBy.length === 0)
        problems.push(
          `${pkg.name} would go ${pkg.from} → ${pkg.to} though no changeset asks for a major and none of its @hutong dependencies has one`,
        );
    }
  }
  for (const { file, bumps } of changesets)
    for (const [name, bump] of Object.entries(bumps)) {
      if (!byName.has(name)) problems.push(`.changeset/${file} names ${name}, which is not in the workspace`);
      if (!BUMPS.includes(bump)) problems.push(`.changeset/${file} asks for "${bump}" for ${name}`);
    }
  return problems;
}

/**
 * Packs every public package of the release into `folder` (created if needed), as `pnpm publish`
 * packs it, after checking the plan ({@link planProblems}: any problem throws). Returns each
 * package's name, version and tarball path.
 */
export function packRelease(folder) {
  const plan = releasePlan();
  try {
    const problems = planProblems(plan);
    if (problems.length > 0) throw new Error(`the release would not be coherent:\n- ${problems.join('\n- ')}`);
    mkdirSync(folder, { recursive: true });
    const packed = [];
    for (const pkg of plan.packages.filter((candidate) => candidate.public)) {
      const before = new Set(readdirSync(folder));
      execFileSync('pnpm', ['pack', '--pack-destination', folder], { cwd: pkg.dir, stdio: 'pipe' });
      const tarball = readdirSync(folder).find((file) => file.endsWith('.tgz') && !before.has(file));
      if (!tarball) throw new Error(`pnpm pack wrote no tarball for ${pkg.name}`);
      packed.push({ name: pkg.name, version: pkg.to, from: pkg.from, tarball: join(folder, tarball) });
    }
    writeFileSync(join(folder, 'release.json'), `${JSON.stringify(packed, null, 2)}\n`);
    return packed;
  } finally {
    rmSync(plan.scratch, { recursive: true, force: true });
  }
}
