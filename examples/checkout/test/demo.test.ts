import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

describe('checkout demo', () => {
  it('pays on every wallet (QR, web, one code, the till), refunds, and finds every order after a restart', async () => {
    const lines: string[] = [];
    const summary = await runDemo((line) => lines.push(line));
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
    expect(lines.join('\n').split('\n').length).toBeLessThan(130);
  });
});
