/**
 * Every adapter package follows the one layout of `docs/writing-an-adapter.md` (issue 21 item 2):
 * the same role files with the same `<wallet>-<role>.ts` names, `protocol/index.ts`, and a sandbox
 * split into factory, state, routes and hostile hooks.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packages = fileURLToPath(new URL('../../../packages', import.meta.url));

/** The roles every adapter has, as `src/<wallet>-<role>.ts`. */
const ADAPTER_ROLES = [
  'provider',
  'options',
  'client',
  'signature',
  'certificates',
  'notification',
  'replies',
  'errors',
  'status',
  'time',
  'statements',
  'statements-parser',
] as const;

/** The roles of the wallets that move money (profit sharing, payouts). */
const MOVEMENT_ROLES = ['transfers', 'movement-replies', 'movement-notification'] as const;

/** The wallets whose adapters split payments and pay out. */
const MOVEMENT_WALLETS = new Set(['alipay', 'wechatpay']);

/** The wallets that offer OAuth, and so have `src/<wallet>-oauth.ts`. */
const OAUTH_WALLETS = new Set(['alipay', 'wechatpay']);

const wallets = readdirSync(packages)
  .filter((name) => name.startsWith('adapter-'))
  .map((name) => name.slice('adapter-'.length));

const capitalised = (wallet: string) => wallet[0]?.toUpperCase() + wallet.slice(1);

function tsFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.ts')) : [];
}

describe('the adapter layout', () => {
  it('finds the adapters', () => {
    expect(wallets).toEqual(expect.arrayContaining(['alipay', 'unionpay', 'wechatpay']));
  });

  describe.each(wallets)('adapter-%s', (wallet) => {
    const src = join(packages, `adapter-${wallet}`, 'src');

    it('has every role file, named <wallet>-<role>.ts', () => {
      const roles = [
        ...ADAPTER_ROLES,
        ...(OAUTH_WALLETS.has(wallet) ? ['oauth'] : []),
        ...(MOVEMENT_WALLETS.has(wallet) ? MOVEMENT_ROLES : []),
      ];
      const missing = roles.map((role) => `${wallet}-${role}.ts`).filter((file) => !existsSync(join(src, file)));
      expect(missing, `missing in packages/adapter-${wallet}/src`).toEqual([]);
    });

    it('names every source file <wallet>-<role>.ts, besides index.ts', () => {
      const strays = tsFiles(src).filter((file) => file !== 'index.ts' && !file.startsWith(`${wallet}-`));
      expect(strays, `files of packages/adapter-${wallet}/src not named ${wallet}-<role>.ts`).toEqual([]);
    });

    it('has protocol/index.ts', () => {
      expect(existsSync(join(src, 'protocol', 'index.ts'))).toBe(true);
    });

    it('has a sandbox split into factory, state, routes and hostile hooks, each named <wallet>-sandbox-<concern>.ts', () => {
      const sandbox = join(src, 'sandbox');
      const files = tsFiles(sandbox);
      expect(files).toContain('index.ts');
      expect(files).toContain(`${wallet}-sandbox.ts`);
      expect(files).toContain(`${wallet}-sandbox-state.ts`);
      expect(files).toContain(`${wallet}-sandbox-hostile.ts`);
      expect(
        files.some((file) => file.startsWith(`${wallet}-sandbox-routes`)),
        `a ${wallet}-sandbox-routes.ts or ${wallet}-sandbox-routes-<group>.ts`,
      ).toBe(true);
      const strays = files.filter((file) => file !== 'index.ts' && !file.startsWith(`${wallet}-sandbox`));
      expect(strays).toEqual([]);
    });

    it(`exports ${wallet}(options) and create${capitalised(wallet)}Sandbox, a WalletSandbox`, () => {
      const provider = readFileSync(join(src, `${wallet}-provider.ts`), 'utf8');
      expect(provider).toMatch(new RegExp(`export function ${wallet}\\b`));
      const factory = readFileSync(join(src, 'sandbox', `${wallet}-sandbox.ts`), 'utf8');
      expect(factory).toMatch(new RegExp(`export function create${capitalised(wallet)}Sandbox\\b`));
      expect(factory).toContain('WalletSandbox');
    });
  });
});
