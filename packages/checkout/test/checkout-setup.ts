import { type CheckoutOptions, createCheckout } from '@hutong/checkout';
import { createPayments } from '@hutong/core';
import type { CreatePaymentRequest, CreatePaymentResult } from '@hutong/core/provider-utils';
import { createFakeProvider } from '@hutong/core/testing';

export const SECRET = 'test-secret-0123456789abcdefghijklmnop';
export const UA = {
  alipay:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ChannelId(0) Ariver/1.1.0 AliApp(AP/10.5.86.6000) Nebula WK RVKType(0) AlipayDefined(nt:WIFI,ws:390|844|3.0) AlipayClient/10.5.86.6000 Language/zh-Hans Region/CN NebulaX/1.0.0',
  wechat:
    'Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230805.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  cloudpay:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 (com.unionpay.chsp) (cordova 7.0.0) (updebug 0) (version 1013) (UnionPay/1.0 CloudPay) (clientVersion 313) (language zh_CN)',
  desktop: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
} as const;

/** A checkout on three fake providers (one per wallet), with a stub WeChat OAuth. */
export function setup(
  options: Partial<Omit<CheckoutOptions, 'payments' | 'wallets'>> & {
    baseUrl?: string;
    alipayOAuth?: boolean;
    /** Configure WeChat's OAuth (default `true`); without it, WeChat visitors get the in-WeChat page. */
    wechatOAuth?: boolean;
    /** Serve the fake wallets' cashiers and OAuth pages from here (`/fake-cashier/<order>`, `/fake-oauth/<wallet>`). */
    walletOrigin?: string;
  } = {},
) {
  const { alipayOAuth, wechatOAuth = true, walletOrigin, ...rest } = options;
  const fake = (wallet: string) => {
    const provider = createFakeProvider({ id: wallet, wallet, instantRefunds: true });
    if (!walletOrigin) return provider;
    // The fake gateway's cashier URL, moved to a server the test browser can reach.
    const move = (result: CreatePaymentResult): CreatePaymentResult => {
      const action = result.action;
      const url = (text: string) => text.replace('https://fake.hutong.invalid/pay/', `${walletOrigin}/fake-cashier/`);
      if (action.type === 'redirect' || action.type === 'form')
        return { ...result, action: { ...action, url: url(action.url) } };
      return result;
    };
    return {
      ...provider,
      createPayment: async (request: CreatePaymentRequest) => move(await provider.createPayment(request)),
    };
  };
  const providers = {
    alipay: fake('alipay'),
    wechatpay: fake('wechatpay'),
    unionpay: fake('unionpay'),
  };
  const oauthBase = walletOrigin ? `${walletOrigin}/fake-oauth` : 'https://open.weixin.example/connect/oauth2';
  const payments = createPayments({
    providers: [providers.alipay, providers.wechatpay, providers.unionpay],
    notifyUrl: (id) => `https://shop.example/webhooks/${id}`,
  });
  const oauthCodes: string[] = [];
  const checkout = createCheckout({
    payments,
    secret: SECRET,
    baseUrl: 'https://shop.example/pay',
    allowedReturnUrls: ['https://shop.example/orders/'],
    ...rest,
    wallets: {
      alipay: alipayOAuth
        ? {
            provider: 'alipay',
            oauth: {
              authorizeUrl: (redirectUri, state) =>
                `${oauthBase}/alipay?redirect_uri=${encodeURIComponent(redirectUri)}&state=${state}`,
              buyerId: async (code) => `2088${code}`,
            },
          }
        : { provider: 'alipay' },
      wechatpay: {
        provider: 'wechatpay',
        oauth: wechatOAuth
          ? {
              authorizeUrl: (redirectUri, state) =>
                `${oauthBase}/authorize?redirect_uri=${encodeURIComponent(redirectUri)}&state=${state}#wechat_redirect`,
              buyerId: async (code) => {
                oauthCodes.push(code);
                return `o${code}openid`;
              },
            }
          : undefined,
      },
      unionpay: { provider: 'unionpay' },
    },
  });
  /** The buyer pays an attempt in the fake wallet and the wallet's notification reaches the facade. */
  const pay = (orderId: string) => {
    const provider = Object.values(providers).find((p) => p.sandbox.payment(orderId));
    if (!provider) throw new Error(`no fake payment ${orderId}`);
    return payments.handleNotification(provider.id, provider.sandbox.pay(orderId));
  };
  const get = (url: string, headers: Record<string, string> = {}) =>
    checkout.handler(new Request(url, { headers: { 'user-agent': UA.desktop, ...headers } }));
  return { checkout, payments, providers, pay, get, oauthCodes };
}
