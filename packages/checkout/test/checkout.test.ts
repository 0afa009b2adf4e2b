import { ValidationError } from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, it } from 'vitest';
import { SECRET, setup, UA } from './checkout-setup.js';

function nonceOf(response: Response): string {
  const csp = response.headers.get('content-security-policy') ?? '';
  return /script-src 'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
}

describe('sessions and links', () => {
  it('creates a session that expires in 30 minutes by default, behind a signed link', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const { checkout } = setup({ now: () => now });
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    expect(session.expiresAt).toBe('2026-01-01T00:30:00.000Z');
    expect(session.status).toBe('open');
    expect(url).toMatch(new RegExp(`^https://shop\\.example/pay/${session.id}/[A-Za-z0-9_-]{22}$`));
  });

  it('refuses a lifetime over 24 hours, a missing amount, and a return URL off the allow-list', async () => {
    const { checkout } = setup();
    const field = async (input: Parameters<typeof checkout.createSession>[0]) => {
      const error = await rejectionOf(checkout.createSession(input));
      return ValidationError.isInstance(error) ? error.field : error;
    };
    expect(await field({ amount: 100, subject: 'x', expiresIn: 86_401 })).toBe('expiresIn');
    expect(await field({ subject: 'x' })).toBe('amount');
    expect(await field({ amount: 100, subject: 'x', returnUrl: 'https://evil.example/orders/1' })).toBe('returnUrl');
    expect(await field({ amount: 100, subject: 'x', returnUrl: 'https://shop.example/admin' })).toBe('returnUrl');
    expect(await field({ amount: 100, subject: 'x', maxCompletions: 2 })).toBe('maxCompletions');
    await expect(
      checkout.createSession({
        amount: 100,
        subject: 'x',
        expiresIn: 86_400,
        returnUrl: 'https://shop.example/orders/7',
      }),
    ).resolves.toBeDefined();
  });

  it('refuses a short secret and a provider of the wrong wallet', async () => {
    const { payments } = setup();
    const { createCheckout } = await import('@hutong/checkout');
    expect(() =>
      createCheckout({
        payments,
        secret: 'short',
        baseUrl: 'https://x.example',
        wallets: { alipay: { provider: 'alipay' } },
      }),
    ).toThrow(ValidationError);
    expect(() =>
      createCheckout({
        payments,
        secret: SECRET,
        baseUrl: 'https://x.example',
        wallets: { alipay: { provider: 'unionpay' } },
      }),
    ).toThrow(/unionpay is a unionpay provider/);
  });

  it('answers a tampered or unknown link with 404', async () => {
    const { checkout, get } = setup();
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    const tampered = url.slice(0, -1) + (url.endsWith('A') ? 'B' : 'A');
    expect((await get(tampered)).status).toBe(404);
    expect((await get(url.replace(session.id, 'abcdefgh12345678'))).status).toBe(404);
    expect((await get('https://shop.example/pay/nothing')).status).toBe(404);
    expect((await get(`${url}/go/paypal`)).status).toBe(404);
    expect((await get(url)).status).toBe(200);
  });

  it('shows an expired page for an expired link, and emits checkout.expired once', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { checkout, get } = setup({ now: () => now });
    const expired: string[] = [];
    checkout.on('checkout.expired', ({ session }) => void expired.push(session.id));
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea', expiresIn: 60 });
    now = new Date('2026-01-01T00:01:00Z');
    const response = await get(url);
    expect(response.status).toBe(410);
    expect(await response.text()).toContain('链接已过期');
    expect((await get(url)).status).toBe(410);
    expect(await checkout.expireSessions()).toBe(0);
    expect(expired).toEqual([session.id]);
  });

  it('expireSessions closes the open attempts of sessions past their time', async () => {
    let now = new Date();
    const { checkout, payments, get } = setup({ now: () => now });
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea', expiresIn: 60 });
    await get(url, { 'user-agent': UA.alipay });
    now = new Date(now.getTime() + 61_000);
    expect(await checkout.expireSessions()).toBe(1);
    const [attempt] = await checkout.listAttempts(session.id);
    expect((await payments.getOrder(attempt?.orderId ?? '')).status).toBe('closed');
  });
});

