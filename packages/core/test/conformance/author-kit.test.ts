import { createHmac } from 'node:crypto';
import { SignatureVerificationError, UnexpectedResponseError } from '@hutong/core';
import {
  bindReply,
  checkSignatureWindow,
  createErrorCodeMapper,
  readJsonReply,
  verifySignatureInWindow,
  z,
} from '@hutong/core/provider-utils';
import { describe, expect, it } from 'vitest';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('did not throw');
}

describe('checkSignatureWindow / verifySignatureInWindow', () => {
  const now = Date.UTC(2026, 0, 1, 12);
  const seconds = now / 1000;

  it('accepts a time inside the window, either way', () => {
    for (const signedAt of [seconds, String(seconds - 300), seconds + 300, new Date(now - 1000)]) {
      expect(() => checkSignatureWindow({ provider: 'w', signedAt, windowSeconds: 300, now })).not.toThrow();
    }
  });

  it('refuses a time outside the window as expired_timestamp', () => {
    for (const signedAt of [seconds - 301, String(seconds + 301)]) {
      const error = caught(() => checkSignatureWindow({ provider: 'w', signedAt, windowSeconds: 300, now }));
      expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('expired_timestamp');
    }
  });

  it('refuses a timestamp that is not a time as malformed', () => {
    for (const signedAt of ['', '1e9', '-5', '12.5', ' 1', -5, 1.5, new Date(Number.NaN)]) {
      const error = caught(() => checkSignatureWindow({ provider: 'w', signedAt, windowSeconds: 300, now }));
      expect(SignatureVerificationError.isInstance(error) && error.reason).toBe('malformed');
    }
  });

  it('checks the signature before the time, and both', () => {
    const sign = (ts: string) => createHmac('sha256', 'k').update(`${ts}\nbody`).digest('hex');
    const holds = (ts: string, sig: string) => () => sign(ts) === sig;
    const ts = String(seconds);
    expect(() =>
      verifySignatureInWindow({ provider: 'w', signedAt: ts, windowSeconds: 300, now, verify: holds(ts, sign(ts)) }),
    ).not.toThrow();
    const bad = caught(() =>
      verifySignatureInWindow({ provider: 'w', signedAt: ts, windowSeconds: 300, now, verify: holds(ts, 'x') }),
    );
    expect(SignatureVerificationError.isInstance(bad) && bad.reason).toBe('bad_signature');
    const old = String(seconds - 900);
    const stale = caught(() =>
      verifySignatureInWindow({ provider: 'w', signedAt: old, windowSeconds: 300, now, verify: holds(old, sign(old)) }),
    );
    expect(SignatureVerificationError.isInstance(stale) && stale.reason).toBe('expired_timestamp');
  });
});

describe('readJsonReply', () => {
  const schema = z.object({ order_id: z.string(), amount: z.object({ total: z.int() }) });

  it('returns the typed reply', () => {
    const reply = readJsonReply('{"order_id":"o1","amount":{"total":5}}', { provider: 'w', schema });
    expect(reply.amount.total).toBe(5);
  });

  it('refuses text that is not JSON as malformed, an unknown outcome', () => {
    const error = caught(() => readJsonReply('<html>', { provider: 'w', schema }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('malformed');
    expect((error as UnexpectedResponseError).retryable).toBe(true);
  });

  it('names the field a reply gets wrong, without quoting its value', () => {
    const error = caught(() =>
      readJsonReply('{"order_id":"o1","amount":{"total":"secret-ish"}}', { provider: 'w', schema }),
    ) as UnexpectedResponseError;
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(error.field).toBe('reply.amount.total');
    expect(error.message).not.toContain('secret-ish');
  });

  it('refuses a reply over its size limit as too_large', () => {
    const error = caught(() => readJsonReply(`"${'x'.repeat(100)}"`, { provider: 'w', schema, maxBytes: 50 }));
    expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('too_large');
  });
});

describe('bindReply', () => {
  const expected = { order_id: 'o1', amount: 1999, merchant: 'M1' };

  it('accepts a reply that echoes the request, numbers as numbers or strings', () => {
    expect(() =>
      bindReply({ order_id: 'o1', amount: '1999', merchant: 'M1' }, expected, { provider: 'w' }),
    ).not.toThrow();
  });

  it('refuses a reply about another order, amount or merchant, naming the field', () => {
    for (const [field, value] of [
      ['order_id', 'o2'],
      ['amount', 1998],
      ['merchant', 'M2'],
    ] as const) {
      const error = caught(() => bindReply({ ...expected, [field]: value }, expected, { provider: 'w' }));
      expect(UnexpectedResponseError.isInstance(error) && error.reason).toBe('mismatch');
      expect((error as UnexpectedResponseError).field).toBe(`reply.${field}`);
    }
  });

  it('refuses a missing field unless it is optional, and skips undefined expectations', () => {
    const error = caught(() => bindReply({ order_id: 'o1' }, { order_id: 'o1', amount: 5 }, { provider: 'w' }));
    expect((error as UnexpectedResponseError).field).toBe('reply.amount');
    expect(() =>
      bindReply(
        { order_id: 'o1' },
        { order_id: 'o1', amount: 5, refund_id: undefined },
        {
          provider: 'w',
          optional: ['amount'],
        },
      ),
    ).not.toThrow();
  });

  it('refuses an object where a value is expected', () => {
    const error = caught(() =>
      bindReply({ order_id: { toString: () => 'o1' } }, { order_id: 'o1' }, { provider: 'w' }),
    );
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
  });
});

describe('createErrorCodeMapper', () => {
  const errors = createErrorCodeMapper({
    provider: 'w',
    codes: { ORDER_NOT_EXIST: 'not_found', BUSY: 'system_busy' },
  });

  it('maps listed codes, with retryability from the normalised code', () => {
    const busy = errors.toError({ code: 'BUSY', message: 'later', httpStatus: 503, requestId: 'r1' });
    expect(busy.normalizedCode).toBe('system_busy');
    expect(busy.retryable).toBe(true);
    expect(busy.httpStatus).toBe(503);
    expect(busy.requestId).toBe('r1');
    expect(errors.toError({ code: 'ORDER_NOT_EXIST' }).retryable).toBe(false);
  });

  it('maps an unlisted code to the fallback', () => {
    expect(errors.normalize('NEW_CODE')).toBe('unknown');
    const strict = createErrorCodeMapper({ provider: 'w', codes: {}, fallback: 'invalid_request' });
    expect(strict.toError({ code: 'X' }).normalizedCode).toBe('invalid_request');
  });

  it('never maps an inherited property name', () => {
    expect(errors.normalize('toString')).toBe('unknown');
  });
});
