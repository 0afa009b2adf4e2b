/**
 * Platform mode: a service provider (服务商 / ISV / 收单服务商) takes payments on behalf of its
 * sub-merchants. Every order may belong to a **merchant**, the platform's own key for a shop
 * (`'shop-42'`); a {@link MerchantDirectory} resolves that key, at call time, to the shop's identity
 * at one wallet: a {@link MerchantAccount}. An order without a merchant is the provider's own, as
 * for a merchant holding its own wallet accounts.
 *
 * @packageDocumentation
 */

/**
 * A sub-merchant's identity at one provider, as the platform onboarded it.
 *
 * @example
 * ```ts
 * const account: MerchantAccount = {
 *   merchant: 'shop-42',
 *   provider: 'wechatpay',
 *   accountId: '1900000109', // WeChat Pay sub_mchid
 *   name: '老王煎饼',
 *   enabled: true,
 *   fields: { subAppId: 'wx8888888888888888' },
 * };
 * ```
 */
export interface MerchantAccount {
  /** The platform's key for the shop, as orders carry it. */
  readonly merchant: string;
  /** The provider id this account is for (`wechatpay`, `alipay-isv`, ...). */
  readonly provider: string;
  /**
   * The id the wallet signs into its messages for this sub-merchant, to which every notification
   * and reply about the merchant's orders is bound: WeChat Pay `sub_mchid`, Alipay `auth_app_id`
   * (the app id of the merchant that granted the `app_auth_token`), UnionPay `subMerId` (platform
   * access) or `merId` (acquirer access).
   */
  readonly accountId: string;
  /** The shop's name as buyers see it (the cashier shows it); not a secret. */
  readonly name?: string | undefined;
  /** `false`: the platform suspended the shop at this wallet; every call for it is refused. */
  readonly enabled: boolean;
  /**
   * What else the wallet needs, by the adapter's documented names: WeChat `subAppId`; UnionPay
   * `subMerName`, `subMerAbbr`, `acqInsCode`; Alipay `appAuthToken`, `appRefreshToken`,
   * `expiresAt`, `refreshExpiresAt`. Alipay's tokens are credentials: hutong never puts them in
   * errors, logs, hooks or events.
   */
  readonly fields: Readonly<Record<string, string>>;
}

/**
 * Resolves a merchant key to its {@link MerchantAccount} at one provider. Implementations: the
 * memory directory in `@hutong/core`, the SQL one in `@hutong/store-sql`.
 *
 * @example
 * ```ts
 * const account = await directory.resolve('shop-42', 'wechatpay');
 * account.accountId; // the sub_mchid
 * ```
 */
export interface MerchantDirectory {
  /**
   * The merchant's account at `provider`. Throws `MerchantError` with code `unknown_merchant`,
   * `merchant_disabled` or `merchant_not_enabled` (no account at that provider).
   */
  resolve(merchant: string, provider: string): Promise<MerchantAccount>;
  /** Adds or replaces the merchant's account at its provider (onboarding, a refreshed token). */
  put(account: MerchantAccount): Promise<void>;
  /** Every account of a merchant, one per provider (empty for an unknown merchant). */
  list(merchant: string): Promise<MerchantAccount[]>;
}
