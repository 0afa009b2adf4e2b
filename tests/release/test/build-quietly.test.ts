/**
 * `pnpm demo` starts with the build's one line (scripts/build-quietly.mjs): it fits the terminal,
 * as the demo itself does, however many packages changed.
 */
import { describe, expect, it } from 'vitest';
import { buildingMessage } from '../../../scripts/build-quietly.mjs';

const ALL = [
  'adapter-alipay',
  'adapter-unionpay',
  'adapter-wechatpay',
  'checkout',
  'cli',
  'core',
  'sandbox-cli',
  'store-sql',
];

describe('the build line of pnpm demo', () => {
  it('fits 80 columns (and 40) with every package changed, naming them', () => {
    for (const columns of [80, 40]) {
      const lines = buildingMessage(ALL, ALL.length, columns);
      expect(lines.filter((line) => [...line].length > columns)).toEqual([]);
      for (const name of ALL) expect(lines.join(' ')).toContain(name);
    }
  });

  it('is one line when one package changed', () => {
    expect(buildingMessage(['core'], 8, 80)).toHaveLength(1);
  });
});
