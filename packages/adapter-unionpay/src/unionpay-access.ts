/**
 * ACP's three access types (接入类型) and the fields each message takes for them:
 *
 * - `accessType=0`, direct merchant (商户直连接入): `merId` is the provider's own. Every order
 *   without a merchant, whatever the provider's `access`.
 * - `accessType=2`, platform merchant (平台类商户接入, `access: 'platform'`): `merId` is the
 *   platform's; consumes and reversals (refund 04, undo 31) add the sub-merchant's `subMerId`
 *   (the account's `accountId`), `subMerName` and `subMerAbbr`; queries and the file transfer carry
 *   the platform's `merId` only.
 * - `accessType=1`, acquirer (收单机构接入, `access: 'acquirer'`): `merId` is the merchant's own
 *   (the account's `accountId`) and every message adds `acqInsCode`; consumes add `merCatCode`,
 *   `merName` and `merAbbr`, queries `merName`.
 *
 * The account's fields, by these names: `subMerName` (default: the account's `name`), `subMerAbbr`;
 * `acqInsCode` (default: the provider's), `merCatCode`, `merName` (default: the account's `name`),
 * `merAbbr`. A missing one is a `ValidationError` naming it, before anything is sent.
 *
 * @packageDocumentation
 */
import { UnexpectedResponseError, ValidationError } from '@hutong/core';
import type { MerchantAccount } from '@hutong/core/provider-utils';
import type { UnionpayConfig } from './unionpay-options.js';

/**
 * Which message the access fields are for.
 *
 * @example
 * ```ts
 * const kind: UnionpayMessageKind = 'reversal'; // a refund (04) or a consume undo (31)
 * ```
 */
export type UnionpayMessageKind = 'consume' | 'reversal' | 'query' | 'file';

/**
 * The identity fields of one message: `accessType`, `merId` and the access type's own fields.
 *
 * @example
 * ```ts
 * const fields: UnionpayAccessFields = { accessType: '2', merId: '777290058110048', subMerId: '898111000000001' };
 * ```
 */
export type UnionpayAccessFields = Readonly<Record<string, string | undefined>>;

const SUB_MER_ID = /^[0-9A-Za-z]{1,15}$/;
const MER_ID = /^[0-9A-Za-z]{15}$/;
const ACQ_INS_CODE = /^[0-9A-Za-z]{8,11}$/;
const MER_CAT_CODE = /^[0-9]{4}$/;

/** A field of the account: its own `fields[name]`, else `fallback`; missing is a `ValidationError`. */
function accountField(account: MerchantAccount, name: string, fallback?: string, pattern?: RegExp): string {
  const value = account.fields[name] ?? fallback;
  if (value === undefined || value === '')
    throw new ValidationError(`merchant.fields.${name}`, `is required for UnionPay (merchant ${account.merchant})`);
  if (pattern && !pattern.test(value))
    throw new ValidationError(`merchant.fields.${name}`, `is not a valid ${name} (merchant ${account.merchant})`);
  return value;
}

/**
 * Checks that `account` can be used by this provider: it is for this provider, enabled, and the
 * provider has an access type for sub-merchants.
 */
function checkAccount(config: Pick<UnionpayConfig, 'id' | 'access'>, account: MerchantAccount): void {
  if (!config.access)
    throw new ValidationError(
      'merchant',
      `provider ${config.id} is a direct merchant (no access option): it takes no sub-merchant payments`,
    );
  if (account.provider !== config.id)
    throw new ValidationError('merchant.provider', `is ${account.provider}, not ${config.id}`);
  if (!account.enabled) throw new ValidationError('merchant', `${account.merchant} is disabled at ${config.id}`);
}

/**
 * The access fields of one message for `account` (or for the provider's own account when `null`).
 * Validates the account's fields first: a missing or malformed one throws `ValidationError`.
 *
 * @example
 * ```ts
 * unionpayAccessFields(config, account, 'consume');
 * // platform: { accessType: '2', merId: '<platform>', subMerId: '...', subMerName: '...', subMerAbbr: '...' }
 * ```
 */
