/**
 * Every page of the checkout, at a phone's width and a desktop's, as the guide shows them: the
 * pages (each set up on fake wallets), how to capture one in Chromium, and how to compare two
 * captures within a tolerance. `refresh.ts` writes them to docs/images/checkout/; the screenshot
 * test compares fresh captures with those files.
 */
import { createServer, type Server } from 'node:http';
import type { BrowserContext } from 'playwright-core';
import { PNG } from 'pngjs';
import { setup, UA } from '../checkout-setup.js';

/** The widths every page is captured at. */
export const WIDTHS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

export type Width = keyof typeof WIDTHS;

/** Where the guide's images live, from this folder. */
export const DOC_IMAGES = new URL('../../../../docs/images/checkout/', import.meta.url);

type Shop = ReturnType<typeof setup>;

/** One page to capture: the browser it is opened in and how to reach it on a new shop. */
export interface Shot {
  name: string;
  /** What the guide says the page is. */
  caption: string;
  userAgent: string;
  /** Options of the shop (`setup`) this page needs. */
  shop?: Parameters<typeof setup>[0];
  /** The URL to open, after whatever the page needs (attempts, payments, time passing). */
  open(shop: Shop, clock: { advance(ms: number): void }): Promise<string>;
}

async function lastAttempt(shop: Shop, sessionId: string): Promise<string> {
  return (await shop.checkout.listAttempts(sessionId)).at(-1)?.orderId ?? '';
}

const DINNER = { amount: 4200, subject: '晚饭 AA（4 人）' };

