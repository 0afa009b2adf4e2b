import { type BrowserContext, detectWallet } from '@hutong/checkout';
import { describe, expect, it } from 'vitest';
import { UA } from './checkout-setup.js';

const CASES: [string, string | null | undefined, BrowserContext][] = [
  ['Alipay app', UA.alipay, 'alipay'],
  ['Alipay on Android', 'Mozilla/5.0 (Linux; U; Android 12) UCBrowser/11.6.4.950 AlipayClient/10.3.30.8000', 'alipay'],
  ['WeChat on Android', UA.wechat, 'wechatpay'],
  [
    'WeChat on iOS',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2d) NetType/WIFI Language/zh_CN',
    'wechatpay',
  ],
  ['WeCom', 'Mozilla/5.0 … wxwork/4.1.16 MicroMessenger/7.0.1 Language/zh', 'wechatpay'],
  ['Cloud QuickPass', UA.cloudpay, 'unionpay'],
  ['a UnionPay-family bank app', 'Mozilla/5.0 (Linux; Android 11) (UnionPay/1.0 BOCOMApp)', 'unionpay'],
  ['Taobao (not Alipay)', 'Mozilla/5.0 (iPhone) AliApp(TB/10.30.0) WindVane/8.7.2', 'browser'],
  ['DingTalk', 'Mozilla/5.0 (iPhone) AliApp(DingTalk/7.0.40) com.laiwang.DingTalk', 'browser'],
  ['a UnionPay token without an app name', 'Mozilla/5.0 UnionPay/1.0', 'browser'],
  ['desktop Chrome', UA.desktop, 'browser'],
  ['empty', '', 'browser'],
  ['missing', undefined, 'browser'],
  ['null', null, 'browser'],
];

describe('detectWallet', () => {
  it.each(CASES)('%s', (_name, userAgent, expected) => {
    expect(detectWallet(userAgent)).toBe(expected);
  });
});
