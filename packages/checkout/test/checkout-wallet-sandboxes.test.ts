import { createServer, type IncomingMessage, type Server } from 'node:http';
import { alipay } from '@hutong/adapter-alipay';
import { type AlipaySandbox, createAlipaySandbox } from '@hutong/adapter-alipay/sandbox';
import { unionpay } from '@hutong/adapter-unionpay';
import { createUnionpaySandbox, type UnionpaySandbox } from '@hutong/adapter-unionpay/sandbox';
import { wechatpay, wechatpayOAuth } from '@hutong/adapter-wechatpay';
import { createWechatpaySandbox, type WechatpaySandbox } from '@hutong/adapter-wechatpay/sandbox';
import { type Checkout, createCheckout } from '@hutong/checkout';
import { createPayments } from '@hutong/core';
import type { WalletSandboxServer } from '@hutong/core/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { APP_ID, APP_PRIVATE_KEY, APP_PUBLIC_KEY } from '../../adapter-alipay/test/sandbox-setup.js';
import { PFX } from '../../adapter-unionpay/test/helpers.js';
import { MER_ID, MERCHANT as UNIONPAY_MERCHANT } from '../../adapter-unionpay/test/sandbox-setup.js';
import { fixture as wechatFixture } from '../../adapter-wechatpay/test/helpers.js';
import { MERCHANT } from '../../adapter-wechatpay/test/sandbox-setup.js';
import { closePage, describeInBrowser, launchBrowser, MOBILE, STEP_MS, step } from './browser.js';
import { SECRET, UA } from './checkout-setup.js';

const TITLE = 'checkout in a real browser, on the wallet sandboxes';

