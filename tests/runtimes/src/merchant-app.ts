/**
 * The merchant side every runtime runs: `createPayments` with the three wallets, configured by the
 * test over HTTP (`POST /setup`, so workerd, which has no process environment to read, is set up
 * like the others), behind one web-standard `(Request) => Promise<Response>` handler.
 *
 * Routes: `POST /setup` (the wallets' keys and sandbox endpoints), `POST /payments` (a QR payment),
 * `POST /webhooks/<wallet>` (the wallet's notifications), `GET /orders/<id>`, `POST /refunds`.
 *
 * @packageDocumentation
 */
import { alipay } from '@hutong/adapter-alipay';
import { unionpay } from '@hutong/adapter-unionpay';
import { wechatpay } from '@hutong/adapter-wechatpay';
import { createPayments } from '@hutong/core';

/** What the test sends to `POST /setup`: per wallet, the options that are plain data. */
export interface MerchantSetup {
  /** Where the wallets post notifications: `<notifyBase>/webhooks/<wallet>`. */
  notifyBase: string;
  alipay: {
    appId: string;
    privateKey: string;
    alipayPublicKey: string;
    sellerId: string;
    endpoint: string;
  };
  wechatpay: {
    mchId: string;
    appId: string;
    privateKey: string;
    merchantSerialNo: string;
    apiV3Key: string;
    wechatpayPublicKey: string;
    wechatpayPublicKeyId: string;
    endpoint: string;
  };
  unionpay: {
    merId: string;
    signCert: { privateKey: string; certificate: string };
    rootCert: string;
    middleCert: string;
    endpoint: string;
  };
}

/** The wallets the app offers. */
export const WALLETS = ['alipay', 'wechatpay', 'unionpay'] as const;

/** One of {@link WALLETS}. */
export type Wallet = (typeof WALLETS)[number];

function configure(setup: MerchantSetup) {
  return createPayments({
    providers: [alipay(setup.alipay), wechatpay(setup.wechatpay), unionpay(setup.unionpay)],
    notifyUrl: (provider) => `${setup.notifyBase}/webhooks/${provider}`,
  });
}

type MerchantPayments = ReturnType<typeof configure>;

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

function isWallet(value: unknown): value is Wallet {
  return (WALLETS as readonly unknown[]).includes(value);
}

async function route(request: Request, payments: MerchantPayments): Promise<Response> {
  const { pathname } = new URL(request.url);
  const [, first, second] = pathname.split('/');
  if (request.method === 'POST' && first === 'webhooks' && isWallet(second)) {
    return payments.webhookHandler(second)(request);
  }
  if (request.method === 'GET' && first === 'orders' && second) {
    const order = await payments.getOrder(decodeURIComponent(second));
    return json({ status: order.status, refunded: order.refundedAmount });
  }
  if (request.method === 'POST' && first === 'payments') {
    const input = (await request.json()) as { wallet: Wallet; orderId: string; amount: number };
    const { order, action } = await payments.createPayment({
      provider: input.wallet,
      method: 'qr',
      amount: input.amount,
      subject: 'runtime test',
      orderId: input.orderId,
    });
    return json({ status: order.status, action });
  }
  if (request.method === 'POST' && first === 'refunds') {
    const input = (await request.json()) as { orderId: string; refundId: string; amount: number };
    const { refund } = await payments.refund(input.orderId, { refundId: input.refundId, amount: input.amount });
    return json({ status: refund.status, refundId: refund.id });
  }
  return json({ error: 'not found' }, 404);
}

/**
 * The app: a handler that answers `POST /setup` first, then the merchant's routes. An error
 * thrown by a route is answered 500 with its name and message (test keys only, no secrets).
 *
 * @example
 * ```ts
 * const app = createMerchantApp();
 * Deno.serve({ port: 0 }, app);
 * ```
 */
export function createMerchantApp(): (request: Request) => Promise<Response> {
  let payments: MerchantPayments | undefined;
  return async (request) => {
    try {
      if (request.method === 'POST' && new URL(request.url).pathname === '/setup') {
        payments = configure((await request.json()) as MerchantSetup);
        return json({ ok: true, runtime: runtimeName() });
      }
      if (!payments) return json({ error: 'not set up' }, 409);
      return await route(request, payments);
    } catch (error) {
      const { name, message } = error as Error;
      return json({ error: `${name}: ${message}` }, 500);
    }
  };
}

/** Which runtime runs the app, as the runtime says itself. */
function runtimeName(): string {
  const global = globalThis as { Bun?: unknown; Deno?: unknown; navigator?: { userAgent?: string } };
  if (global.Bun) return 'bun';
  if (global.Deno) return 'deno';
  if (global.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  return 'node';
}
