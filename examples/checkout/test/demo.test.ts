import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.js';

describe('checkout demo', () => {
  it('takes every wallet from created to paid to refunded through webhooks over HTTP', async () => {
    const lines: string[] = [];
    const results = await runDemo((line) => lines.push(line));
    expect(results.length).toBeGreaterThan(0);
    for (const { order } of results) {
      expect(order.status).toBe('refunded');
      expect(order.refundedAmount).toBe(1999);
      expect(order.refunds.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    }
    expect(lines.join('\n')).not.toContain('rejected');
  });
});
