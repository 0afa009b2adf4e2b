/**
 * `.ci/run` proves the README's first two commands the way a new user meets them: on a clean clone,
 * with `npm_config_nodedir` unset (no Node headers to compile against) and an empty package store
 * (a warm store replays cached native builds and hides an install that needs a compiler).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('.ci/run', () => {
  const script = read('.ci/run');
  const lines = script.split('\n').map((line) => line.trim());
  const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));

  it('runs the README’s two commands verbatim', () => {
    const readme = read('README.md');
    const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = block
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual([
      'pnpm install --frozen-lockfile && pnpm demo',
      'pnpm install --frozen-lockfile && pnpm test',
    ]);
    for (const command of commands) expect(lines).toContain(command);
  });

  it('runs them in a clean clone, with no nodedir and an empty store', () => {
    const first = at(/^pnpm install --frozen-lockfile && pnpm demo$/);
    expect(at(/^unset npm_config_nodedir\b/)).toBeGreaterThan(-1);
    expect(at(/^unset npm_config_nodedir\b/)).toBeLessThan(first);
    expect(at(/^store="\$work\/store"$/)).toBeLessThan(first);
    expect(at(/^export pnpm_config_store_dir="\$store"/)).toBeLessThan(first);
    expect(at(/^git clone --quiet "\$PWD" "\$work\/clone"$/)).toBeLessThan(first);
    expect(at(/^cd "\$work\/clone"$/)).toBeLessThan(first);
    expect(script).toMatch(/work="\$\(mktemp -d\)"/);
  });
});
