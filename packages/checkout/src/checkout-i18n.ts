/**
 * The pages' words, in Chinese (the default) and English.
 *
 * @packageDocumentation
 */

/** A language of the checkout's pages. */
export type CheckoutLocale = 'zh-CN' | 'en';

const zh = {
  title: '收银台',
  amount: '金额',
  scan: '用支付宝、微信或云闪付扫码付款',
  share: '也可以把链接发给朋友，请他帮你付',
  otherWays: '在电脑上付款',
  alipay: '支付宝网页付款',
  wechatpay: '微信扫码付款',
  unionpay: '银联网页付款',
  scanWechat: '请用微信扫描二维码付款',
  enterAmount: '请输入付款金额（元）',
  amountRange: '金额在 {min} 至 {max} 元之间',
  pay: '付款',
  continue: '继续付款',
  opening: '正在打开付款…',
  paid: '付款成功',
  pending: '正在确认付款结果…',
  failed: '付款未完成',
  closed: '这次付款已关闭',
  completedByOther: '这笔款项已经付清了',
  duplicateRefunded: '这笔款项已由他人付清，你的付款将原路退回',
  expired: '链接已过期',
  expiredHint: '请向商家索取新的付款链接。',
  tryAgain: '重新付款',
  back: '返回商家',
  notFound: '找不到这个页面',
  walletNotAccepted: '商家暂不支持用这个钱包付款',
  error: '出了点问题，请稍后再试',
  language: 'English',
  payee: '收款方',
  inWechat: '在微信里付款',
  payWithWechat: '微信支付',
  longPressNext: '下一步长按二维码，选「识别图中二维码」即可付款',
  longPressWechat: '长按二维码，选「识别图中二维码」付款',
  otherWallets: '用支付宝或云闪付',
  openInBrowser: '点右上角「···」，选「在浏览器打开」，再用支付宝或云闪付付款。',
  unionpayMobile: '银联卡网页付款',
} as const;

type Messages = { readonly [K in keyof typeof zh]: string };

const en: Messages = {
  title: 'Checkout',
  amount: 'Amount',
  scan: 'Scan with Alipay, WeChat or Cloud QuickPass to pay',
  share: 'You can also send the link to a friend who pays for you',
  otherWays: 'Pay on this computer',
  alipay: 'Alipay on the web',
  wechatpay: 'WeChat Pay QR code',
  unionpay: 'UnionPay on the web',
  scanWechat: 'Scan the code with WeChat to pay',
  enterAmount: 'Amount to pay (yuan)',
  amountRange: 'From {min} to {max} yuan',
  pay: 'Pay',
  continue: 'Continue to payment',
  opening: 'Opening the payment…',
  paid: 'Paid',
  pending: 'Confirming the payment…',
  failed: 'The payment did not go through',
  closed: 'This payment was closed',
  completedByOther: 'This has already been paid',
  duplicateRefunded: 'Someone else already paid this; your payment is being refunded',
  expired: 'This link has expired',
  expiredHint: 'Ask the merchant for a new payment link.',
  tryAgain: 'Pay again',
  back: 'Back to the shop',
  notFound: 'Page not found',
  walletNotAccepted: 'The merchant does not take this wallet',
  error: 'Something went wrong; please try again later',
  language: '中文',
  payee: 'Payee',
  inWechat: 'Pay inside WeChat',
  payWithWechat: 'WeChat Pay',
  longPressNext: 'On the next page, press and hold the code and choose “Scan QR Code in Image”',
  longPressWechat: 'Press and hold the code, then choose “Scan QR Code in Image” to pay',
  otherWallets: 'With Alipay or Cloud QuickPass',
  openInBrowser: 'Tap “···” at the top right, choose “Open in Browser”, then pay with Alipay or Cloud QuickPass.',
  unionpayMobile: 'UnionPay card on the web',
};

/** The words of the pages in one language. */
export type CheckoutMessages = Messages;

/** The words of `locale`. */
export function messagesFor(locale: CheckoutLocale): CheckoutMessages {
  return locale === 'en' ? en : zh;
}

/**
 * The language of a page: `?lang=en|zh` first, then the first of `Accept-Language` that is Chinese
 * or English, then the checkout's default.
 */
export function negotiateLocale(url: URL, acceptLanguage: string | null, fallback: CheckoutLocale): CheckoutLocale {
  const asked = url.searchParams.get('lang')?.toLowerCase();
  if (asked === 'en') return 'en';
  if (asked === 'zh' || asked === 'zh-cn') return 'zh-CN';
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part, index) => {
        const [tag = '', ...params] = part.trim().split(';');
        const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
        return { tag: tag.toLowerCase(), q: q === undefined ? 1 : Number(q), index };
      })
      .filter((entry) => entry.q > 0)
      .sort((a, b) => b.q - a.q || a.index - b.index);
    for (const { tag } of ranked) {
      if (tag === 'en' || tag.startsWith('en-')) return 'en';
      if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    }
  }
  return fallback;
}
