/**
 * Type-level tests of statement reconciliation (checked by `pnpm typecheck`): the facade takes only
 * its providers' ids, and the statement events' payloads are typed.
 */
import { expectTypeOf } from 'vitest';
import {
  createPayments,
  type StatementDifference,
  type StatementDifferenceCounts,
  type StatementResult,
} from '../../src/index.js';
import { createFakeProvider, withFakeStatement } from '../../src/testing/index.js';

const payments = createPayments({ providers: [withFakeStatement(createFakeProvider({ id: 'wechatpay' }), {})] });

export async function reconcileTypes(): Promise<void> {
  expectTypeOf(
    await payments.reconcileStatement({ provider: 'wechatpay', date: '2026-12-01' }),
  ).toEqualTypeOf<StatementResult>();
  // @ts-expect-error: not a configured provider
  await payments.reconcileStatement({ provider: 'alipay', date: '2026-12-01' });
  // @ts-expect-error: the date is required
  await payments.reconcileStatement({ provider: 'wechatpay' });
  // @ts-expect-error: malformed is `error` or `skip`
  await payments.reconcileStatement({ provider: 'wechatpay', date: '2026-12-01', malformed: 'ignore' });
  payments.on('statement.difference', ({ difference, merchant }) => {
    expectTypeOf(difference).toEqualTypeOf<StatementDifference>();
    expectTypeOf(merchant).toEqualTypeOf<string | null>();
  });
  payments.on('statement.reconciled', ({ counts, eventId }) => {
    expectTypeOf(counts).toEqualTypeOf<StatementDifferenceCounts>();
    expectTypeOf(eventId).toEqualTypeOf<string>();
  });
}
