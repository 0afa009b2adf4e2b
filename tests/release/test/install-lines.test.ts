/**
 * `pnpm release:try` installs every install line of the docs with npm and with pnpm: the line as
 * written and its twin in the other package manager (scripts/try-release.mjs).
 */
import { describe, expect, it } from 'vitest';
import { docInstallLines, otherManager } from '../../../scripts/try-release.mjs';

describe('the docs’ install lines under pnpm release:try', () => {
  it('finds the lines of every guide and package README, the new guides’ and @hutong/cli’s included', () => {
    const lines = docInstallLines();
    const files = new Set(lines.map(({ file }) => file));
    for (const file of ['README.md', 'docs/closing-the-day.md', 'docs/testing.md', 'packages/store-sql/README.md'])
      expect(files).toContain(file);
    expect(lines.map(({ line }) => line)).toContain('npm install --save-dev @hutong/cli');
    for (const { line } of lines) expect(line).toMatch(/^(?:npm install|pnpm add) /);
  });

  it('tries each line with the other package manager too', () => {
    expect(otherManager('npm install @hutong/core @hutong/adapter-alipay')).toBe(
      'pnpm add @hutong/core @hutong/adapter-alipay',
    );
    expect(otherManager('npm install --save-dev @hutong/cli')).toBe('pnpm add -D @hutong/cli');
    expect(otherManager('pnpm add @hutong/store-sql kysely@~0.28.19 libsql')).toBe(
      'npm install @hutong/store-sql kysely@~0.28.19 libsql',
    );
    expect(otherManager('pnpm add -D @hutong/sandbox-cli')).toBe('npm install --save-dev @hutong/sandbox-cli');
    for (const { line } of docInstallLines()) expect(otherManager(line)).toBeDefined();
  });
});
