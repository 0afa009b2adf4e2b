#!/usr/bin/env node
// `pnpm release`: builds, runs the whole test suite, then publishes every public package whose
// version is not on the registry yet (`changeset publish`, which also tags the release).
// Versions and changelogs come first, from the pending changesets: `pnpm changeset version`, then
// commit. `pnpm release` refuses to publish while changesets are pending (it would publish the
// versions before them) or when the release is not coherent (scripts/pack-release.mjs: a public
// package below 1.0.0, a major no changeset asks for).
// `pnpm release --dry-run` does everything but the upload: it packs the release as it will be
// published (the pending changesets applied in a scratch copy) and runs `npm publish --dry-run`
// on each tarball, which shows exactly what would be published, `workspace:` ranges rewritten.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packRelease, pendingChangesets, planProblems, releasePlan } from './pack-release.mjs';

const dryRun = process.argv.includes('--dry-run');
const step = (title, command, args) => {
  console.log(`\n── ${title}: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit' });
};
const fail = (message) => {
  console.error(`\npnpm release: ${message}`);
  process.exit(1);
};

const pending = pendingChangesets();
if (!dryRun) {
  if (pending.length > 0)
    fail(
      `${pending.length} changesets are pending (${pending.map((c) => c.file).join(', ')}): run \`pnpm changeset version\`, review and commit the versions and changelogs, then \`pnpm release\`.`,
    );
  const plan = releasePlan();
  rmSync(plan.scratch, { recursive: true, force: true });
  const problems = planProblems(plan);
  if (problems.length > 0) fail(`the release is not coherent:\n- ${problems.join('\n- ')}`);
}

step('test (typecheck, lint, build, packaging, docs, every test)', 'pnpm', ['test']);
if (dryRun) {
  const folder = mkdtempSync(join(tmpdir(), 'hutong-release-dry-'));
  try {
    const packed = packRelease(folder);
    for (const { name, version, from, tarball } of packed)
      step(`${name} ${from === version ? version : `${from} → ${version}`}`, 'npm', [
        'publish',
        '--dry-run',
        '--access',
        'public',
        tarball,
      ]);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  if (pending.length > 0)
    console.log(
      `\n${pending.length} changesets are pending: the versions above are theirs. Run \`pnpm changeset version\` and commit before \`pnpm release\`.`,
    );
  console.log('\nDry run: nothing was published.');
} else {
  step('publish', 'pnpm', ['changeset', 'publish']);
}
