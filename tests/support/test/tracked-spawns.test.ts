/**
 * Every child process a test spawns is recorded with `track` (tests/support/processes.ts), so the
 * global teardown (tests/support/leftover-processes.ts) fails the run when one outlives its test:
 * a child that no registry knows of could survive `pnpm test` unnoticed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The TypeScript files of every test folder (packages, examples, tests), node_modules aside. */
function testSources(): string[] {
  const folders: string[] = [];
  for (const group of ['packages', 'examples', 'tests'])
    for (const name of readdirSync(join(root, group))) folders.push(join(root, group, name, 'test'));
  folders.push(join(root, 'tests', 'support'));
  const files: string[] = [];
  for (const folder of folders) {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(folder, { withFileTypes: true, recursive: true });
    } catch {
      continue;
    }
    for (const entry of entries)
      if (entry.isFile() && entry.name.endsWith('.ts') && !entry.parentPath.includes('node_modules'))
        files.push(join(entry.parentPath, entry.name));
  }
  return [...new Set(files)];
}

describe('child processes of the tests', () => {
  it('are all tracked: each file that spawns calls track as often', () => {
    const untracked: string[] = [];
    for (const file of testSources()) {
      const source = readFileSync(file, 'utf8');
      const spawns = source.match(/(?<![\w.])spawn\(/g)?.length ?? 0;
      const tracks = source.match(/(?<![\w.])track\(/g)?.length ?? 0;
      if (spawns > tracks) untracked.push(`${file.slice(root.length)}: ${spawns} spawn, ${tracks} track`);
    }
    expect(untracked).toEqual([]);
  });
});
