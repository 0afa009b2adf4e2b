/**
 * Type-level tests of money movement (checked by `pnpm typecheck`): what the compiler must accept
 * and refuse. A `@ts-expect-error` that stops erroring fails the type check.
 */
import { expectTypeOf } from 'vitest';
import {
  createPayments,
  type HandleMovementNotificationResult,
  type Split,
  type SplitReturn,
  type Transfer,
} from '../../src/index.js';
import { createFakeMovementProvider } from '../../src/testing/index.js';

const payments = createPayments({ providers: [createFakeMovementProvider({ id: 'fake' })] });

export async function movementTypes(orderId: string): Promise<void> {
  expectTypeOf(
    await payments.split(orderId, {
      splitId: 'split0001',
      receivers: [{ type: 'merchant', account: '1900000109', amount: 300, description: '佣金' }],
    }),
  ).toEqualTypeOf<Split>();
  await payments.split(orderId, {
    splitId: 'split0001',
    // @ts-expect-error a receiver is a merchant or a person
    receivers: [{ type: 'shop', account: '1900000109', amount: 300, description: '佣金' }],
  });
  // @ts-expect-error a split needs its id
  await payments.split(orderId, { receivers: [] });
  expectTypeOf(
    await payments.returnSplit(orderId, {
      splitId: 'split0001',
      returnId: 'return0001',
      account: '1900000109',
      amount: 100,
      description: '回退',
    }),
  ).toEqualTypeOf<SplitReturn>();

  const payee = { type: 'openid', account: 'o4Gg' } as const;
  expectTypeOf(
    await payments.transfer({ provider: 'fake', transferId: 'payout0001', amount: 500, payee, remark: '佣金' }),
  ).toEqualTypeOf<Transfer>();
  // @ts-expect-error only a configured provider
  await payments.transfer({ provider: 'alipay', transferId: 'payout0001', amount: 500, payee, remark: '佣金' });
  // @ts-expect-error a payee is a wallet user by a known kind of id
  await payments.transfer({
    provider: 'fake',
    transferId: 'p1',
    amount: 5,
    payee: { type: 'email', account: 'a' },
    remark: 'x',
  });

  const result = await payments.handleMovementNotification('fake', { headers: {}, body: '' });
  expectTypeOf(result).toEqualTypeOf<HandleMovementNotificationResult>();
  if (result.ok) expectTypeOf(result.outcome).toEqualTypeOf<'applied' | 'duplicate' | 'stale'>();

  payments.on('transfer.succeeded', ({ transfer, eventId }) => {
    expectTypeOf(transfer).toEqualTypeOf<Transfer>();
    expectTypeOf(eventId).toEqualTypeOf<string>();
  });
  payments.on('split.returned', ({ order, split, splitReturn }) => {
    expectTypeOf(order.splits).toEqualTypeOf<readonly Split[] | undefined>();
    expectTypeOf(split).toEqualTypeOf<Split>();
    expectTypeOf(splitReturn).toEqualTypeOf<SplitReturn>();
  });
}
