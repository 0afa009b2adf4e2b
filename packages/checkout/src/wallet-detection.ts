/**
 * Which wallet a page is running in, read from the User-Agent: the one place the checkout decides
 * how a link visit is paid.
 *
 * @packageDocumentation
 */
import type { CheckoutWallet } from './checkout-session.js';

/**
 * Where a link was opened: inside one of the wallets' apps, or in any other browser (a desktop, a
 * phone's own browser, another app's web view).
 */
export type BrowserContext = CheckoutWallet | 'browser';

/**
 * The User-Agent tokens of each wallet app, tried in this order:
 * - Alipay: `AlipayClient/10.5.0` (Alipay's own app; Taobao and DingTalk say `AliApp(TB…)` /
 *   `AliApp(DingTalk…)` without it and count as browsers);
 * - WeChat: `MicroMessenger/8.0.47` (WeChat and WeCom, whose UA carries it too);
 * - UnionPay family: `(UnionPay/1.0 CloudPay)`: Cloud QuickPass (云闪付) and bank apps built on
 *   its SDK, `UnionPay/<version> <app>`.
 */
const WALLET_PATTERNS: readonly (readonly [CheckoutWallet, RegExp])[] = [
  ['alipay', /\bAlipayClient\/\d/],
  ['wechatpay', /\bMicroMessenger\/\d/i],
  ['unionpay', /\bUnionPay\/\d+(?:\.\d+)*\s+[A-Za-z][\w.-]*/],
];

/**
 * The wallet whose app the page runs in, from its User-Agent, or `'browser'`.
 *
 * @example
 * ```ts
 * detectWallet('Mozilla/5.0 (iPhone) … MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI'); // 'wechatpay'
 * detectWallet('Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0'); // 'browser'
 * ```
 */
export function detectWallet(userAgent: string | null | undefined): BrowserContext {
  if (!userAgent) return 'browser';
  for (const [wallet, pattern] of WALLET_PATTERNS) if (pattern.test(userAgent)) return wallet;
  return 'browser';
}
