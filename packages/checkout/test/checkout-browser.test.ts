/**
 * End-to-end flows in Debian's Chromium (playwright-core; no browser is downloaded), each to a paid
 * order on fake providers. The wallets' cashiers and WeChat's OAuth page are played by request
 * routes; WeixinJSBridge by an injected script; the link is served over node:http.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closePage, describeInBrowser, launchBrowser, MOBILE } from './browser.js';
import { setup, UA } from './checkout-setup.js';
import { decodePng } from './qr-decode.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
// The guide's screenshots are refreshed by `pnpm --filter @hutong/checkout screenshots` and checked
// by checkout-screenshots.test.ts; this suite keeps its own captures in artifacts/ only.

describeInBrowser('checkout in a real browser', () => {
  let server: Server;
  let origin = '';
  let context: BrowserContext;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let current: ReturnType<typeof setup>;
  /** Whether the fake cashier pays when the buyer lands on it. */
  let cashierPays = true;
  let clock = () => new Date();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', origin);
      if (url.pathname === '/test/pay') {
        // What the fake WeixinJSBridge calls: the buyer confirms in WeChat, WeChat notifies.
        current.pay(url.searchParams.get('order') ?? '').then(
          () => response.writeHead(204).end(),
          () => response.writeHead(500).end(),
        );
        return;
      }
      const cashier = /^\/fake-cashier\/([A-Za-z0-9]+)$/.exec(url.pathname);
      if (cashier) {
        // A wallet's cashier: the buyer pays (or not), and the wallet sends them back to the return URL.
        const orderId = cashier[1] ?? '';
        void (async () => {
          if (cashierPays) await current.pay(orderId);
          const order = await current.payments.getOrder(orderId);
          response.writeHead(303, { location: order.returnUrl ?? origin }).end();
        })();
        return;
      }
      if (url.pathname.startsWith('/fake-oauth/')) {
        // The wallet's silent OAuth page: straight back with a code and the state.
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set(url.pathname.endsWith('/alipay') ? 'auth_code' : 'code', 'CODE1');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        response.writeHead(302, { location: back.href }).end();
        return;
      }
      void current.checkout.nodeHandler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await launchBrowser();
    context = browser.context;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  function fresh(options: Parameters<typeof setup>[0] = {}) {
    cashierPays = true;
    clock = () => new Date();
    current = setup({ baseUrl: `${origin}/pay`, walletOrigin: origin, now: () => clock(), ...options });
    return current;
  }

  async function open(userAgent: string, viewport = MOBILE): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setUserAgentOverride', { userAgent, acceptLanguage: 'zh-CN' });
    return page;
  }

  async function onlyAttempt(sessionId: string) {
    const attempts = await current.checkout.listAttempts(sessionId);
    return attempts.at(-1)?.orderId ?? '';
  }

  it('Alipay: the link opens Alipay h5, the buyer pays, the page says paid from the stored order', async () => {
    const { checkout, payments } = fresh();
    const { session, url } = await checkout.createSession({ amount: 1999, subject: '龙井 250g' });
    const page = await open(UA.alipay);
    await page.goto(url);
    await expect.poll(() => page.locator('#result').getAttribute('data-state')).toBe('paid');
    expect(await page.locator('.status').textContent()).toBe('付款成功');
    const orderId = await onlyAttempt(session.id);
    expect((await payments.getOrder(orderId)).status).toBe('paid');
    expect((await checkout.getSession(session.id))?.status).toBe('completed');
    await closePage(page);
  }, 60_000);

  it('WeChat: OAuth (stub) → openid → jsapi → WeixinJSBridge.getBrandWCPayRequest → paid', async () => {
    const { checkout, payments } = fresh();
    const { session, url } = await checkout.createSession({ amount: 800, subject: '奶茶' });
    const page = await open(UA.wechat);
    const invoked: string[] = [];
    await page.exposeFunction('__recordInvoke', (name: string) => void invoked.push(name));
    // A fake WeixinJSBridge: the buyer confirms, WeChat Pay notifies the merchant, then the callback runs.
    await page.addInitScript(() => {
      const w = window as unknown as Record<string, unknown>;
      w.WeixinJSBridge = {
        invoke(name: string, params: { orderId: string }, callback: (res: { err_msg: string }) => void) {
          (w.__recordInvoke as (n: string) => void)(name);
          fetch(`/test/pay?order=${params.orderId}`).then(() => callback({ err_msg: 'get_brand_wcpay_request:ok' }));
        },
      };
    });
    await page.goto(url);
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 10_000 }).toBe('paid');
    expect(invoked).toEqual(['getBrandWCPayRequest']);
    const orderId = await onlyAttempt(session.id);
    const order = await payments.getOrder(orderId);
    expect(order).toMatchObject({ status: 'paid', method: 'jsapi', buyerId: 'oCODE1openid' });
    await closePage(page);
  }, 60_000);

  it('Cloud QuickPass: the link opens UnionPay h5 and ends paid', async () => {
    const { checkout, payments } = fresh();
    const { session, url } = await checkout.createSession({ amount: 3600, subject: '电影票' });
    const page = await open(UA.cloudpay);
    await page.goto(url);
    await expect.poll(() => page.locator('#result').getAttribute('data-state')).toBe('paid');
    const order = await payments.getOrder(await onlyAttempt(session.id));
    expect(order).toMatchObject({ provider: 'unionpay', method: 'h5', status: 'paid' });
    await closePage(page);
  }, 60_000);

  it('desktop: the cashier shows the link as a QR code (decoded from a screenshot); WeChat native pays it', async () => {
    const { checkout, payments, pay } = fresh();
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA（4 人）' });
    const page = await open(UA.desktop, { width: 1000, height: 900 });
    await page.goto(url);
    await page.screenshot({ path: join(ARTIFACTS, 'desktop-cashier.png'), fullPage: true });
    expect(decodePng(await page.locator('#qr').screenshot())).toBe(url);
    await page.goto(`${url}?lang=en`);
    await page.locator('a[data-wallet="wechatpay"]').click();
    await expect.poll(() => page.locator('#result').getAttribute('data-state')).toBe('pending');
    const orderId = await onlyAttempt(session.id);
    await pay(orderId);
    // The page polls the status endpoint and reloads when the stored order changes.
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
    expect((await payments.getOrder(orderId)).status).toBe('paid');
    await closePage(page);
  }, 60_000);

  it('pay-for-me: two friends pay the same link at once; one completes it, the other is refunded', async () => {
    const { checkout, payments, pay } = fresh();
    const completions: string[] = [];
    checkout.on('checkout.completed', ({ order }) => void completions.push(order.id));
    cashierPays = false;
    const { session, url } = await checkout.createSession({ amount: 5000, subject: '帮我付：生日蛋糕' });
    const alice = await open(UA.alipay);
    const bob = await open(UA.wechat);
    await bob.addInitScript(() => {
      (window as unknown as Record<string, unknown>).WeixinJSBridge = {
        invoke(_name: string, _params: unknown, callback: (res: { err_msg: string }) => void) {
          callback({ err_msg: 'get_brand_wcpay_request:ok' });
        },
      };
    });
    await Promise.all([alice.goto(url), bob.goto(url)]);
    await expect.poll(() => alice.locator('#result').getAttribute('data-state')).toBe('pending');
    await expect.poll(() => bob.locator('#result').getAttribute('data-state')).toBe('pending');
    const attempts = await checkout.listAttempts(session.id);
    expect(attempts.map((a) => a.wallet).sort()).toEqual(['alipay', 'wechatpay']);
    await Promise.all(attempts.map((attempt) => pay(attempt.orderId)));
    const states = async () =>
      [
        await alice.locator('#result').getAttribute('data-state'),
        await bob.locator('#result').getAttribute('data-state'),
      ]
        .sort()
        .join(',');
    await expect.poll(states, { timeout: 15_000 }).toBe('duplicate,paid');
    expect(completions).toHaveLength(1);
    const stored = await checkout.getSession(session.id);
    const refunded = stored?.anomalies[0]?.orderId ?? '';
    expect(stored?.completedBy).toEqual(completions);
    expect((await payments.getOrder(refunded)).status).toBe('refunded');
    await bob.screenshot({ path: join(ARTIFACTS, 'pay-for-me-bob.png') });
    await alice.close();
    await bob.close();
  }, 60_000);

  it('a tampered link is a 404 page', async () => {
    const { checkout } = fresh();
    const { url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    const page = await open(UA.alipay);
    const response = await page.goto(`${url.slice(0, -2)}xx`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('.status').textContent()).toBe('找不到这个页面');
    await closePage(page);
  }, 60_000);

  it('an expired link shows the expired page', async () => {
    const { checkout } = fresh();
    const { url } = await checkout.createSession({ amount: 100, subject: 'Tea', expiresIn: 60 });
    clock = () => new Date(Date.now() + 61_000);
    const page = await open(UA.wechat);
    const response = await page.goto(url);
    expect(response?.status()).toBe(410);
    expect(await page.locator('.status').textContent()).toBe('链接已过期');
    await closePage(page);
  }, 60_000);

  it('a reusable code (码牌) with a typed amount is paid three times', async () => {
    const { checkout, payments } = fresh();
    const { session, url } = await checkout.createSession({ subject: '老王煎饼', reusable: true });
    const amounts = ['8', '12.50', '6.8'];
    for (const [index, amount] of amounts.entries()) {
      const page = await open(index === 1 ? UA.cloudpay : UA.alipay);
      await page.goto(url);
      await page.locator('#amount').fill(amount);
      await page.locator('button[type="submit"]').click();
      await expect.poll(() => page.locator('#result').getAttribute('data-state')).toBe('paid');
      await closePage(page);
    }
    const stored = await checkout.getSession(session.id);
    expect(stored?.completedBy).toHaveLength(3);
    expect(stored?.status).toBe('open');
    const paid = await Promise.all((stored?.completedBy ?? []).map((id) => payments.getOrder(id)));
    expect(paid.map((order) => [order.amount, order.status])).toEqual([
      [800, 'paid'],
      [1250, 'paid'],
      [680, 'paid'],
    ]);
  }, 60_000);
});
