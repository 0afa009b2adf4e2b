import { describe, expect, it } from 'vitest';
import {
  type MovementConformanceSuite,
  movementConformanceCases,
  runMovementConformance,
} from '../src/conformance/index.js';
import {
  createFakeMovementProvider,
  type FakeMovementProvider,
  type FakeMovementProviderOptions,
} from '../src/testing/index.js';

type Bug = 'movement-unverified' | 'split-reply-unbound' | 'transfer-not-found-as-pending' | 'payee-name-in-reason';

function plant(fake: FakeMovementProvider, bug: Bug | undefined): void {
  if (bug === 'movement-unverified') {
    // Parses the body without checking the signature.
    const verify = fake.verifyMovementNotification?.bind(fake) as NonNullable<typeof fake.verifyMovementNotification>;
    fake.verifyMovementNotification = (request) =>
      verify({
        ...request,
        headers: { ...request.headers, ...fake.movements.notification(request.body).headers },
      } as never);
  }
  if (bug === 'split-reply-unbound') {
    const split = fake.split?.bind(fake) as NonNullable<typeof fake.split>;
    fake.split = async (request) => {
      const event = await split(request);
      return { ...event, receivers: event.receivers.map((r) => ({ ...r, amount: r.amount + 1 })) };
    };
  }
  if (bug === 'payee-name-in-reason') {
    // Passes the wallet's failure text through, which quotes the payee's name.
    const query = fake.queryTransfer?.bind(fake) as NonNullable<typeof fake.queryTransfer>;
    fake.queryTransfer = async (request) => {
      const event = await query(request);
      if (event.status !== 'failed') return event;
      return { ...event, failReason: `收款人姓名${request.transfer.payee.name ?? ''}与账户不符` };
    };
  }
  if (bug === 'transfer-not-found-as-pending') {
    const query = fake.queryTransfer?.bind(fake) as NonNullable<typeof fake.queryTransfer>;
    fake.queryTransfer = (request) =>
      query(request).catch(() => ({
        type: 'transfer.status' as const,
        transferId: request.transfer.id,
        amount: request.transfer.amount,
        status: 'processing' as const,
      }));
  }
}

function suite(bug?: Bug, options: FakeMovementProviderOptions = {}): MovementConformanceSuite {
  return {
    name: `${bug === undefined ? 'fake' : `fake with ${bug}`}${options.returnsInRefund ? ' (returns within refunds)' : ''}`,
    setup: () => {
      const fake = createFakeMovementProvider({
        ...options,
        boundReceivers: ['shop0001', 'guide0001'] as const,
        id: 'fake',
      });
      plant(fake, bug);
      return { provider: fake, movements: fake.movements, pay: (orderId) => fake.sandbox.pay(orderId) };
    },
    receivers: [
      { type: 'merchant', account: 'shop0001', amount: 300, description: '平台佣金' },
      { type: 'personal', account: 'guide0001', amount: 200, description: '导游分成', name: '张三丰' },
    ],
    payee: { type: 'openid', account: 'o4GgauInH_RCEdvrrNGrntXDuXXX', name: '王小明' },
  };
}

runMovementConformance(suite());
// Alipay's shape: no split return of its own; receivers give back within a refund.
runMovementConformance(suite(undefined, { returnsInRefund: true, instantRefunds: true }));

const CAUGHT_BY: Record<Bug, string> = {
  'movement-unverified': 'refuses a forged transfer notification (status changed, signature kept), and changes nothing',
  'split-reply-unbound':
    'splits a paid order, bound to its receivers, settled by a verified notification and by a query',
  'transfer-not-found-as-pending': 'answers a query for a transfer it does not know with not_found',
  'payee-name-in-reason':
    'keeps payee and receiver names out of hooks, errors, events and the order; a transfer keeps its payee name only to send it again',
};

describe('the movement conformance suite fails a broken adapter', () => {
  for (const [bug, name] of Object.entries(CAUGHT_BY) as [Bug, string][]) {
    it(`catches ${bug}`, async () => {
      const failing: string[] = [];
      for (const check of await movementConformanceCases(suite(bug))) {
        await check.run().catch(() => failing.push(check.name));
      }
      expect(failing).toContain(name);
    });
  }
});
