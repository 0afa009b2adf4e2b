/**
 * `merchant`: registers a sub-merchant (platform mode) with one of the kit's sandboxes, as the
 * wallet's onboarding would: a WeChat Pay special merchant bound to the service provider, an
 * Alipay merchant that can authorise the platform's app, a UnionPay platform sub-merchant.
 *
 * @packageDocumentation
 */
import { randomInt } from 'node:crypto';
import type { SandboxKit, Wallet } from './sandbox-kit.js';

/** A sub-merchant to register (the CLI's flags). */
export interface SubMerchantRequest {
  wallet: Wallet;
  /** The shop's name (UnionPay's `subMerName`, the Alipay merchant's name). */
  name: string;
  /** The id at the wallet: WeChat `sub_mchid`, UnionPay `subMerId`. Default: a new one. Alipay assigns its own. */
  id?: string | undefined;
  /** UnionPay `subMerAbbr`. Default: the name. */
  abbr?: string | undefined;
  /** WeChat: the shop's own app id (`sub_appid`), when it has a mini program. */
  subAppId?: string | undefined;
}

/** What the wallet's onboarding gives: the `MerchantAccount.accountId` and `fields` to store. */
export interface SubMerchantResult {
  wallet: Wallet;
  accountId: string;
  fields: Record<string, string>;
  /** Alipay: the merchant's user id; it authorises the platform's app on the sandbox's page. */
  userId?: string | undefined;
}

const digits = (length: number) => Array.from({ length }, () => randomInt(10)).join('');

/**
 * Registers a sub-merchant with the kit's sandbox of `wallet`.
 *
 * @example
 * ```ts
 * const shop = addSubMerchant(createSandboxKit(), { wallet: 'wechatpay', name: '老王煎饼' });
 * shop.accountId; // the sub_mchid to store in the merchants directory
 * ```
 */
export function addSubMerchant(kit: SandboxKit, request: SubMerchantRequest): SubMerchantResult {
  switch (request.wallet) {
    case 'wechatpay': {
      const id = request.id ?? `19${digits(8)}`;
      kit.sandboxes.wechatpay.addSubMerchant(id, { subAppId: request.subAppId });
      return { wallet: 'wechatpay', accountId: id, fields: request.subAppId ? { subAppId: request.subAppId } : {} };
    }
    case 'alipay': {
      const merchant = kit.sandboxes.alipay.addMerchant({ name: request.name });
      return { wallet: 'alipay', accountId: merchant.authAppId, fields: {}, userId: merchant.userId };
    }
    case 'unionpay': {
      const id = request.id ?? `898${digits(12)}`;
      const fields = kit.sandboxes.unionpay.addSubMerchant({
        id,
        name: request.name,
        abbr: request.abbr ?? request.name,
      });
      return { wallet: 'unionpay', accountId: id, fields };
    }
  }
}
