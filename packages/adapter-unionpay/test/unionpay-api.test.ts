/**
 * Issue 11 for UnionPay: preflight before storing, typed options and actions, a configurable id,
 * hooks and retries, resume on the sandbox.
 */
import {
  createPayments,
  type FormAction,
  MemoryOrderStore,
  type PosAction,
  type QrAction,
  toNotificationRequest,
  ValidationError,
} from '@hutong/core';
import { rejectionOf } from '@hutong/core/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { unionpay } from '../src/index.js';
import { readPfx } from '../src/protocol/index.js';
import { PFX } from './helpers.js';
import { MER_ID, sandboxed } from './sandbox-setup.js';

function facade(options: Parameters<typeof sandboxed>[0] = {}, notifyUrl?: string) {
  const context = sandboxed(options);
  const store = new MemoryOrderStore();
  const payments = createPayments({ providers: [context.provider], store, notifyUrl });
  const created: string[] = [];
  payments.on('order.created', ({ order }) => void created.push(order.id));
  return { ...context, payments, store, created };
}

describe('11.7 and 11.3: what UnionPay needs is checked before anything is stored', () => {
  it('no notify URL (backUrl): refused, no order, no event', async () => {
    const { payments, created } = facade();
    const error = await rejectionOf(
      payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x', orderId: 'order000v01' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('notifyUrl');
    expect(await rejectionOf(payments.getOrder('order000v01'))).toMatchObject({ code: 'order_not_found' });
    expect(created).toEqual([]);
  });

  it('page without returnUrl (frontUrl): refused before storing', async () => {
    const { payments, created } = facade({}, 'https://shop.example/hook');
    const error = await rejectionOf(
      payments.createPayment({ provider: 'unionpay', method: 'page', amount: 1, subject: 'x', orderId: 'order000v02' }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('returnUrl');
    expect(created).toEqual([]);
  });

  it('unknown providerOptions keys are refused, named', async () => {
    const { payments, created } = facade({}, 'https://shop.example/hook');
    const error = await rejectionOf(
      payments.createPayment({
        provider: 'unionpay',
        method: 'qr',
        amount: 1,
        subject: 'x',
        // @ts-expect-error UnionPay takes no providerOptions
        providerOptions: { channelTyp: '07' },
      }),
    );
    expect(ValidationError.isInstance(error) && error.field).toBe('providerOptions.channelTyp');
    expect(String((error as Error).message)).toContain('channelTyp');
    expect(created).toEqual([]);
  });

  it('unknown adapter options are refused at creation', () => {
    const { sandbox } = sandboxed();
    expect(() =>
      unionpay({
        merId: MER_ID,
        signCert: { pfx: PFX, password: '000000' },
        rootCert: sandbox.rootCert,
        middleCert: sandbox.middleCert,
        // @ts-expect-error a misspelt option
        validateCnname: false,
      }),
    ).toThrow(/validateCnname/);
  });
});

/** A provider with its own id on its own sandbox. */
function named<const Id extends string>(id: Id) {
  const { sandbox } = sandboxed();
  const provider = unionpay({
    id,
    merId: MER_ID,
    signCert: { pfx: PFX, password: '000000' },
    rootCert: sandbox.rootCert,
    middleCert: sandbox.middleCert,
    endpoint: sandbox.baseUrl,
    fetch: sandbox.fetch,
  });
  return { sandbox, provider };
}

describe('11.8: a configurable id; the wallet stays unionpay', () => {
  it('two merchant ids in one facade, each with its own id in orders and errors', async () => {
    const sh = named('unionpay-sh');
    const bj = named('unionpay-bj');
    const payments = createPayments({
      providers: [sh.provider, bj.provider],
      notifyUrl: (id) => `https://shop.example/webhooks/${id}`,
    });
    expect(sh.provider.id).toBe('unionpay-sh');
    expect(sh.provider.wallet).toBe('unionpay');
    const { order } = await payments.createPayment({ provider: 'unionpay-sh', method: 'qr', amount: 1, subject: 'x' });
    expect(order.provider).toBe('unionpay-sh');
    const paid = await payments.handleNotification('unionpay-sh', sh.sandbox.pay(order.id));
    expect(paid.ok && paid.order.status).toBe('paid');
    // A genuine notification with a wrong amount field fails verification: the error names the id.
    const tampered = toNotificationRequest(sh.sandbox.pay(order.id));
    const error = await rejectionOf(
      bj.provider.verifyNotification({ ...tampered, body: tampered.body.replace('txnAmt=1', 'txnAmt=2') }),
    );
    expect(error).toMatchObject({ provider: 'unionpay-bj' });
  });
});

describe('11.12: hooks and retries', () => {
  it('hooks see redacted requests; queries are retried after a network failure, transactions never', async () => {
    const seen: string[] = [];
    let failures = 1;
    const context = sandboxed();
    const flaky: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      if (request.url.endsWith('queryTrans.do') && failures-- > 0) throw new TypeError('fetch failed');
      return context.sandbox.fetch(request);
    };
    const provider = unionpay({
      merId: MER_ID,
      signCert: { pfx: PFX, password: '000000' },
      rootCert: context.sandbox.rootCert,
      middleCert: context.sandbox.middleCert,
      endpoint: context.sandbox.baseUrl,
      fetch: flaky,
      retries: 1,
      hooks: { onRequest: (request) => void seen.push(request.body) },
    });
    const payments = createPayments({ providers: [provider], notifyUrl: 'https://shop.example/hook' });
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' });
    context.sandbox.pay(order.id);
    expect((await payments.sync(order.id)).status).toBe('paid');
    expect(seen.length).toBe(3); // create, failed query, retried query
    for (const body of seen) {
      const signature = new URLSearchParams(body).get('signature');
      expect(signature === null || !/^[A-Za-z0-9+/]{40,}={0,2}$/.test(signature)).toBe(true);
    }
  });
});

describe('11.10: resume offers the same UnionPay transaction again', () => {
  it('page: the same signed form (same orderId and txnTime); the cashier opens again and the payment lands', async () => {
    const { payments, sandbox } = facade({}, 'https://shop.example/hook');
    const { order, action } = await payments.createPayment({
      provider: 'unionpay',
      method: 'page',
      amount: 1200,
      subject: 'x',
      returnUrl: 'https://shop.example/done',
    });
    sandbox.open(action);
    const resumed = await payments.resume(order.id);
    expect(resumed.action).toEqual(action);
    sandbox.open(resumed.action as FormAction);
    expect(sandbox.trade(order.id)?.txnTime).toBe(action.fields.txnTime);
    const paid = await payments.handleNotification('unionpay', sandbox.pay(order.id));
    expect(paid.ok && paid.order).toMatchObject({ id: order.id, status: 'paid' });
  });

  it('qr and app: the recorded code and tn, no second transaction at UnionPay', async () => {
    const { payments, sandbox, requests } = facade({}, 'https://shop.example/hook');
    const qr = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' });
    const app = await payments.createPayment({ provider: 'unionpay', method: 'app', amount: 1, subject: 'x' });
    const before = requests.filter((r) => !r.url.endsWith('queryTrans.do')).length;
    expect((await payments.resume(qr.order.id)).action).toEqual(qr.action);
    expect((await payments.resume(app.order.id)).action).toEqual(app.action);
    expect(requests.filter((r) => !r.url.endsWith('queryTrans.do')).length).toBe(before);
    expect(qr.order.providerData).toMatchObject({ txnTime: sandbox.trade(qr.order.id)?.txnTime });
  });

  it('an order UnionPay already has paid is recorded as paid instead of offered again', async () => {
    const { payments, sandbox } = facade({}, 'https://shop.example/hook');
    const { order } = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' });
    sandbox.pay(order.id); // the notification is lost
    expect((await payments.resume(order.id)).order.status).toBe('paid');
  });
});

describe('11.4 and 11.2: types follow the provider', () => {
  it('actions are narrowed by method; payments.provider() is the UnionPay provider', async () => {
    const { payments } = facade({}, 'https://shop.example/hook');
    const qr = await payments.createPayment({ provider: 'unionpay', method: 'qr', amount: 1, subject: 'x' });
    expectTypeOf(qr.action).toEqualTypeOf<QrAction>();
    expect(qr.action.content).toMatch(/^https:/);
    const pos = await payments.createPayment({
      provider: 'unionpay',
      method: 'pos',
      amount: 1,
      subject: 'x',
      authCode: '6200000000000000001',
    });
    expectTypeOf(pos.action).toEqualTypeOf<PosAction>();
    expect(pos.action.status).toBe('pending');
    const page = await payments.createPayment({
      provider: 'unionpay',
      method: 'page',
      amount: 1,
      subject: 'x',
      returnUrl: 'https://shop.example/done',
    });
    expectTypeOf(page.action).toEqualTypeOf<FormAction>();
    expect(page.action.fields.frontUrl).toBe('https://shop.example/done');
    // @ts-expect-error UnionPay has no jsapi
    await rejectionOf(payments.createPayment({ provider: 'unionpay', method: 'jsapi', amount: 1, subject: 'x' }));
    const provider = payments.provider('unionpay');
    expectTypeOf(provider.undoPayment).toBeFunction();
    expect(typeof provider.verifyFrontReturn).toBe('function');
  });
});

describe('signCert modes', () => {
  const base = () => {
    const { sandbox } = sandboxed();
    return { merId: MER_ID, rootCert: sandbox.rootCert, middleCert: sandbox.middleCert, endpoint: sandbox.baseUrl };
  };

  it('takes the keys of the other mode as undefined, as a spread config gives them', () => {
    const provider = unionpay({
      ...base(),
      signCert: { pfx: PFX, password: '000000', privateKey: undefined, certificate: undefined },
    });
    expect(provider.wallet).toBe('unionpay');
  });

  it('takes the key mode with the pfx keys undefined', () => {
    const { privateKeyPem, certificatePem } = readPfx(PFX, '000000', 'signCert');
    const provider = unionpay({
      ...base(),
      signCert: { privateKey: privateKeyPem, certificate: certificatePem, pfx: undefined, password: undefined },
    });
    expect(provider.wallet).toBe('unionpay');
  });

  it('refuses a key of the other mode that has a value, naming it', () => {
    let error: unknown;
    try {
      unionpay({
        ...base(),
        // @ts-expect-error: a privateKey does not go with a pfx
        signCert: { pfx: PFX, password: '000000', privateKey: 'pem' },
      });
    } catch (caught) {
      error = caught;
    }
    expect(ValidationError.isInstance(error) && error.message).toBe(
      'options.signCert.privateKey: is not a known option',
    );
  });
});
