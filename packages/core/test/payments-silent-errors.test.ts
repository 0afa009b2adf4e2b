/**
 * Library code never logs by itself: a listener that throws and a relay that fails reach the
 * options' handlers (`onListenerError`, `relay.onError`) when given; otherwise nothing is written to
 * the console, and one process warning per facade, with a stable code, says where to look.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { createPayments, MemoryOutboxStore, type PaymentsOptions, StoreError } from '../src/index.js';
import { createFakeProvider } from '../src/testing/index.js';

const CONSOLE_METHODS = ['error', 'warn', 'log', 'info', 'debug'] as const;
let consoleSpies: MockInstance[] = [];
let warnings: MockInstance;

beforeEach(() => {
  consoleSpies = CONSOLE_METHODS.map((method) => vi.spyOn(console, method).mockImplementation(() => {}));
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});

afterEach(() => {
  vi.restoreAllMocks();
});

function expectNothingOnConsole(): void {
  for (const [i, spy] of consoleSpies.entries()) {
    expect(spy, `console.${CONSOLE_METHODS[i]} was called`).not.toHaveBeenCalled();
  }
}

/** The codes of the process warnings emitted so far. */
function warningCodes(): unknown[] {
  return warnings.mock.calls.map(([, options]) => (options as { code?: string } | undefined)?.code);
}

async function payTwoOrders(options: Partial<PaymentsOptions> = {}) {
  const fake = createFakeProvider();
  const payments = createPayments({ providers: [fake], ...options });
  payments.on('order.paid', () => {
    throw new Error('fulfilment down for buyer 13800000000');
  });
  for (const amount of [100, 200]) {
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount, subject: 'Tea' });
    const result = await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    expect(result.ok).toBe(true);
  }
  return payments;
}

describe('a listener that throws', () => {
  it('writes nothing to the console and emits one HUTONG_LISTENER_ERROR warning per facade', async () => {
    await payTwoOrders();
    expectNothingOnConsole();
    expect(warningCodes()).toEqual(['HUTONG_LISTENER_ERROR']);
    // The warning names the event and the option; the listener's message (personal data) stays out.
    const [message] = warnings.mock.calls[0] as [string];
    expect(message).toContain('order.paid');
    expect(message).toContain('onListenerError');
    expect(message).not.toContain('13800000000');
  });

  it('goes to onListenerError when given, with no warning and nothing on the console', async () => {
    const onListenerError = vi.fn();
    await payTwoOrders({ onListenerError });
    expect(onListenerError).toHaveBeenCalledTimes(2);
    expect(onListenerError).toHaveBeenCalledWith(
      expect.objectContaining({ message: expect.any(String) }),
      'order.paid',
    );
    expectNothingOnConsole();
    expect(warnings).not.toHaveBeenCalled();
  });
});

describe('a relay that fails', () => {
  /** A store whose outbox cannot acknowledge (the database went away after the claim). */
  function failingOutboxStore() {
    const store = new MemoryOutboxStore();
    store.outbox.ackEvents = async () => {
      throw new StoreError('store_unavailable', 'acknowledging events: the database is unavailable');
    };
    return store;
  }

  async function relayOnce(relay: PaymentsOptions['relay']) {
    const fake = createFakeProvider();
    const payments = createPayments({ providers: [fake], store: failingOutboxStore(), relay });
    const delivered = vi.fn();
    payments.on('order.paid', delivered);
    const { order } = await payments.createPayment({ provider: 'fake', method: 'qr', amount: 100, subject: 'Tea' });
    await payments.handleNotification('fake', fake.sandbox.pay(order.id));
    await payments.relay?.runOnce();
    await payments.relay?.runOnce();
    expect(delivered).toHaveBeenCalled();
  }

  it('writes nothing to the console and emits one HUTONG_OUTBOX_RELAY_ERROR warning per facade', async () => {
    await relayOnce({ autoStart: false });
    expectNothingOnConsole();
    expect(warningCodes()).toEqual(['HUTONG_OUTBOX_RELAY_ERROR']);
    const [message] = warnings.mock.calls[0] as [string];
    expect(message).toContain('relay.onError');
  });

  it('goes to relay.onError when given, with no warning and nothing on the console', async () => {
    const onError = vi.fn();
    await relayOnce({ autoStart: false, onError });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'store_unavailable' }), {});
    expectNothingOnConsole();
    expect(warnings).not.toHaveBeenCalled();
  });
});
