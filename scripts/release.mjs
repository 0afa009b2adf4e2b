#!/usr/bin/env node
// `pnpm release`: builds, runs the whole test suite, then publishes every public package whose
// version is not on the registry yet (`changeset publish`, which also tags the release).
// `pnpm release --dry-run` does everything but the upload: `pnpm publish --dry-run` for each public
// package shows exactly what would be published, with `workspace:` ranges already rewritten.
// Versions and changelogs come first, from the pending changesets: `pnpm changeset version`.
import { execFileSync } from 'node:child_process';

const dryRun = process.argv.includes('--dry-run');
const step = (title, command, args) => {
  console.log(`\n── ${title}: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit' });
};

step('test (typecheck, lint, build, packaging, docs, every test)', 'pnpm', ['test']);
if (dryRun) {
  step('what would be published', 'pnpm', [
    '-r',
    '--filter',
    './packages/*',
    'publish',
    '--dry-run',
    '--no-git-checks',
    '--access',
    'public',
  ]);
  console.log('\nDry run: nothing was published.');
} else {
  step('publish', 'pnpm', ['changeset', 'publish']);
}