/** Every page the checkout renders. */
export const SHOTS: readonly Shot[] = [
  {
    name: 'cashier',
    caption: 'A browser (desktop, or a phone outside the wallets): the link as a QR code and each wallet on the web',
    userAgent: UA.desktop,
    open: async ({ checkout }) => (await checkout.createSession(DINNER)).url,
  },
  {
    name: 'cashier-en',
    caption: 'The same in English (`?lang=en`)',
    userAgent: UA.desktop,
    open: async ({ checkout }) => `${(await checkout.createSession(DINNER)).url}?lang=en`,
  },
  {
    name: 'amount',
    caption: 'A static code (码牌) without an amount: the payer types it',
    userAgent: UA.alipay,
    open: async ({ checkout }) => (await checkout.createSession({ subject: '老王煎饼', reusable: true })).url,
  },
  {
    name: 'in-wechat',
    caption: 'Inside WeChat without WeChat OAuth: a code to long-press, UnionPay’s mobile page, or the browser',
    userAgent: UA.wechat,
    shop: { wechatOAuth: false },
    open: async ({ checkout }) => (await checkout.createSession(DINNER)).url,
  },
  {
    name: 'wechat-long-press',
    caption: 'Inside WeChat, WeChat Pay chosen: the native code as an image to long-press',
    userAgent: UA.wechat,
    shop: { wechatOAuth: false },
    open: async ({ checkout }) => `${(await checkout.createSession(DINNER)).url}/go/wechatpay`,
  },
  {
    name: 'wechat-jsapi',
    caption: 'Inside WeChat with OAuth: the page that opens the WeChat Pay sheet',
    userAgent: UA.wechat,
    async open({ checkout }) {
      const { url } = await checkout.createSession(DINNER);
      const visit = await checkout.visit({ url, userAgent: UA.wechat });
      if (visit.type !== 'oauth_redirect') throw new Error(`expected the OAuth redirect, got ${visit.type}`);
      const authorize = new URL(visit.url);
      const back = new URL(authorize.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', 'CODE1');
      back.searchParams.set('state', authorize.searchParams.get('state') ?? '');
      return back.href;
    },
  },
  {
    name: 'wechat-native',
    caption: 'A browser, WeChat Pay chosen: the native code to scan with WeChat',
    userAgent: UA.desktop,
    open: async ({ checkout }) => `${(await checkout.createSession(DINNER)).url}/go/wechatpay`,
  },
  {
    name: 'paid',
    caption: 'An attempt’s page once the stored order is paid',
    userAgent: UA.alipay,
    async open(shop) {
      const { session, url } = await shop.checkout.createSession(DINNER);
      await shop.checkout.visit({ url, userAgent: UA.alipay });
      const orderId = await lastAttempt(shop, session.id);
      await shop.pay(orderId);
      return `${url}/a/${orderId}`;
    },
  },
  {
    name: 'closed',
    caption: 'An attempt closed before it was paid: pay again',
    userAgent: UA.alipay,
    async open(shop) {
      const { session, url } = await shop.checkout.createSession(DINNER);
      await shop.checkout.visit({ url, userAgent: UA.alipay });
      const orderId = await lastAttempt(shop, session.id);
      await shop.payments.close(orderId);
      return `${url}/a/${orderId}`;
    },
  },
  {
    name: 'duplicate',
    caption: 'Pay-for-me: a friend paid at the same moment as another; their payment goes back',
    userAgent: UA.cloudpay,
    async open(shop) {
      const { session, url } = await shop.checkout.createSession(DINNER);
      await shop.checkout.visit({ url, userAgent: UA.alipay });
      await shop.checkout.visit({ url, userAgent: UA.cloudpay });
      const [first, second] = await shop.checkout.listAttempts(session.id);
      await shop.pay(first?.orderId ?? '');
      await shop.pay(second?.orderId ?? '');
      return `${url}/a/${second?.orderId}`;
    },
  },
  {
    name: 'completed',
    caption: 'A link already paid: what, how much, to whom',
    userAgent: UA.wechat,
    async open(shop) {
      const { session, url } = await shop.checkout.createSession(DINNER);
      await shop.checkout.visit({ url, userAgent: UA.alipay });
      await shop.pay(await lastAttempt(shop, session.id));
      return url;
    },
  },
  {
    name: 'expired',
    caption: 'An expired link',
    userAgent: UA.wechat,
    async open({ checkout }, clock) {
      const { url } = await checkout.createSession({ ...DINNER, expiresIn: 60 });
      clock.advance(61_000);
      return url;
    },
  },
  {
    name: 'not-found',
    caption: 'A tampered or unknown link',
    userAgent: UA.alipay,
    open: async ({ checkout }) => `${(await checkout.createSession(DINNER)).url.slice(0, -2)}xx`,
  },
];

/** A server whose checkout each shot replaces; pages link to its own origin. */
export async function startShotServer(): Promise<{
  shop(options?: Parameters<typeof setup>[0]): { shop: Shop; clock: { advance(ms: number): void } };
  close(): Promise<void>;
}> {
  let current: Shop | undefined;
  const server: Server = createServer((request, response) => {
    if (current) void current.checkout.nodeHandler(request, response);
    else response.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    shop(options = {}) {
      let offset = 0;
      current = setup({
        baseUrl: `${origin}/pay`,
        merchantName: '老王煎饼',
        now: () => new Date(Date.now() + offset),
        ...options,
      });
      const clock = {
        advance(ms: number) {
          offset += ms;
        },
      };
      return { shop: current, clock };
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the browser's keep-alive connections would hold close() open
      }),
  };
}

/** A box of the page not compared (a QR code: its content is a fresh session id each time). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Captures one shot at one width: the full page's PNG and where its QR codes are. */
export async function capture(
  context: BrowserContext,
  server: Awaited<ReturnType<typeof startShotServer>>,
  shot: Shot,
  width: Width,
): Promise<{ png: Buffer; masks: Box[] }> {
  const { shop, clock } = server.shop(shot.shop);
  const url = await shot.open(shop, clock);
  const page = await context.newPage();
  try {
    await page.setViewportSize(WIDTHS[width]);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setUserAgentOverride', { userAgent: shot.userAgent, acceptLanguage: 'zh-CN' });
    await page.goto(url);
    await page.evaluate(() => document.fonts.ready);
    const masks: Box[] = [];
    for (const qr of await page.locator('.qr').all()) {
      const box = await qr.boundingBox();
      if (box) masks.push(box);
    }
    const png = await page.screenshot({ fullPage: true, animations: 'disabled', caret: 'hide' });
    return { png, masks };
  } finally {
    await page.close();
  }
}

/** How two captures differ: `size` when their dimensions do, else the share of pixels that differ. */
export type Difference = { kind: 'size'; expected: string; actual: string } | { kind: 'pixels'; ratio: number };

/**
 * Compares two PNGs pixel by pixel, outside `masks`: a pixel differs when a channel differs by more
 * than `threshold` (anti-aliasing moves a few levels).
 */
export function comparePngs(expected: Buffer, actual: Buffer, masks: readonly Box[], threshold = 48): Difference {
  const a = PNG.sync.read(expected);
  const b = PNG.sync.read(actual);
  if (a.width !== b.width || a.height !== b.height) {
    return { kind: 'size', expected: `${a.width}x${a.height}`, actual: `${b.width}x${b.height}` };
  }
  const masked = (x: number, y: number) =>
    masks.some((m) => x >= m.x - 1 && x <= m.x + m.width + 1 && y >= m.y - 1 && y <= m.y + m.height + 1);
  let compared = 0;
  let differing = 0;
  for (let y = 0; y < a.height; y++) {
    for (let x = 0; x < a.width; x++) {
      if (masked(x, y)) continue;
      compared++;
      const i = (y * a.width + x) * 4;
      for (let c = 0; c < 3; c++) {
        if (Math.abs((a.data[i + c] as number) - (b.data[i + c] as number)) > threshold) {
          differing++;
          break;
        }
      }
    }
  }
  return { kind: 'pixels', ratio: compared === 0 ? 0 : differing / compared };
}

/** The file of a shot at a width in the guide's images. */
export function imageName(shot: Shot, width: Width): string {
  return `${shot.name}-${width}.png`;
}
