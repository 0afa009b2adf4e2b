/**
 * The sub-merchants registered with the UnionPay sandbox: a platform's (`subMerId`) or an
 * acquirer's merchants (`merId`).
 *
 * @packageDocumentation
 */
import { ValidationError } from '@hutong/core';
import type { UnionpaySandboxState, UnionpaySandboxSubMerchant } from './unionpay-sandbox-state.js';

/**
 * Registers a sub-merchant; returns the account's `fields` for hutong's merchant directory.
 *
 * @example
 * ```ts
 * const fields = addUnionpaySandboxSubMerchant(state, { id: '777290058110097', name: '老王煎饼', abbr: '煎饼' });
 * ```
 */
export function addUnionpaySandboxSubMerchant(
  state: UnionpaySandboxState,
  merchant: UnionpaySandboxSubMerchant,
): Record<string, string> {
  if (!state.access) throw new ValidationError('options.access', 'the sandbox serves a direct merchant only');
  const pattern = state.access === 'platform' ? /^[0-9A-Za-z]{1,15}$/ : /^[0-9A-Za-z]{15}$/;
  if (!pattern.test(merchant.id)) throw new ValidationError('merchant.id', 'is not a subMerId or merId');
  const merCatCode = merchant.merCatCode ?? '5411';
  state.subMerchants.set(merchant.id, { ...merchant, merCatCode });
  const fields: Record<string, string> =
    state.access === 'platform'
      ? { subMerName: merchant.name, subMerAbbr: merchant.abbr }
      : { acqInsCode: state.acqInsCode, merCatCode, merName: merchant.name, merAbbr: merchant.abbr };
  return fields;
}
