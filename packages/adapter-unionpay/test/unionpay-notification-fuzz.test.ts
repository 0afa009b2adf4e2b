/**
 * Issue 10, item 6: field boundaries cannot be moved. ACP signs `k=v&...` over decoded values, so a
 * body can be rewritten without touching the signed string (a `&` written as `%26` folds a field
 * into its neighbour). Every mutation of a genuine notification or front-end return must be refused
 * or yield exactly the genuine event.
 *
 * Fixed seed, a few hundred runs; set `HUTONG_FUZZ_RUNS` (e.g. 200000) for a longer nightly run.
 */
import { type PaymentEvent, toNotificationRequest } from '@hutong/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sandboxed } from './sandbox-setup.js';

const RUNS = Number(process.env.HUTONG_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.HUTONG_FUZZ_SEED ?? 20261129);

type Pair = readonly [name: string, raw: string];

const parse = (body: string): Pair[] =>
  body.split('&').map((part) => {
    const equals = part.indexOf('=');
    return [part.slice(0, equals), part.slice(equals + 1)] as const;
  });
const write = (pairs: readonly Pair[]) => pairs.map(([name, raw]) => `${name}=${raw}`).join('&');
const decode = (raw: string) => decodeURIComponent(raw.replace(/\+/g, ' '));

/** Writes a decoded value again, each character raw or `%`-escaped (either case), spaces as `+` or `%20`. */
function reencode(value: string, choices: readonly number[]): string {
  let out = '';
  let i = 0;
  for (const char of value) {
    const choice = choices[i++ % choices.length] ?? 0;
    const escaped = encodeURIComponent(char);
    if (char === ' ') out += choice % 2 ? '+' : '%20';
    else if (escaped !== char) out += choice % 2 ? escaped.toLowerCase() : escaped;
    else if (choice % 3 === 0)
      out += Array.from(Buffer.from(char, 'utf8'), (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    else out += char;
  }
  return out;
}

/** One mutation of a body's pairs. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('reencode' as const), at: fc.nat(), choices: fc.array(fc.nat(5), { minLength: 1 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({
    kind: fc.constant('override' as const),
    at: fc.nat(),
    to: fc.nat(),
    value: fc.constantFrom('01', '00', '03', '840', '1', '99999', 'refundX0001', '04', ''),
  }),
  fc.record({ kind: fc.constant('merge' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('split' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('reorder' as const), seed: fc.nat() }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(pairs: Pair[], m: Mutation): Pair[] {
  const n = pairs.length;
  if (n === 0) return pairs;
  const out = [...pairs];
  switch (m.kind) {
    case 'reencode': {
      const [name, raw] = out[m.at % n] as Pair;
      out[m.at % n] = [name, reencode(decode(raw), m.choices)];
      return out;
    }
    case 'duplicate':
      out.splice(m.to % (n + 1), 0, out[m.at % n] as Pair);
      return out;
    case 'override':
      out.splice(m.to % (n + 1), 0, [(out[m.at % n] as Pair)[0], encodeURIComponent(m.value)]);
      return out;
    case 'merge': {
      // Field i swallows field i+1: `a=1&b=2` becomes `a=1%26b%3D2`.
      const i = m.at % n;
      const next = out[i + 1];
      if (!next) return out;
      const [name, raw] = out[i] as Pair;
      out.splice(i, 2, [name, `${raw}%26${encodeURIComponent(next[0])}%3D${next[1]}`]);
      return out;
    }
    case 'split': {
      // A value holding `&`/`=` written raw: one field becomes several.
      const i = m.at % n;
      const [name, raw] = out[i] as Pair;
      return [
        ...out.slice(0, i),
        ...parse(`${name}=${raw.replace(/%26/gi, '&').replace(/%3D/gi, '=')}`),
        ...out.slice(i + 1),
      ];
    }
    case 'reorder': {
      let state = m.seed + 1;
      for (let i = out.length - 1; i > 0; i--) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        const j = state % (i + 1);
        [out[i], out[j]] = [out[j] as Pair, out[i] as Pair];
      }
      return out;
    }
    case 'drop':
      out.splice(m.at % n, 1);
      return out;
  }
}

async function outcome(run: () => Promise<{ event: PaymentEvent }>): Promise<PaymentEvent | 'refused'> {
  try {
    return (await run()).event;
  } catch {
    return 'refused';
  }
}

/** A paid order's genuine notification and front return, plus a settled refund's notification. */
async function genuine() {
  const { sandbox, provider } = sandboxed();
  const order = await provider.createPayment({
    orderId: 'fuzzorder0001',
    createdAt: new Date(),
    method: 'qr',
    amount: 1999,
    currency: 'CNY',
    subject: 'x',
    notifyUrl: 'https://shop.example/hook',
    returnUrl: null,
    expiresAt: null,
    buyerId: null,
    authCode: null,
    clientIp: null,
    providerOptions: {},
  });
  expect(order.action.type).toBe('qr');
  // A value holding `&` and `=` (as ACP's reserved fields do), so that splits have something to split.
  const payment = sandbox.pay('fuzzorder0001', { fields: { reserved: '{cardNumberLock=1&respCode=01}' } });
  const front = sandbox.frontReturn('fuzzorder0001', { fields: { reserved: '{a=1&txnType=04}' } });
  const paid = sandbox.trade('fuzzorder0001');
  const refund = await provider.refund({
    orderId: 'fuzzorder0001',
    order: {
      id: 'fuzzorder0001',
      method: 'qr',
      providerTransactionId: paid?.queryId ?? null,
      refunds: [],
      notifyUrl: 'https://shop.example/hook',
    } as never,
    refundId: 'fuzzrefund001',
    amount: 500,
    reason: null,
  });
  expect(refund.type).toBe('refund.pending');
  const refunded = sandbox.settleRefund('fuzzorder0001', 'fuzzrefund001');
  return {
    provider,
    bodies: { payment: payment.body as string, front: front.body as string, refund: refunded.body as string },
  };
}

describe('10.6: mutated genuine messages are refused or read exactly as the genuine one', async () => {
  const { provider, bodies } = await genuine();
  const verify = (body: string) => () => provider.verifyNotification(toNotificationRequest({ headers: {}, body }));
  const verifyFront = (body: string) => () => provider.verifyFrontReturn({ headers: {}, body });

  const cases = [
    ['a payment notification', bodies.payment, verify],
    ['a refund notification', bodies.refund, verify],
    ['a front-end return (posted by the buyer’s own browser)', bodies.front, verifyFront],
  ] as const;

  it.each(cases)('%s', async (_name, body, read) => {
    const expected = await outcome(read(body));
    expect(expected).not.toBe('refused');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
        const mutated = write(mutations.reduce(apply, parse(body)));
        const got = await outcome(read(mutated));
        if (got !== 'refused') expect(got).toEqual(expected);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('the merge that turns a success into a failure is refused (respCode swallowing respMsg)', async () => {
    const pairs = parse(bodies.front);
    const at = pairs.findIndex(([name]) => name === 'respCode');
    const next = pairs[at + 1];
    // Placed next to each other in body order, the signed string is unchanged by the merge.
    const sorted = [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const merged = apply(sorted, { kind: 'merge', at: sorted.findIndex(([name]) => name === 'respCode') });
    expect(next).toBeDefined();
    expect(await outcome(verifyFront(write(merged)))).toBe('refused');
  });
});
