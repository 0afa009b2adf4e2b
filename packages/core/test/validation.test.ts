import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../src/index.js';
import { endpointOption, parseWithSchema, resolveEndpoint } from '../src/provider-utils/index.js';

const GATEWAYS = {
  production: 'https://pay.example/gateway.do',
  sandbox: 'https://sandbox.pay.example/gateway.do',
} as const;
const schema = z.object({ endpoint: endpointOption(GATEWAYS) });

function fieldAndMessage(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    if (!ValidationError.isInstance(error)) throw error;
    return { field: error.field, message: error.message };
  }
  throw new Error('no ValidationError');
}

describe('endpointOption', () => {
  it('takes each named environment, an http(s) URL, or nothing', () => {
    expect(parseWithSchema(schema, { endpoint: 'production' }, 'options').endpoint).toBe('production');
    expect(parseWithSchema(schema, { endpoint: 'sandbox' }, 'options').endpoint).toBe('sandbox');
    expect(parseWithSchema(schema, { endpoint: 'http://127.0.0.1:8080/gateway.do' }, 'options').endpoint).toBe(
      'http://127.0.0.1:8080/gateway.do',
    );
    expect(parseWithSchema(schema, {}, 'options').endpoint).toBeUndefined();
  });

  it.each([
    ['an unknown name', 'staging'],
    ['a non-http URL', 'ftp://pay.example/'],
    ['a number', 42],
  ])('refuses %s, naming the field and the names it takes', (_, endpoint) => {
    const { field, message } = fieldAndMessage(() => parseWithSchema(schema, { endpoint }, 'options'));
    expect(field).toBe('options.endpoint');
    expect(message).toContain('must be production, sandbox or a URL');
  });
});

describe('resolveEndpoint', () => {
  it('maps a name to its URL and keeps a URL as given', () => {
    expect(resolveEndpoint('production', GATEWAYS)).toBe(GATEWAYS.production);
    expect(resolveEndpoint('sandbox', GATEWAYS)).toBe(GATEWAYS.sandbox);
    expect(resolveEndpoint('http://127.0.0.1:8080/gateway.do', GATEWAYS)).toBe('http://127.0.0.1:8080/gateway.do');
  });

  it('does not treat inherited object keys as environment names', () => {
    expect(resolveEndpoint('toString', GATEWAYS)).toBe('toString');
  });
});

describe('parseWithSchema and unknown keys', () => {
  it('names an unknown key of a strict object, nested ones included', () => {
    const schema = z.strictObject({ installments: z.strictObject({ count: z.number() }).optional() });
    const field = (value: unknown) => {
      try {
        parseWithSchema(schema, value, 'providerOptions');
      } catch (error) {
        return ValidationError.isInstance(error) ? error.field : undefined;
      }
      return undefined;
    };
    expect(field({ instalments: { count: 6 } })).toBe('providerOptions.instalments');
    expect(field({ installments: { count: 6, seller: 1 } })).toBe('providerOptions.installments.seller');
    expect(field({ installments: { count: 6 } })).toBeUndefined();
  });
});
