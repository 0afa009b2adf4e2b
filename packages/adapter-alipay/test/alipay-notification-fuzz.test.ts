/**
 * Issue 10.6: Alipay signs `k=v&k=v` over decoded values, so the bytes that carry a field's
 * boundaries are not signed. Mutated genuine notifications (re-encoded, duplicated, merged through
 * `%26`, split, reordered) must be refused or yield exactly the genuine event.
 *
 * Fixed seed, a few hundred runs by default; a longer nightly run:
 * `HUTONG_FUZZ_RUNS=20000 pnpm vitest run packages/adapter-alipay/test/alipay-notification-fuzz.test.ts`
 * (`HUTONG_FUZZ_SEED` picks another seed).
 */
import { createPayments, toNotificationRequest } from '@hutong/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const RUNS = Number(process.env.HUTONG_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.HUTONG_FUZZ_SEED ?? 20261129);

type Field = [name: string, raw: string];

const split = (body: string): Field[] =>
  body.split('&').map((part) => {
    const at = part.indexOf('=');
    return at === -1 ? [part, ''] : [part.slice(0, at), part.slice(at + 1)];
  });
const join = (fields: readonly Field[]) => fields.map(([name, raw]) => `${name}=${raw}`).join('&');
const decode = (raw: string) => decodeURIComponent(raw.replaceAll('+', ' '));
const nameOf = (fields: readonly Field[], i: number) => decode((fields[i] as Field)[0]);

/** Every byte as `%XX`: the same decoded text, written another way. */
const percentAll = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');

type Mutation =
  | { kind: 'reencode'; at: number; style: 0 | 1 | 2 }
  | { kind: 'duplicate'; at: number; to: number; value: string | null }
  | { kind: 'merge'; at: number }
  | { kind: 'split'; at: number }
  | { kind: 'reorder'; keys: number[] };

function mutate(fields: Field[], mutation: Mutation): Field[] {
  const next = fields.map((field) => [...field] as Field);
  const at = next.length === 0 ? 0 : mutation.kind === 'reorder' ? 0 : mutation.at % next.length;
  switch (mutation.kind) {
    case 'reencode': {
      const [name, raw] = next[at] as Field;
      const text = decode(raw);
      const styles = [percentAll(text), encodeURIComponent(text), encodeURIComponent(text).replaceAll('%20', '+')];
      next[at] = [mutation.style === 0 ? percentAll(decode(name)) : name, styles[mutation.style] as string];
      return next;
    }
    case 'duplicate': {
      const [name, raw] = next[at] as Field;
      next.splice(mutation.to % (next.length + 1), 0, [
        name,
        mutation.value === null ? raw : encodeURIComponent(mutation.value),
      ]);
      return next;
    }
    case 'merge': {
      // Fold the next field in signing order into this one: the signed string does not change.
      const order = next.map((_, i) => i).sort((a, b) => (nameOf(next, a) < nameOf(next, b) ? -1 : 1));
      const position = order.indexOf(at);
      const following = order[position + 1];
      if (following === undefined) return next;
      const [name, raw] = next[at] as Field;
      const [otherName, otherRaw] = next[following] as Field;
      next[at] = [name, `${raw}%26${otherName}%3D${otherRaw}`];
      next.splice(following, 1);
      return next;
    }
    case 'split': {
      // Undo a merge: an encoded `&name=` inside a value becomes a field of its own.
      const [name, raw] = next[at] as Field;
      const pieces = raw.replaceAll('%26', '&').replaceAll('%3D', '=').split('&');
      next.splice(at, 1, [name, pieces[0] as string], ...pieces.slice(1).map((piece) => split(piece)[0] as Field));
      return next;
    }
    case 'reorder':
      return next
        .map((field, i) => [field, mutation.keys[i % Math.max(mutation.keys.length, 1)] ?? 0, i] as const)
        .sort((a, b) => a[1] - b[1] || a[2] - b[2])
        .map(([field]) => field);
  }
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('reencode' as const),
    at: fc.nat(),
    style: fc.constantFrom(0 as const, 1 as const, 2 as const),
  }),
  fc.record({
    kind: fc.constant('duplicate' as const),
    at: fc.nat(),
    to: fc.nat(),
    value: fc.option(fc.constantFrom('0.01', 'TRADE_CLOSED', 'R0000002', ''), { nil: null }),
  }),
  fc.record({ kind: fc.constant('merge' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('split' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('reorder' as const), keys: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }) }),
);

async function genuineNotifications() {
  const { provider, sandbox } = sandboxed();
  const payments = createPayments({ providers: [provider], notifyUrl: 'https://shop.example/webhooks/alipay' });
  const { order } = await payments.createPayment({
    provider: 'alipay',
    method: 'qr',
    amount: 1000,
    subject: '龙井 100% + 🍵',
  });
  const paid = sandbox.pay(order.id);
  await payments.handleNotification('alipay', paid);
  await payments.refund(order.id, { amount: 300, refundId: 'R0000001' });
  const refunded = sandbox.settleRefund(order.id, 'R0000001');
  const bodies = [paid.body as string, refunded.body as string];
  const verify = async (body: string) => provider.verifyNotification(toNotificationRequest({ ...paid, body }));
  return { bodies, verify };
}

async function refusedOrGenuine(
  verify: (body: string) => Promise<unknown>,
  genuine: unknown,
  body: string,
): Promise<boolean> {
  try {
    const result = await verify(body);
    expect(result, body).toEqual(genuine);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name === 'AssertionError') throw error;
    return false;
  }
}

describe('notification fuzz (issue 10.6)', () => {
  it('re-encoded, duplicated and reordered fields: refused or exactly the genuine event', async () => {
    const { bodies, verify } = await genuineNotifications();
    for (const body of bodies) {
      const genuine = await verify(body);
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            mutation.filter((m) => m.kind !== 'merge' && m.kind !== 'split'),
            { minLength: 1, maxLength: 4 },
          ),
          async (mutations) => {
            const mutated = join(mutations.reduce(mutate, split(body)));
            await refusedOrGenuine(verify, genuine, mutated);
          },
        ),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });

  it('fields merged through %26 or split out of a value: refused or exactly the genuine event', async () => {
    const { bodies, verify } = await genuineNotifications();
    for (const body of bodies) {
      const genuine = await verify(body);
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
          const mutated = join(mutations.reduce(mutate, split(body)));
          await refusedOrGenuine(verify, genuine, mutated);
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
  });
});