export function unionpayAccessFields(
  config: Pick<UnionpayConfig, 'id' | 'merId' | 'access' | 'acqInsCode'>,
  account: MerchantAccount | null | undefined,
  kind: UnionpayMessageKind,
): UnionpayAccessFields {
  if (!account) return { accessType: '0', merId: config.merId };
  checkAccount(config, account);
  if (config.access === 'platform') {
    if (!SUB_MER_ID.test(account.accountId))
      throw new ValidationError('merchant.accountId', 'must be the subMerId (1 to 15 letters and digits)');
    const fields: Record<string, string> = { accessType: '2', merId: config.merId };
    if (kind === 'consume' || kind === 'reversal') {
      fields.subMerId = account.accountId;
      fields.subMerName = accountField(account, 'subMerName', account.name);
      fields.subMerAbbr = accountField(account, 'subMerAbbr');
    }
    return fields;
  }
  if (!MER_ID.test(account.accountId))
    throw new ValidationError('merchant.accountId', "must be the merchant's 15-character merId (acquirer access)");
  const fields: Record<string, string> = { accessType: '1', merId: account.accountId };
  if (kind === 'file') return fields;
  fields.acqInsCode = accountField(account, 'acqInsCode', config.acqInsCode, ACQ_INS_CODE);
  if (kind === 'consume') {
    fields.merCatCode = accountField(account, 'merCatCode', undefined, MER_CAT_CODE);
    fields.merName = accountField(account, 'merName', account.name);
    fields.merAbbr = accountField(account, 'merAbbr');
  } else if (kind === 'query') {
    fields.merName = accountField(account, 'merName', account.name);
  }
  return fields;
}

/**
 * The sub-merchant a verified message names, by its access type: `subMerId` under platform access
 * (2), `merId` under acquirer access (1), none for a direct merchant (0). A message whose access
 * type this provider does not use, or whose `merId` is not the provider's where it must be, is
 * `undefined` in `problem`'s words; callers turn it into their own error.
 *
 * @example
 * ```ts
 * const named = unionpayMessageAccount(config, { accessType: '2', merId, subMerId: '898111' });
 * if ('account' in named) named.account; // '898111'
 * ```
 */
export function unionpayMessageAccount(
  config: Pick<UnionpayConfig, 'merId' | 'access'>,
  message: { accessType?: string | undefined; merId?: string | undefined; subMerId?: string | undefined },
): { account: string | undefined } | { problem: string; field: string } {
  const accessType = message.accessType ?? '0';
  switch (accessType) {
    case '0':
      if (message.merId !== config.merId) return { field: 'merId', problem: `is for merchant ${message.merId || '?'}` };
      if (message.subMerId) return { field: 'subMerId', problem: 'names a sub-merchant under accessType 0' };
      return { account: undefined };
    case '2':
      if (config.access !== 'platform') return { field: 'accessType', problem: 'is 2 (platform), not configured' };
      if (message.merId !== config.merId) return { field: 'merId', problem: `is for platform ${message.merId || '?'}` };
      if (!message.subMerId || !SUB_MER_ID.test(message.subMerId))
        return { field: 'subMerId', problem: 'is required under platform access (accessType 2)' };
      return { account: message.subMerId };
    case '1':
      if (config.access !== 'acquirer') return { field: 'accessType', problem: 'is 1 (acquirer), not configured' };
      if (!message.merId || !MER_ID.test(message.merId))
        return { field: 'merId', problem: 'is not a 15-character merchant id' };
      return { account: message.merId };
    default:
      return { field: 'accessType', problem: `${accessType} is not an ACP access type` };
  }
}

/**
 * Checks that a verified reply speaks for the sub-merchant the request was for: under platform
 * access a reply that names a `subMerId` must name the request's account's, and a reply about the
 * provider's own account must name none. (`merId` and `accessType` are bound with the request's
 * other fields.) Throws `UnexpectedResponseError('mismatch')`.
 *
 * @example
 * ```ts
 * assertUnionpayReplyAccount('unionpay', account, reply);
 * ```
 */
export function assertUnionpayReplyAccount(
  provider: string,
  account: MerchantAccount | null | undefined,
  accessType: string | undefined,
  reply: Readonly<Record<string, string>>,
): void {
  const named = reply.subMerId;
  if (named === undefined || named === '') return;
  const expected = accessType === '2' ? account?.accountId : undefined;
  if (named !== expected) {
    throw new UnexpectedResponseError(
      provider,
      'mismatch',
      `the reply is for sub-merchant ${JSON.stringify(named)}, the request's ${expected === undefined ? 'none' : JSON.stringify(expected)}`,
      { field: 'response.subMerId' },
    );
  }
}