describe('one link, any wallet', () => {
  it('Alipay: an h5 attempt, its own order, returning to the attempt page', async () => {
    const { checkout, payments, get } = setup();
    const { session, url } = await checkout.createSession({ amount: 1999, subject: 'Tea', metadata: { cart: 'c1' } });
    const response = await get(url, { 'user-agent': UA.alipay });
    expect(response.status).toBe(303);
    const [attempt] = await checkout.listAttempts(session.id);
    expect(attempt).toMatchObject({ wallet: 'alipay', provider: 'alipay', method: 'h5', amount: 1999 });
    expect(response.headers.get('location')).toBe(`https://fake.hutong.invalid/pay/${attempt?.orderId}`);
    const order = await payments.getOrder(attempt?.orderId ?? '');
    expect(order.returnUrl).toBe(`${url}/a/${order.id}`);
    expect(order.metadata).toEqual({ cart: 'c1', hutong_checkout_session: session.id });
    expect(order.expiresAt).toBe(session.expiresAt);
  });

  it('Cloud QuickPass: a UnionPay h5 attempt', async () => {
    const { checkout, get } = setup();
    const { session, url } = await checkout.createSession({ amount: 500, subject: 'Tea' });
    expect((await get(url, { 'user-agent': UA.cloudpay })).status).toBe(303);
    expect((await checkout.listAttempts(session.id)).map((a) => [a.wallet, a.method])).toEqual([['unionpay', 'h5']]);
  });

  it('WeChat: snsapi_base OAuth with a signed single-use state, then a jsapi attempt and the bridge page', async () => {
    const { checkout, payments, get, oauthCodes } = setup();
    const { session, url } = await checkout.createSession({ amount: 800, subject: '奶茶' });
    const redirect = await get(url, { 'user-agent': UA.wechat });
    expect(redirect.status).toBe(302);
    const authorize = new URL(redirect.headers.get('location') ?? '');
    const state = authorize.searchParams.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9]{74}$/);
    const back = new URL(authorize.searchParams.get('redirect_uri') ?? '');
    expect(back.href).toBe(`${url}/oauth/wechatpay`);
    back.searchParams.set('code', 'C1');
    back.searchParams.set('state', state);
    const page = await get(back.href, { 'user-agent': UA.wechat });
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain("WeixinJSBridge.invoke('getBrandWCPayRequest'");
    expect(text).toContain(`<script nonce="${nonceOf(page)}">`);
    const [attempt] = await checkout.listAttempts(session.id);
    expect(attempt).toMatchObject({ wallet: 'wechatpay', method: 'jsapi' });
    expect((await payments.getOrder(attempt?.orderId ?? '')).buyerId).toBe('oC1openid');
    expect(oauthCodes).toEqual(['C1']);
    // The same state again: refused, and no second code exchange.
    expect((await get(back.href, { 'user-agent': UA.wechat })).status).toBe(400);
    const forged = new URL(back);
    forged.searchParams.set('state', `${state.slice(0, -1)}${state.endsWith('0') ? '1' : '0'}`);
    expect((await get(forged.href, { 'user-agent': UA.wechat })).status).toBe(400);
    expect(oauthCodes).toEqual(['C1']);
  });

  it('Alipay with OAuth configured: auth_code → buyer id → a JSAPI attempt calling tradePay', async () => {
    const { checkout, payments, get } = setup({ alipayOAuth: true });
    const { session, url } = await checkout.createSession({ amount: 800, subject: 'Tea' });
    const authorize = new URL((await get(url, { 'user-agent': UA.alipay })).headers.get('location') ?? '');
    const back = new URL(authorize.searchParams.get('redirect_uri') ?? '');
    back.searchParams.set('auth_code', 'A7');
    back.searchParams.set('state', authorize.searchParams.get('state') ?? '');
    const text = await (await get(back.href, { 'user-agent': UA.alipay })).text();
    expect(text).toContain("AlipayJSBridge.call('tradePay'");
    const [attempt] = await checkout.listAttempts(session.id);
    expect((await payments.getOrder(attempt?.orderId ?? '')).buyerId).toBe('2088A7');
  });

  it('a desktop browser gets the cashier: the link as a QR code, and the three wallets without an app', async () => {
    const { checkout, get } = setup();
    const { session, url } = await checkout.createSession({ amount: 1999, subject: '<script>alert(1)</script>' });
    const response = await get(url);
    const text = await response.text();
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(text).toContain('<svg');
    expect(text).toContain('19.99');
    expect(text).not.toContain('<script>alert(1)</script>');
    expect(text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    for (const wallet of ['alipay', 'wechatpay', 'unionpay']) expect(text).toContain(`${url}/go/${wallet}`);
    expect(await checkout.listAttempts(session.id)).toEqual([]);
    const page = await get(`${url}/go/alipay`);
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' https://fake.hutong.invalid");
    expect(await page.text()).toContain('action="https://fake.hutong.invalid/pay/');
    const qr = await (await get(`${url}/go/wechatpay`)).text();
    expect(qr).toContain('请用微信扫描二维码付款');
    expect((await checkout.listAttempts(session.id)).map((a) => a.method)).toEqual(['page', 'qr']);
  });

  it('serves a strict CSP with a fresh nonce per response, and no caching', async () => {
    const { checkout, get } = setup();
    const { url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    const first = await get(url);
    const second = await get(url);
    const csp = first.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(nonceOf(first)).toHaveLength(24);
    expect(nonceOf(first)).not.toBe(nonceOf(second));
    expect(await first.text()).toContain(`<style nonce="${nonceOf(first)}">`);
    expect(first.headers.get('cache-control')).toBe('no-store');
  });

  it('speaks Chinese by default and English on ?lang=en or Accept-Language', async () => {
    const { checkout, get } = setup();
    const { url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    expect(await (await get(url)).text()).toContain('<html lang="zh-CN">');
    expect(await (await get(`${url}?lang=en`)).text()).toContain('Pay on this computer');
    expect(await (await get(url, { 'accept-language': 'en-GB,en;q=0.9,zh;q=0.5' })).text()).toContain(
      '<html lang="en">',
    );
    expect(await (await get(url, { 'accept-language': 'zh-CN,en;q=0.8' })).text()).toContain('<html lang="zh-CN">');
  });

  it('renders the attempt page and the status endpoint from the stored order only', async () => {
    const { checkout, get, pay } = setup();
    const { session, url } = await checkout.createSession({
      amount: 100,
      subject: 'Tea',
      returnUrl: 'https://shop.example/orders/42',
    });
    await get(url, { 'user-agent': UA.alipay });
    const [attempt] = await checkout.listAttempts(session.id);
    const page = `${url}/a/${attempt?.orderId}`;
    // The wallet's return (or its JS) may claim success: the page still says what the store says.
    const pending = await (await get(`${page}?trade_status=TRADE_SUCCESS`)).text();
    expect(pending).toContain('data-state="pending"');
    expect(await (await get(`${page}/status`)).json()).toEqual({ state: 'pending', order: 'pending', session: 'open' });
    await pay(attempt?.orderId ?? '');
    const paid = await (await get(page)).text();
    expect(paid).toContain('付款成功');
    expect(paid).toContain('href="https://shop.example/orders/42"');
    expect(await (await get(`${page}/status`)).json()).toEqual({ state: 'paid', order: 'paid', session: 'completed' });
    // An attempt of another session is not reachable under this link.
    const other = await checkout.createSession({ amount: 100, subject: 'Tea' });
    expect((await get(`${other.url}/a/${attempt?.orderId}`)).status).toBe(404);
    // A completed link no longer makes attempts.
    expect(await (await get(url, { 'user-agent': UA.alipay })).text()).toContain('这笔款项已经付清了');
    expect(await checkout.listAttempts(session.id)).toHaveLength(1);
  });

  it('nodeHandler serves the same pages over node:http', async () => {
    const { createServer } = await import('node:http');
    const { setup: make } = await import('./checkout-setup.js');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const { checkout } = make({ baseUrl: `http://127.0.0.1:${port}/pay` });
    server.on('request', checkout.nodeHandler);
    try {
      const { url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
      const response = await fetch(url, { headers: { 'user-agent': UA.desktop } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<svg');
      expect((await fetch(`${url}x`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});

describe('pay-for-me', () => {
  it('two friends paying at the same moment: exactly one completion, the other refunded, events for both', async () => {
    const { checkout, payments, get, pay } = setup();
    const completed: string[] = [];
    const duplicates: { orderId: string; refund: string | undefined }[] = [];
    checkout.on('checkout.completed', ({ order }) => void completed.push(order.id));
    checkout.on(
      'checkout.duplicate_payment',
      ({ order, refund }) => void duplicates.push({ orderId: order.id, refund: refund?.status }),
    );
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    await get(url, { 'user-agent': UA.alipay });
    await get(url, { 'user-agent': UA.cloudpay });
    const [a, b] = await checkout.listAttempts(session.id);
    await Promise.all([pay(a?.orderId ?? ''), pay(b?.orderId ?? '')]);
    expect(completed).toHaveLength(1);
    expect(duplicates).toHaveLength(1);
    expect(new Set([...completed, duplicates[0]?.orderId])).toEqual(new Set([a?.orderId, b?.orderId]));
    expect(duplicates[0]?.refund).toBe('succeeded');
    const stored = await checkout.getSession(session.id);
    expect(stored?.status).toBe('completed');
    expect(stored?.completedBy).toEqual(completed);
    expect(stored?.anomalies).toMatchObject([{ code: 'duplicate_payment', orderId: duplicates[0]?.orderId }]);
    expect((await payments.getOrder(duplicates[0]?.orderId ?? '')).status).toBe('refunded');
    expect((await payments.getOrder(completed[0] ?? '')).status).toBe('paid');
    // Redelivered notifications change nothing.
    await pay(a?.orderId ?? '');
    expect(completed).toHaveLength(1);
    expect(duplicates).toHaveLength(1);
  });

  it('closes the other open attempts when one pays', async () => {
    const { checkout, payments, get, pay } = setup();
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    await get(url, { 'user-agent': UA.alipay });
    await get(`${url}/go/wechatpay`);
    const [a, b] = await checkout.listAttempts(session.id);
    await pay(a?.orderId ?? '');
    expect((await payments.getOrder(b?.orderId ?? '')).status).toBe('closed');
    expect(await (await get(`${url}/a/${b?.orderId}`)).text()).toContain('data-state="completed_by_other"');
  });

  it('records but does not refund a duplicate when refundDuplicatePayments is false', async () => {
    const { checkout, payments, get, pay } = setup({ refundDuplicatePayments: false });
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    await get(url, { 'user-agent': UA.alipay });
    await get(url, { 'user-agent': UA.alipay });
    const [a, b] = await checkout.listAttempts(session.id);
    await pay(a?.orderId ?? '');
    await pay(b?.orderId ?? '');
    const stored = await checkout.getSession(session.id);
    expect(stored?.anomalies).toMatchObject([{ orderId: b?.orderId, refundId: null }]);
    expect((await payments.getOrder(b?.orderId ?? '')).status).toBe('paid');
  });
});

describe('static codes (reusable sessions)', () => {
  it('each visit mints its own attempt; paid three times, completed three times', async () => {
    const { checkout, get, pay } = setup();
    const completions: string[] = [];
    checkout.on('checkout.completed', ({ order }) => void completions.push(order.id));
    const { session, url } = await checkout.createSession({ amount: 1500, subject: '煎饼', reusable: true });
    for (const ua of [UA.alipay, UA.cloudpay, UA.alipay]) {
      await get(url, { 'user-agent': ua });
      const attempts = await checkout.listAttempts(session.id);
      await pay(attempts.at(-1)?.orderId ?? '');
    }
    expect(completions).toHaveLength(3);
    const stored = await checkout.getSession(session.id);
    expect(stored).toMatchObject({ status: 'open', completedBy: completions });
  });

  it('takes a typed amount within its bounds, and completes after maxCompletions', async () => {
    const { checkout, get, pay } = setup();
    const { session, url } = await checkout.createSession({
      subject: '随心付',
      reusable: true,
      maxCompletions: 1,
      payerAmount: { max: 20_000 },
    });
    expect(session.payerAmount).toEqual({ min: 1, max: 20_000 });
    const form = await get(url, { 'user-agent': UA.alipay });
    expect(await form.text()).toContain('name="amount"');
    expect((await get(`${url}?amount=200.01`, { 'user-agent': UA.alipay })).status).toBe(400);
    expect((await get(`${url}?amount=abc`, { 'user-agent': UA.alipay })).status).toBe(400);
    expect((await get(`${url}?amount=12.5`, { 'user-agent': UA.alipay })).status).toBe(303);
    const [attempt] = await checkout.listAttempts(session.id);
    expect(attempt?.amount).toBe(1250);
    await pay(attempt?.orderId ?? '');
    expect((await checkout.getSession(session.id))?.status).toBe('completed');
  });
});
