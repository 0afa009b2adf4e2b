import { describe, expect, it } from 'vitest';
import { setup, UA } from './checkout-setup.js';

describe('a wallet sending the buyer back by POST', () => {
  it('redirects a POST to an attempt page (UnionPay’s front return) to the same page by GET', async () => {
    const { checkout } = setup();
    const { session, url } = await checkout.createSession({ amount: 3600, subject: '电影票' });
    const visit = await checkout.visit({ url, userAgent: UA.cloudpay });
    expect(visit.type).toBe('payment');
    const orderId = (await checkout.listAttempts(session.id))[0]?.orderId ?? '';
    const attempt = `${url}/a/${orderId}?respCode=00`;
    const posted = await checkout.handler(
      new Request(attempt, { method: 'POST', body: 'respCode=00&signature=x', headers: { 'user-agent': UA.cloudpay } }),
    );
    expect(posted.status).toBe(303);
    expect(posted.headers.get('location')).toBe(attempt);
    // Anything else posted is still refused: the link itself, a tampered attempt link.
    expect((await checkout.handler(new Request(url, { method: 'POST' }))).status).toBe(405);
    expect((await checkout.handler(new Request(`${url.slice(0, -2)}xx/a/${orderId}`, { method: 'POST' }))).status).toBe(
      405,
    );
  });
});
