import type { MerchantAccount, MerchantDirectory } from '@hutong/core/provider-utils';
import type { AlipayBaseOptions } from '../src/index.js';
import { sandboxed } from './sandbox-setup.js';

export const REDIRECT_URI = 'https://platform.example/alipay/authorized';
export const STATE_SECRET = 'a-test-state-secret-of-32-chars!!';

/** A merchant directory in memory, for the tests (core ships its own; the adapter tests need only this). */
export function memoryDirectory(): MerchantDirectory & { accounts: Map<string, MerchantAccount>; puts: number } {
  const accounts = new Map<string, MerchantAccount>();
  const directory = {
    accounts,
    puts: 0,
    async resolve(merchant: string, provider: string) {
      const account = accounts.get(`${merchant} ${provider}`);
      if (!account) throw new Error(`unknown merchant ${merchant}`);
      return account;
    },
    async put(account: MerchantAccount) {
      directory.puts++;
      accounts.set(`${account.merchant} ${account.provider}`, account);
    },
    async list(merchant: string) {
      return [...accounts.values()].filter((account) => account.merchant === merchant);
    },
  };
  return directory;
}

/**
 * A provider on the sandbox with a directory, and `onboard(merchant)`: a sandbox merchant
 * authorises the app through the authorisation flow, and its account is returned as stored.
 */
export function isvSandboxed(options: Partial<AlipayBaseOptions> = {}) {
  const directory = memoryDirectory();
  const revoked: unknown[] = [];
  const setup = sandboxed({
    ...options,
    appAuth: { directory, onRevoked: (event) => void revoked.push(event), ...options.appAuth },
  });
  const authorization = setup.provider.authorization({
    directory,
    redirectUri: REDIRECT_URI,
    stateSecret: STATE_SECRET,
  });
  async function onboard(merchant: string, name?: string): Promise<MerchantAccount> {
    const sandboxMerchant = setup.sandbox.addMerchant({ name });
    const state = new URL(authorization.authorizeUrl(merchant)).searchParams.get('state') ?? '';
    const callback = setup.sandbox.authorizeMerchant(sandboxMerchant.authAppId, REDIRECT_URI, state);
    const response = await authorization.handleCallback(new Request(callback));
    if (response.status !== 200) throw new Error(`onboarding ${merchant} answered ${response.status}`);
    return directory.resolve(merchant, setup.provider.id);
  }
  return { ...setup, directory, authorization, onboard, revoked };
}