async function body(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describeInBrowser(TITLE, () => {
  let server: Server;
  let origin = '';
  let context: BrowserContext;
  /**
   * A test with two buyers' pages runs up to eight browser steps, so its own deadline is above the
   * sum of theirs: a test that runs out of time names no step, a step past its deadline names
   * itself. (Pay-for-me once ran out at 90 s while it takes half a second: closing a page that was
   * still polling never returned. `closePage` now quiets the page first, and every browser call has
   * a deadline, through `step` where Playwright takes none.)
   */
  const TWO_BUYERS_MS = 150_000;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let wechatSandbox: WechatpaySandbox;
  let alipaySandbox: AlipaySandbox;
  let unionpaySandbox: UnionpaySandbox;
  const listening: WalletSandboxServer[] = [];
  let wechatServer: WalletSandboxServer;
  let alipayServer: WalletSandboxServer;
  let unionpayServer: WalletSandboxServer;
  let current: ReturnType<typeof build>;

  /** The real adapters on the sandboxes, the facade, and a checkout on them. */
  function build(options: { alipayJsapi?: boolean } = {}) {
    const wechatProvider = wechatpay({
      ...MERCHANT,
      wechatpayPublicKey: wechatSandbox.wechatpayPublicKey,
      wechatpayPublicKeyId: wechatSandbox.wechatpayPublicKeyId,
      endpoint: wechatSandbox.baseUrl,
      fetch: wechatSandbox.fetch,
    });
    const alipayProvider = alipay({
      appId: APP_ID,
      privateKey: APP_PRIVATE_KEY,
      alipayPublicKey: alipaySandbox.alipayPublicKey,
      sellerId: alipaySandbox.sellerId,
      // Over HTTP: the h5 form and the OAuth page are opened by the browser.
      endpoint: alipayServer.baseUrl,
    });
    const unionpayProvider = unionpay({
      merId: MER_ID,
      signCert: { pfx: PFX, password: '000000' },
      rootCert: unionpaySandbox.rootCert,
      middleCert: unionpaySandbox.middleCert,
      endpoint: unionpayServer.baseUrl,
    });
    const payments = createPayments({
      providers: [wechatProvider, alipayProvider, unionpayProvider],
      notifyUrl: (id) => `${origin}/webhooks/${id}`,
    });
    const checkout: Checkout = createCheckout({
      payments,
      secret: SECRET,
      baseUrl: `${origin}/pay`,
      wallets: {
        wechatpay: {
          provider: 'wechatpay',
          // WeChat's OAuth on the sandbox over HTTP: the authorize page is opened by the browser.
          oauth: wechatpayOAuth({
            appId: MERCHANT.appId,
            appSecret: wechatSandbox.appSecret,
            endpoint: wechatServer.baseUrl,
          }),
        },
        alipay: options.alipayJsapi ? { provider: 'alipay', oauth: alipayProvider.oauth() } : { provider: 'alipay' },
        unionpay: { provider: 'unionpay' },
      },
    });
    return { payments, checkout };
  }

  beforeAll(async () => {
    wechatSandbox = createWechatpaySandbox({
      mchId: MERCHANT.mchId,
      appId: MERCHANT.appId,
      apiV3Key: MERCHANT.apiV3Key,
      merchantSerialNo: MERCHANT.merchantSerialNo,
      merchantPublicKey: wechatFixture('wechatpay-java/merchant_certificate.pem'),
    });
    alipaySandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
    unionpaySandbox = createUnionpaySandbox({ merId: MER_ID, merchantCertificate: UNIONPAY_MERCHANT.certificatePem });
    wechatServer = await wechatSandbox.listen();
    alipayServer = await alipaySandbox.listen();
    unionpayServer = await unionpaySandbox.listen();
    listening.push(wechatServer, alipayServer, unionpayServer);
    server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', origin);
      const webhook = /^\/webhooks\/(wechatpay|alipay|unionpay)$/.exec(url.pathname);
      if (webhook) {
        void current.payments.nodeWebhookHandler(webhook[1] as 'wechatpay')(request, response);
        return;
      }
      const bridge = /^\/sandbox\/(wechatpay|alipay)\//.exec(url.pathname);
      if (bridge) {
        // The wallet's native side of its JS bridge, reached same-origin as a WebView's bridge is.
        const sandbox = bridge[1] === 'wechatpay' ? wechatSandbox : alipaySandbox;
        void (async () => {
          const method = request.method ?? 'GET';
          const reply = await sandbox.fetch(url.href, {
            method,
            body: method === 'GET' ? undefined : new Uint8Array(await body(request)),
          });
          response.writeHead(reply.status, Object.fromEntries(reply.headers));
          response.end(Buffer.from(await reply.arrayBuffer()));
        })();
        return;
      }
      void current.checkout.nodeHandler(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await launchBrowser();
    context = browser.context;
    // Every browser step has its own deadline, well inside the test's: a step that hangs fails
    // naming itself instead of running the whole test out of time.
    context.setDefaultTimeout(STEP_MS);
    context.setDefaultNavigationTimeout(STEP_MS);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await Promise.all(listening.map((sandbox) => sandbox.close()));
  });

  /** A page "in the wallet": its User-Agent, and the wallet's JS bridge injected as the wallet does. */
  async function open(userAgent: string, bridge?: 'wechatpay' | 'alipay'): Promise<{ page: Page; visited: string[] }> {
    const page = await step('open a page', context.newPage());
    await step('size the page', page.setViewportSize(MOBILE));
    const cdp = await step('attach to the page', context.newCDPSession(page));
    await step(
      'set the User-Agent',
      cdp.send('Emulation.setUserAgentOverride', { userAgent, acceptLanguage: 'zh-CN' }),
    );
    if (bridge) {
      const reply = await fetch(`${origin}/sandbox/${bridge}/bridge.js`, { signal: AbortSignal.timeout(STEP_MS) });
      await step('inject the bridge', page.addInitScript({ content: await reply.text() }));
    }
    const visited: string[] = [];
    page.on('request', (request) => void visited.push(`${request.method()} ${request.url()}`));
    return { page, visited };
  }

  async function onlyAttempt(checkout: Checkout, sessionId: string) {
    const attempts = await checkout.listAttempts(sessionId);
    expect(attempts).toHaveLength(1);
    return attempts[0]?.orderId ?? '';
  }

  it('WeChat: sandbox OAuth page → openid → jsapi → the sandbox’s WeixinJSBridge → paid', async () => {
    current = build();
    const { checkout, payments } = current;
    const { session, url } = await checkout.createSession({ amount: 800, subject: '奶茶' });
    const { page, visited } = await open(UA.wechat, 'wechatpay');
    await page.goto(url);
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
    expect(await page.locator('.status').textContent()).toBe('付款成功');
    const orderId = await onlyAttempt(checkout, session.id);
    const order = await payments.getOrder(orderId);
    expect(order).toMatchObject({
      status: 'paid',
      provider: 'wechatpay',
      method: 'jsapi',
      buyerId: wechatSandbox.openid(),
    });
    expect(wechatSandbox.trade(orderId)).toMatchObject({
      tradeType: 'JSAPI',
      tradeState: 'SUCCESS',
      openid: wechatSandbox.openid(),
    });
    expect(
      visited.some((line) =>
        line.startsWith(`GET ${wechatServer.baseUrl}/connect/oauth2/authorize?appid=${MERCHANT.appId}&redirect_uri=`),
      ),
    ).toBe(true);
    expect(visited.some((line) => line.includes('/oauth/wechatpay?') && line.includes('code='))).toBe(true);
    expect(visited).toContain(`POST ${origin}/sandbox/wechatpay/bridge/pay`);
    expect((await checkout.getSession(session.id))?.status).toBe('completed');
    await closePage(page);
  }, 60_000);

  it('Alipay JSAPI: sandbox OAuth page → alipay.system.oauth.token → trade.create → AlipayJSBridge tradePay → paid', async () => {
    current = build({ alipayJsapi: true });
    const { checkout, payments } = current;
    const { session, url } = await checkout.createSession({ amount: 1999, subject: '龙井 250g' });
    const { page, visited } = await open(UA.alipay, 'alipay');
    await page.goto(url);
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
    const orderId = await onlyAttempt(checkout, session.id);
    const order = await payments.getOrder(orderId);
    expect(order).toMatchObject({
      status: 'paid',
      provider: 'alipay',
      method: 'jsapi',
      buyerId: alipaySandbox.buyerId,
    });
    expect(alipaySandbox.trade(orderId)).toMatchObject({ status: 'TRADE_SUCCESS', buyerId: alipaySandbox.buyerId });
    const authorize = new URL(alipayServer.baseUrl).origin;
    expect(
      visited.some((line) =>
        line.startsWith(
          `GET ${authorize}/oauth2/publicAppAuthorize.htm?app_id=${APP_ID}&scope=auth_base&redirect_uri=`,
        ),
      ),
    ).toBe(true);
    expect(visited.some((line) => line.includes('/oauth/alipay?') && line.includes('auth_code='))).toBe(true);
    expect(visited).toContain(`POST ${origin}/sandbox/alipay/bridge/pay`);
    await closePage(page);
  }, 60_000);

  it('Alipay h5: the link posts the signed wap form to the sandbox’s cashier; the buyer pays; back to paid', async () => {
    current = build();
    const { checkout, payments } = current;
    const { session, url } = await checkout.createSession({ amount: 2599, subject: '茶具' });
    const { page } = await open(UA.alipay);
    await page.goto(url);
    await page.locator('#pay').click({ timeout: 15_000 });
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
    const orderId = await onlyAttempt(checkout, session.id);
    expect(await payments.getOrder(orderId)).toMatchObject({ status: 'paid', provider: 'alipay', method: 'h5' });
    expect(alipaySandbox.trade(orderId)?.status).toBe('TRADE_SUCCESS');
    // Alipay's signed synchronous return parameters ride along; the page ignores them.
    expect(new URL(page.url()).searchParams.get('method')).toBe('alipay.trade.wap.pay.return');
    await closePage(page);
  }, 60_000);

  it('Cloud QuickPass: UnionPay h5 through the sandbox’s cashier; its POSTed front return lands on paid', async () => {
    current = build();
    const { checkout, payments } = current;
    const { session, url } = await checkout.createSession({ amount: 3600, subject: '电影票' });
    const { page } = await open(UA.cloudpay);
    await page.goto(url);
    await page.locator('button[type="submit"]').click({ timeout: 15_000 });
    await expect.poll(() => page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
    const orderId = await onlyAttempt(checkout, session.id);
    expect(await payments.getOrder(orderId)).toMatchObject({ status: 'paid', provider: 'unionpay', method: 'h5' });
    await closePage(page);
  }, 60_000);

  it(
    'pay-for-me on the real wallets: once a WeChat friend pays, the Alipay friend’s open trade is closed at Alipay',
    async () => {
      current = build();
      const { checkout, payments } = current;
      const completions: string[] = [];
      checkout.on('checkout.completed', ({ order }) => void completions.push(order.id));
      const { session, url } = await checkout.createSession({ amount: 5000, subject: '帮我付：生日蛋糕' });
      // Alice opens the link in Alipay and reaches Alipay's cashier, but has not paid yet.
      const alice = await open(UA.alipay);
      await alice.page.goto(url);
      await alice.page.locator('#pay').waitFor({ timeout: 15_000 });
      // Bob opens it in WeChat and pays at once through the sandbox's WeixinJSBridge.
      const bob = await open(UA.wechat, 'wechatpay');
      await bob.page.goto(url);
      await expect.poll(() => bob.page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
      const attempts = await checkout.listAttempts(session.id);
      const byWallet = Object.fromEntries(attempts.map((attempt) => [attempt.wallet, attempt.orderId]));
      expect(completions).toEqual([byWallet.wechatpay]);
      // The checkout closed Alice's attempt at Alipay: her tap on 付款 can no longer take her money.
      await expect
        .poll(() => alipaySandbox.trade(byWallet.alipay ?? '')?.status, { timeout: 15_000 })
        .toBe('TRADE_CLOSED');
      await alice.page.locator('#pay').click({ timeout: 15_000 });
      await expect
        .poll(() => payments.getOrder(byWallet.alipay ?? '').then((order) => order.status), { timeout: 15_000 })
        .toBe('closed');
      expect(alipaySandbox.trade(byWallet.alipay ?? '')).toMatchObject({ status: 'TRADE_CLOSED', paidAt: undefined });
      expect(alipaySandbox.trade(byWallet.alipay ?? '')?.refunds.size).toBe(0);
      const stored = await checkout.getSession(session.id);
      expect(stored).toMatchObject({ status: 'completed', completedBy: [byWallet.wechatpay], anomalies: [] });
      expect((await payments.getOrder(byWallet.wechatpay ?? '')).status).toBe('paid');
      await closePage(alice.page);
      await closePage(bob.page);
    },
    TWO_BUYERS_MS,
  );

  it(
    'a reusable code (码牌) with a typed amount, paid in WeChat and in Cloud QuickPass on the real sandboxes',
    async () => {
      current = build();
      const { checkout, payments } = current;
      const { session, url } = await checkout.createSession({ subject: '老王煎饼', reusable: true });
      const bob = await open(UA.wechat, 'wechatpay');
      const violations: string[] = [];
      bob.page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) violations.push(message.text());
      });
      await bob.page.goto(url);
      await bob.page.locator('#amount').fill('8', { timeout: 15_000 });
      await bob.page.locator('button[type="submit"]').click({ timeout: 15_000 });
      // The typed amount leads through WeChat's OAuth page (another origin) to the payment.
      await expect.poll(() => bob.page.locator('#result').getAttribute('data-state'), { timeout: 15_000 }).toBe('paid');
      expect(violations).toEqual([]);
      const carol = await open(UA.cloudpay);
      await carol.page.goto(url);
      await carol.page.locator('#amount').fill('12.50', { timeout: 15_000 });
      await carol.page.locator('button[type="submit"]').click({ timeout: 15_000 });
      // UnionPay's cashier (the sandbox's page): the buyer confirms.
      await carol.page.locator('button[type="submit"]').click({ timeout: 15_000 });
      await expect
        .poll(() => carol.page.locator('#result').getAttribute('data-state'), { timeout: 15_000 })
        .toBe('paid');
      const stored = await checkout.getSession(session.id);
      expect(stored?.status).toBe('open');
      const paid = await Promise.all((stored?.completedBy ?? []).map((id) => payments.getOrder(id)));
      expect(paid.map((order) => [order.provider, order.method, order.amount, order.status])).toEqual([
        ['wechatpay', 'jsapi', 800, 'paid'],
        ['unionpay', 'h5', 1250, 'paid'],
      ]);
      expect(wechatSandbox.trade(paid[0]?.id ?? '')?.tradeState).toBe('SUCCESS');
      await closePage(bob.page);
      await closePage(carol.page);
    },
    TWO_BUYERS_MS,
  );
});
