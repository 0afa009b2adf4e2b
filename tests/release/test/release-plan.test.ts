/**
 * The published line is coherent: applying the pending changesets (what `pnpm changeset version`
 * does before `pnpm release`) puts every public package at 1.0.0 or above, moves none to a new
 * major that no changeset asks for, and versions no private package. `pnpm release:try` and the
 * packaging check pack exactly this release (scripts/pack-release.mjs).
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PlannedPackage, planProblems, releasePlan } from '../../../scripts/pack-release.mjs';

const pkg = (name: string, from: string, to: string, extra: Partial<PlannedPackage> = {}): PlannedPackage => ({
  name,
  folder: name,
  dir: name,
  public: true,
  from,
  to,
  dependencies: [],
  ...extra,
});

describe('the release the pending changesets make', () => {
  it('is coherent: every public package at 1.x or above, no unasked major, no private package versioned', () => {
    const plan = releasePlan();
    try {
      expect(planProblems(plan)).toEqual([]);
      const published = plan.packages.filter((candidate) => candidate.public);
      expect(published.map((candidate) => candidate.name).sort()).toContain('@hutong/cli');
      for (const candidate of published) expect(Number(candidate.to.split('.')[0])).toBeGreaterThanOrEqual(1);
    } finally {
      rmSync(plan.scratch, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('planProblems', () => {
  it('refuses a public package below 1.0.0 (npm would save ^0.0.0, which takes no update)', () => {
    expect(planProblems({ changesets: [], packages: [pkg('@hutong/cli', '0.0.0', '0.0.0')] })).toEqual([
      '@hutong/cli would be published at 0.0.0, below 1.0.0',
    ]);
  });

  it('refuses a major that no changeset asks for (a peer dependency bumped a minor)', () => {
    const changesets = [{ file: 'core.md', bumps: { '@hutong/core': 'minor', '@hutong/checkout': 'minor' } }];
    const packages = [
      pkg('@hutong/core', '1.0.0', '1.1.0'),
      pkg('@hutong/checkout', '1.0.0', '2.0.0', { dependencies: ['@hutong/core'] }),
    ];
    expect(planProblems({ changesets, packages })).toEqual([
      '@hutong/checkout would go 1.0.0 → 2.0.0 though no changeset asks for a major and none of its @hutong dependencies has one',
    ]);
  });

  it('takes a major a changeset asks for, or that a dependency’s major carries', () => {
    const changesets = [{ file: 'core.md', bumps: { '@hutong/core': 'major', '@hutong/cli': 'major' } }];
    const packages = [
      pkg('@hutong/core', '1.0.0', '2.0.0'),
      pkg('@hutong/checkout', '1.0.0', '2.0.0', { dependencies: ['@hutong/core'] }),
      pkg('@hutong/cli', '0.0.0', '1.0.0', { dependencies: ['@hutong/core'] }),
    ];
    expect(planProblems({ changesets, packages })).toEqual([]);
  });

  it('refuses a versioned private package and a changeset naming an unknown package', () => {
    const changesets = [{ file: 'x.md', bumps: { '@hutong/nope': 'patch' } }];
    const packages = [pkg('@hutong/example', '0.0.1', '0.0.2', { public: false })];
    expect(planProblems({ changesets, packages })).toEqual([
      '@hutong/example is private but would be versioned 0.0.1 → 0.0.2',
      '.changeset/x.md names @hutong/nope, which is not in the workspace',
    ]);
  });
});
