/**
 * Library code never writes to the console: what a merchant should know reaches them through the
 * options (`onError`) or, for the memory store in production, as one Node warning.
 */
import type { CheckoutStore } from '@hutong/checkout';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setup, UA } from './checkout-setup.js';

const CONSOLE = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

function spyConsole() {
  return CONSOLE.map((name) => vi.spyOn(console, name).mockImplementation(() => undefined));
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('the checkout and the console', () => {
  /** Two friends: one has paid at the wallet, its notification still on the way, when the other's payment completes the session. */
  async function race(options: Parameters<typeof setup>[0] = {}) {
    const { checkout, payments, providers, get, pay } = setup(options);
    const { session, url } = await checkout.createSession({ amount: 4200, subject: '晚饭 AA' });
    await get(url, { 'user-agent': UA.alipay });
    await get(url, { 'user-agent': UA.cloudpay });
    const [a, b] = await checkout.listAttempts(session.id);
    providers.unionpay.sandbox.pay(b?.orderId ?? '');
    // Completing the session closes the other attempt, which the wallet refuses: it is paid.
    await pay(a?.orderId ?? '');
    expect((await checkout.getSession(session.id))?.status).toBe('completed');
    // The close found the payment: recorded, and refunded as the duplicate it is.
    expect((await payments.getOrder(b?.orderId ?? '')).status).toBe('refunded');
  }

  it('a pay-for-me race (an attempt closed while another paid) writes nothing to the console', async () => {
    const spies = spyConsole();
    await race();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('a pay-for-me race is no error: onError is not called', async () => {
    const errors: unknown[] = [];
    await race({ onError: (error) => void errors.push(error) });
    expect(errors).toEqual([]);
  });

  it('reports failures of background work to onError, not to the console', async () => {
    const spies = spyConsole();
    const errors: string[] = [];
    const { checkout, get, pay } = setup({ onError: (_error, context) => void errors.push(context) });
    checkout.on('checkout.completed', () => {
      throw new Error('the listener failed');
    });
    const { session, url } = await checkout.createSession({ amount: 100, subject: 'Tea' });
    await get(url, { 'user-agent': UA.alipay });
    const [attempt] = await checkout.listAttempts(session.id);
    await pay(attempt?.orderId ?? '');
    expect(errors).toEqual(['a listener of checkout.completed']);
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});

/** The checkout's own warnings among the calls of `process.emitWarning`. */
function checkoutWarnings(calls: unknown[][]): unknown[][] {
  return calls.filter((call) => (call[1] as { code?: string } | undefined)?.code === 'HUTONG_MEMORY_CHECKOUT_STORE');
}

describe('the memory session store in production', () => {
  it('emits one Node warning (not console output) when NODE_ENV=production, however many checkouts', () => {
    const spies = spyConsole();
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    vi.stubEnv('NODE_ENV', 'production');
    setup();
    setup();
    // The facade warns of its own memory order store (core's warning); the checkout of its sessions.
    const ours = checkoutWarnings(emitted.mock.calls);
    expect(ours).toHaveLength(1);
    const [message, options] = ours[0] as [string, { code?: string; type?: string }];
    expect(message).toMatch(/MemoryCheckoutStore/);
    expect(message).toMatch(/restart/);
    expect(options).toMatchObject({ type: 'HutongWarning', code: 'HUTONG_MEMORY_CHECKOUT_STORE' });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('emits nothing outside production, or with a durable store of the merchant’s', async () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    vi.stubEnv('NODE_ENV', 'development');
    setup();
    vi.stubEnv('NODE_ENV', 'production');
    const { MemoryCheckoutStore } = await import('@hutong/checkout');
    // A store of the merchant's (here one that keeps its rows elsewhere: a stand-in for SQL).
    const rows = new MemoryCheckoutStore();
    const durable: CheckoutStore = {
      createSession: (session) => rows.createSession(session),
      getSession: (id) => rows.getSession(id),
      updateSession: (session, version) => rows.updateSession(session, version),
      listExpiredSessions: (before, limit) => rows.listExpiredSessions(before, limit),
      addAttempt: (attempt) => rows.addAttempt(attempt),
      getAttempt: (orderId) => rows.getAttempt(orderId),
      listAttempts: (sessionId) => rows.listAttempts(sessionId),
      useOnce: (token, expiresAt) => rows.useOnce(token, expiresAt),
    };
    setup({ store: durable });
    expect(checkoutWarnings(emitted.mock.calls)).toEqual([]);
  });
});
