/**
 * How the Alipay sandbox refuses: the gateway's failure node (`code`, `msg`, `sub_code`,
 * `sub_msg`), `ACQ.TRADE_NOT_EXIST`, and a cashier refusal as a hutong error.
 *
 * @packageDocumentation
 */
import { type NormalizedProviderCode, ProviderApiError } from '@hutong/core';

/**
 * A reply node or request body, as JSON.
 *
 * @example
 * ```ts
 * const node: SandboxNode = { code: '10000', msg: 'Success' };
 * ```
 */
export type SandboxNode = Record<string, unknown>;

/**
 * A gateway failure node.
 *
 * @example
 * ```ts
 * failure('40004', 'Business Failed', 'ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
 * ```
 */
export function failure(code: string, msg: string, subCode: string, subMsg: string): SandboxNode {
  return { code, msg, sub_code: subCode, sub_msg: subMsg };
}

/**
 * `ACQ.TRADE_NOT_EXIST`, Alipay's answer about a trade it has not seen.
 *
 * @example
 * ```ts
 * if (!trade) return NOT_EXIST;
 * ```
 */
export const NOT_EXIST = failure('40004', 'Business Failed', 'ACQ.TRADE_NOT_EXIST', '交易不存在');

/**
 * A cashier refusal as a hutong error, with Alipay's `sub_code`.
 *
 * @example
 * ```ts
 * if ('error' in made) throw refusal(made.error);
 * ```
 */
export function refusal(node: SandboxNode): ProviderApiError {
  const code = String(node.sub_code);
  const normalizedCode: NormalizedProviderCode = code.includes('signature')
    ? 'invalid_signature'
    : code === 'ACQ.TRADE_HAS_SUCCESS'
      ? 'already_paid'
      : code === 'ACQ.TRADE_HAS_CLOSE'
        ? 'closed'
        : 'invalid_request';
  return new ProviderApiError({
    provider: 'alipay',
    providerCode: code,
    providerMessage: String(node.sub_msg),
    normalizedCode,
  });
}
