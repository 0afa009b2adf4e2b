/**
 * Which wallet a payment code (付款码, the barcode a buyer shows at the till) belongs to, from its
 * prefix and length. The rules are data: merchants add rules for other wallets.
 *
 * @packageDocumentation
 */

/** The wallets hutong ships adapters for. */
export type WalletName = 'alipay' | 'wechatpay' | 'unionpay';

/**
 * One wallet's payment codes: all digits, a length in `lengths` (inclusive range) and one of the
 * `prefixes`.
 *
 * @example
 * ```ts
 * const rule: PaymentCodeRule = { wallet: 'wechatpay', lengths: [18, 18], prefixes: ['10', '11'] };
 * ```
 */
export interface PaymentCodeRule<W extends string = string> {
  /** The wallet the code belongs to. */
  readonly wallet: W;
  /** The shortest and longest length, inclusive. */
  readonly lengths: readonly [min: number, max: number];
  /** The leading digits a code starts with. */
  readonly prefixes: readonly string[];
}

/**
 * The published rules: WeChat Pay codes are 18 digits starting 10 to 15; Alipay codes 16 to 24
 * digits starting 25 to 30; UnionPay (Cloud QuickPass) codes 19 digits starting 62.
 */
export const PAYMENT_CODE_RULES: readonly PaymentCodeRule<WalletName>[] = Object.freeze([
  { wallet: 'wechatpay', lengths: [18, 18], prefixes: ['10', '11', '12', '13', '14', '15'] },
  { wallet: 'alipay', lengths: [16, 24], prefixes: ['25', '26', '27', '28', '29', '30'] },
  { wallet: 'unionpay', lengths: [19, 19], prefixes: ['62'] },
]);

const DIGITS = /^[0-9]+$/;

/**
 * The wallet a payment code belongs to, or `undefined` when no rule matches (not all digits, a
 * length or prefix no wallet uses). Rules are tried in order; give your own before or after the
 * published ones.
 *
 * @example
 * ```ts
 * classifyPaymentCode('134567890123456789'); // 'wechatpay'
 * classifyPaymentCode('2856781234567890'); // 'alipay'
 * classifyPaymentCode('6212345678901234567'); // 'unionpay'
 * classifyPaymentCode('9912345678', [...PAYMENT_CODE_RULES, { wallet: 'mywallet', lengths: [10, 10], prefixes: ['99'] }]); // 'mywallet'
 * ```
 */
export function classifyPaymentCode<W extends string = WalletName>(
  code: string,
  rules: readonly PaymentCodeRule<W>[] = PAYMENT_CODE_RULES as readonly PaymentCodeRule<string>[] as readonly PaymentCodeRule<W>[],
): W | undefined {
  if (typeof code !== 'string' || !DIGITS.test(code)) return undefined;
  for (const rule of rules) {
    if (code.length < rule.lengths[0] || code.length > rule.lengths[1]) continue;
    if (rule.prefixes.some((prefix) => code.startsWith(prefix))) return rule.wallet;
  }
  return undefined;
}
