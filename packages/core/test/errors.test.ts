import { describe, expect, it } from 'vitest';
import {
  AmountMismatchError,
  ConflictError,
  HutongError,
  InvalidTransitionError,
  NetworkError,
  ProviderApiError,
  SignatureVerificationError,
  TimeoutError,
  ValidationError,
} from '../src/index.js';

describe('errors', () => {
  it('carry stable codes', () => {
    expect(new ValidationError('amount', 'bad').code).toBe('validation_error');
    expect(new SignatureVerificationError('alipay', 'bad_signature', 'no').code).toBe('signature_invalid');
    expect(new NetworkError('down').code).toBe('network_error');
    expect(new TimeoutError(10, 'slow').code).toBe('timeout');
    expect(new InvalidTransitionError('o1', 'pending', 'refund.requested').code).toBe('invalid_transition');
    expect(new AmountMismatchError('o1', 100, 99).code).toBe('amount_mismatch');
    expect(new ConflictError('version_conflict', 'o1', 'raced').code).toBe('version_conflict');
  });

  it('are recognised across two copies of the package', async () => {
    // A query string makes the module system load errors.ts a second time, like a second installed copy.
    const secondCopy = '../src/errors.js?second-copy';
    const copy = (await import(/* @vite-ignore */ secondCopy)) as typeof import('../src/errors.js');
    const foreign = new copy.ValidationError('amount', 'bad');
    expect(foreign instanceof ValidationError).toBe(false);
    expect(ValidationError.isInstance(foreign)).toBe(true);
    expect(HutongError.isInstance(foreign)).toBe(true);
    expect(SignatureVerificationError.isInstance(foreign)).toBe(false);
  });

  it('distinguish subclasses', () => {
    const timeout = new TimeoutError(5, 'slow');
    expect(NetworkError.isInstance(timeout)).toBe(true);
    expect(TimeoutError.isInstance(new NetworkError('down'))).toBe(false);
    expect(HutongError.isInstance(new Error('plain'))).toBe(false);
    expect(HutongError.isInstance(null)).toBe(false);
  });

  it('decide retryability once, from the normalised code', () => {
    const busy = new ProviderApiError({
      provider: 'alipay',
      providerCode: 'ACQ.SYSTEM_ERROR',
      normalizedCode: 'system_busy',
    });
    const paid = new ProviderApiError({
      provider: 'alipay',
      providerCode: 'ACQ.TRADE_HAS_SUCCESS',
      normalizedCode: 'already_paid',
    });
    expect(busy.retryable).toBe(true);
    expect(paid.retryable).toBe(false);
    expect(
      new ProviderApiError({ provider: 'x', providerCode: 'c', normalizedCode: 'unknown', retryable: true }).retryable,
    ).toBe(true);
    expect(paid.message).toContain('ACQ.TRADE_HAS_SUCCESS');
  });

  it('name the field in validation messages', () => {
    const error = new ValidationError('options.privateKey', 'is a public key');
    expect(error.field).toBe('options.privateKey');
    expect(error.message).toBe('options.privateKey: is a public key');
  });
});
