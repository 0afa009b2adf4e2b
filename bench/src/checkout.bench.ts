/**
 * `@hutong/checkout`: the time to route a link visit to a wallet action (verify the link's HMAC, read
 * the session, detect the wallet from the User-Agent, mint the attempt as a hutong order), beside a
 * bare `createPayment` of the same method on the same providers. The providers are fakes, so the
 * wallet's network is left out of both.
 */
import { createCheckout, routeLinkVisit } from '@hutong/checkout';
import { createPayments } from '@hutong/core';
import { createFakeProvider } from '@hutong/core/testing';
import { type Comparison, type Measurement, measureInterleaved, report } from './harness.js';

const PER_SAMPLE = 2_000;
const SAMPLES = 5;
const ALIPAY_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 AlipayClient/10.5.86.6000 Language/zh-Hans';

export async function benchCheckout(): Promise<boolean> {
  const providers = ['alipay', 'wechatpay', 'unionpay'].map((wallet) => createFakeProvider({ id: wallet, wallet }));
  const payments = createPayments({ providers, notifyUrl: (id) => `https://shop.example/webhooks/${id}` });
  const checkout = createCheckout({
    payments,
    secret: 'bench-secret-bench-secret-bench-secret-0123',
    baseUrl: 'https://shop.example/pay',
    wallets: {
      alipay: { provider: 'alipay' },
      wechatpay: { provider: 'wechatpay' },
      unionpay: { provider: 'unionpay' },
    },
  });
  // One session per visit, so that every visit mints its own attempt, as a new payer's does.
  const links: string[] = [];
  for (let i = 0; i < PER_SAMPLE * (SAMPLES + 1); i++) {
    links.push((await checkout.createSession({ amount: 1999, subject: '龙井茶' })).url);
  }
  let next = 0;
  const [visit, bare] = (await measureInterleaved(
    [
      {
        name: 'checkout: route an Alipay visit to an h5 attempt',
        fn: async () => {
          const routed = await routeLinkVisit(checkout, { url: links[next++] as string, userAgent: ALIPAY_UA });
          if (routed.type !== 'payment') throw new Error(`visit routed to ${routed.type}`);
        },
        iterations: PER_SAMPLE,
      },
      {
        name: 'bare payments.createPayment (h5, same provider)',
        fn: () => payments.createPayment({ provider: 'alipay', method: 'h5', amount: 1999, subject: '龙井茶' }),
        iterations: PER_SAMPLE,
      },
    ],
    { samples: SAMPLES },
  )) as [Measurement, Measurement];
  const comparisons: Comparison[] = [
    { label: 'link visit ÷ bare createPayment (time)', ratio: visit.nsPerOp / bare.nsPerOp, kind: 'info', target: 0 },
  ];
  return report('@hutong/checkout: routing a link visit (wallet network excluded)', [visit, bare], comparisons);
}
