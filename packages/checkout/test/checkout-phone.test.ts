/**
 * The checkout on a phone: inside WeChat without OAuth (no QR code to scan from the same screen),
 * and what an already-paid link, the cashier and every page say about who is paid.
 */
import { describe, expect, it } from 'vitest';
import { renderQrPng } from '../src/checkout-qr.js';
import { setup, UA } from './checkout-setup.js';
import { decodePng } from './qr-decode.js';

/** The `href`s of the page's wallet buttons, by wallet. */
function walletLinks(page: string): Record<string, string> {
  return Object.fromEntries(
    [...page.matchAll(/data-wallet="(\w+)" href="([^"]+)"/g)].map((m) => [
      m[1],
      (m[2] as string).replaceAll('&amp;', '&'),
    ]),
  );
}

describe('inside WeChat without WeChat OAuth', () => {
  it('offers what works in WeChat (a code to long-press, UnionPay’s mobile page, the browser), not the desktop cashier', async () => {
    const { checkout, get } = setup({ wechatOAuth: false });
    const { url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    const response = await get(url, { 'user-agent': UA.wechat });
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).not.toContain('在电脑上付款');
    expect(page).not.toContain('id="qr"'); // no code of the link: the phone cannot scan its own screen
    expect(page).toContain('在浏览器打开');
    expect(Object.keys(walletLinks(page)).sort()).toEqual(['unionpay', 'wechatpay']);
  });

  it('WeChat Pay: the next page shows the native code as an image to long-press, which decodes to the code', async () => {
    const { checkout, payments, get } = setup({ wechatOAuth: false });
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    const links = walletLinks(await (await get(url, { 'user-agent': UA.wechat })).text());
    const page = await (await get(links.wechatpay ?? '', { 'user-agent': UA.wechat })).text();
    expect(page).toContain('长按二维码');
    const src = /<img src="data:image\/png;base64,([^"]+)"/.exec(page)?.[1] ?? '';
    const [attempt] = await checkout.listAttempts(session.id);
    expect(attempt).toMatchObject({ wallet: 'wechatpay', method: 'qr' });
    const order = await payments.getOrder(attempt?.orderId ?? '');
    expect(decodePng(Buffer.from(src, 'base64'))).toMatch(/^https:\/\/fake\.hutong\.invalid\/|^weixin:/);
    expect(order.status).toBe('pending');
  });

  it('UnionPay: chosen inside WeChat, it pays by its mobile page (h5), not the desktop one', async () => {
    const { checkout, get } = setup({ wechatOAuth: false });
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    const links = walletLinks(await (await get(url, { 'user-agent': UA.wechat })).text());
    await get(links.unionpay ?? '', { 'user-agent': UA.wechat });
    const [attempt] = await checkout.listAttempts(session.id);
    expect(attempt).toMatchObject({ wallet: 'unionpay', method: 'h5' });
  });

  it('with OAuth configured, WeChat still goes through OAuth to jsapi', async () => {
    const { checkout, get } = setup();
    const { url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    expect((await get(url, { 'user-agent': UA.wechat })).status).toBe(302);
  });
});

describe('who is paid, for what, how much', () => {
  it('an already-paid link shows the subject, the amount and the merchant’s name', async () => {
    const { checkout, get, pay } = setup({ merchantName: '老王煎饼' });
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA（4 人）' });
    await get(url, { 'user-agent': UA.alipay });
    const [attempt] = await checkout.listAttempts(session.id);
    await pay(attempt?.orderId ?? '');
    const page = await (await get(url, { 'user-agent': UA.cloudpay })).text();
    expect(page).toContain('这笔款项已经付清了');
    expect(page).toContain('晚饭 AA（4 人）');
    expect(page).toContain('42.00');
    expect(page).toContain('老王煎饼');
  });

  it('a static code paid with a typed amount shows what was paid', async () => {
    const { checkout, get, pay } = setup();
    const { session, url } = await checkout.createSession({ subject: '随心付', reusable: true, maxCompletions: 1 });
    await get(`${url}?amount=12.5`, { 'user-agent': UA.alipay });
    const [attempt] = await checkout.listAttempts(session.id);
    await pay(attempt?.orderId ?? '');
    const page = await (await get(url, { 'user-agent': UA.alipay })).text();
    expect(page).toContain('12.50');
  });

  it('the cashier shows the merchant’s name and a mark beside each wallet', async () => {
    const { checkout, get } = setup({ merchantName: '老王煎饼' });
    const { url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    const page = await (await get(url)).text();
    expect(page).toContain('老王煎饼');
    for (const wallet of ['alipay', 'wechatpay', 'unionpay']) {
      expect(page).toMatch(new RegExp(`data-wallet="${wallet}" href="[^"]+"><svg class="mark"`));
    }
  });

  it('escapes the merchant’s name', async () => {
    const { checkout, get } = setup({ merchantName: '<b>Tea & Co</b>' });
    const { url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    const page = await (await get(url)).text();
    expect(page).toContain('&lt;b&gt;Tea &amp; Co&lt;/b&gt;');
  });
});

describe('renderQrPng', () => {
  it('decodes to the text it encodes', () => {
    const text = 'weixin://wxpay/bizpayurl?pr=AbCdEfGhIj';
    expect(decodePng(Buffer.from(renderQrPng(text)))).toBe(text);
  });
});
