import { describe, expect, it } from 'vitest';
import { closingLines, runDemo } from '../src/demo.js';

/** Hosts of the wallets' real services: none is printed when the demo runs on local sandboxes. */
const WALLET_HOSTS = /alipay(?:dev)?\.com|tenpay\.com|weixin\.qq\.com|wechatpay\.cn|95516\.com|unionpay\.com/i;

describe('checkout demo', () => {
  // One run of the demo (about 10 s), at the width a terminal that is not a TTY gets: 80 columns.
  const lines: string[] = [];
  const run = runDemo((line) => lines.push(...line.split('\n')), { columns: 80 });

  it('pays on every wallet (QR, web, one code, the till), refunds, and finds every order after a restart', async () => {
    const summary = await run;
    const output = lines.join('\n');
    // 3 QR + 3 web payments, 3 payments of the static code, 3 at the till.
    expect(summary.afterRestart).toHaveLength(12);
    for (const order of summary.afterRestart) expect(order.paidAmount).toBe(order.amount);
    const wallets = new Set(summary.afterRestart.map((order) => order.provider));
    expect([...wallets].sort()).toEqual(['alipay', 'unionpay', 'wechatpay']);
    const refunded = summary.afterRestart.filter((order) => order.status === 'partially_refunded');
    expect(refunded.map((order) => order.refundedAmount)).toEqual([800, 800, 800]);
    expect(summary.codeCompletions).toBe(3);
    expect(output).not.toContain('rejected');
    // Each step's events print under it, and the demo fits two screens or so.
    expect(output.indexOf('event checkout.completed')).toBeGreaterThan(output.indexOf('2. One code'));
    expect(lines.join('\n').split('\n').length).toBeLessThan(155);
  });

  it('runs as a platform too: two shops paid on every wallet, each order with its shop, a split and a payout', async () => {
    const { platform } = await run;
    expect(platform.orders).toHaveLength(6);
    for (const order of platform.orders) expect(order).toMatchObject({ status: 'paid', paidAmount: 2000 });
    expect(platform.orders.filter((order) => order.merchant === 'shop-a')).toHaveLength(3);
    expect(new Set(platform.orders.map((order) => order.provider)).size).toBe(3);
    expect(platform.payout).toBe('succeeded');
  });

  it('runs a marketplace on WeChat Pay and Alipay: pay → split → partial refund → return → payout', async () => {
    const { marketplace } = await run;
    for (const wallet of ['wechatpay', 'alipay'] as const) {
      const { order, payout } = marketplace[wallet];
      expect(order).toMatchObject({ status: 'partially_refunded', paidAmount: 10_000 });
      const split = order.splits?.[0];
      expect(split).toMatchObject({ status: 'succeeded', amount: 1800 });
      expect(split?.returns).toEqual([
        expect.objectContaining({ account: expect.any(String), amount: 300, status: 'succeeded' }),
      ]);
      expect(payout).toMatchObject({ status: 'succeeded', amount: 500 });
    }
    // WeChat Pay returns on its own, then refunds; Alipay's return is part of a refund.
    expect(marketplace.wechatpay.order.refundedAmount).toBe(3000);
    expect(marketplace.alipay.order.refundedAmount).toBe(3500);
    expect(marketplace.alipay.order.splits?.[0]?.returns[0]?.refundId).toBe('refund0002');
  });

  it('fits an 80-column terminal, QR codes included', async () => {
    await run;
    const wide = lines.filter((line) => [...line].length > 80);
    expect(wide).toEqual([]);
  });

  it('ends with a line that fits the width too, however long the SQLite file’s path', async () => {
    const summary = await run;
    for (const databaseFile of [summary.databaseFile, `/tmp/hutong-demo-${'x'.repeat(90)}/orders.sqlite`]) {
      const closing = closingLines({ ...summary, databaseFile }, 80);
      expect(closing.filter((line) => [...line].length > 80)).toEqual([]);
      expect(closing.join(' ')).toMatch(/^\s*Done: 12 payments on three wallets, all in /);
    }
    expect(closingLines({ ...summary, codeCompletions: 2 }, 80).join('\n')).toContain('Something went wrong');
  });

  it('prints no real wallet host while it runs on the sandboxes', async () => {
    await run;
    expect(lines.filter((line) => WALLET_HOSTS.test(line))).toEqual([]);
  });
});
