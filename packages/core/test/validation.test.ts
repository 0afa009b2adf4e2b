import { describe, expect, it } from 'vitest';
import { z as classic } from 'zod';
import * as z from 'zod/mini';
import { ValidationError } from '../src/index.js';
import {
  endpointOption,
  parseWithSchema,
  resolveEndpoint,
  transportOptionsShape,
} from '../src/provider-utils/index.js';

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
    const schema = z.strictObject({ installments: z.optional(z.strictObject({ count: z.number() })) });
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

describe('parseWithSchema messages', () => {
  const schema = z.strictObject({
    appId: z.string(),
    count: z.optional(z.int().check(z.minimum(1), z.maximum(10))),
    ratio: z.optional(z.number().check(z.positive())),
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(4))),
    names: z.optional(z.array(z.string()).check(z.minLength(2))),
    mode: z.optional(z.enum(['fast', 'slow'])),
    tag: z.optional(z.literal('one')),
    host: z.optional(z.ipv4()),
    site: z.optional(z.url()),
    code: z.optional(z.string().check(z.regex(/^[0-9]+$/))),
    labelled: z.optional(z.string().check(z.regex(/^[0-9]+$/, 'must be digits'))),
    either: z.optional(z.union([z.number(), z.boolean()])),
    pin: z.optional(z.string().check(z.length(6))),
    since: z.optional(z.date().check(z.minimum(new Date('2025-01-01T00:00:00Z')))),
    prefixed: z.optional(z.string().check(z.startsWith('PUB_KEY_ID_'))),
    ...transportOptionsShape,
  });
  const complete = { appId: 'app' };
  /** The field and message of the first problem (others, such as a second bad item, are tested below). */
  const failure = (patch: Record<string, unknown>) => {
    try {
      parseWithSchema(schema, { ...complete, ...patch }, 'options');
    } catch (error) {
      if (!ValidationError.isInstance(error)) throw error;
      return { field: error.field, message: `${error.issues[0]?.field}: ${error.issues[0]?.message}` };
    }
    throw new Error('no ValidationError');
  };

  it.each([
    [{ appId: undefined }, 'options.appId', 'is required'],
    [{ appId: 42 }, 'options.appId', 'must be a string, not a number'],
    [{ appId: null }, 'options.appId', 'must be a string, not null'],
    [{ count: 1.5 }, 'options.count', 'must be an integer'],
    [{ count: true }, 'options.count', 'must be a number, not a boolean'],
    [{ count: '3' }, 'options.count', 'must be a number, not a string'],
    [{ count: 0 }, 'options.count', 'must be at least 1'],
    [{ count: 11 }, 'options.count', 'must be at most 10'],
    [{ ratio: 0 }, 'options.ratio', 'must be greater than 0'],
    [{ name: '' }, 'options.name', 'must not be empty'],
    [{ name: 'toolong' }, 'options.name', 'must be at most 4 characters'],
    [{ names: ['a'] }, 'options.names', 'must be at least 2 items'],
    [{ names: [1, 2] }, 'options.names.0', 'must be a string, not a number'],
    [{ names: 'a' }, 'options.names', 'must be an array, not a string'],
    [{ mode: 'medium' }, 'options.mode', 'must be one of fast, slow'],
    [{ tag: 'two' }, 'options.tag', 'must be one'],
    [{ host: '300.1.1.1' }, 'options.host', 'must be an IPv4 address'],
    [{ site: 'not a url' }, 'options.site', 'must be a URL'],
    [{ code: '12a' }, 'options.code', 'is not in the expected format'],
    [{ labelled: '12a' }, 'options.labelled', 'must be digits'],
    [{ either: 'x' }, 'options.either', 'matches none of the accepted forms'],
    [{ ratio: Number.NaN }, 'options.ratio', 'must be a finite number'],
    [{ count: Number.POSITIVE_INFINITY }, 'options.count', 'must be a finite number'],
    [{ since: new Date('nope') }, 'options.since', 'must be a valid date'],
    [{ since: new Date('2024-06-01T00:00:00Z') }, 'options.since', 'must be on or after 2025-01-01T00:00:00.000Z'],
    [{ pin: '12345' }, 'options.pin', 'must be exactly 6 characters'],
    [{ pin: '1234567' }, 'options.pin', 'must be exactly 6 characters'],
    [{ prefixed: 'KEY_1' }, 'options.prefixed', 'must start with PUB_KEY_ID_'],
    [{ timeoutMs: -5 }, 'options.timeoutMs', 'must be greater than 0'],
    [{ retries: 11 }, 'options.retries', 'must be at most 10'],
    [{ fetch: 'https://example.com' }, 'options.fetch', 'must be a function'],
    [{ hooks: { onRequest: 1 } }, 'options.hooks.onRequest', 'must be a function'],
    [{ hooks: { onRequests: () => {} } }, 'options.hooks.onRequests', 'is not a known option'],
    [{ appID: 'x' }, 'options.appID', 'is not a known option'],
  ])('%j fails on %s: %s', (patch, field, message) => {
    expect(failure(patch)).toEqual({ field, message: `${field}: ${message}` });
  });

  it('reports every problem at once: the first as the field, all of them in issues and the message', () => {
    let error: unknown;
    try {
      parseWithSchema(schema, { count: 0, mode: 'medium', appID: 'x', hooks: { onReqest: () => {} } }, 'options');
    } catch (caught) {
      error = caught;
    }
    if (!ValidationError.isInstance(error)) throw new Error('no ValidationError');
    expect(error.field).toBe('options.appId');
    expect(error.issues).toEqual([
      { field: 'options.appId', message: 'is required' },
      { field: 'options.count', message: 'must be at least 1' },
      { field: 'options.mode', message: 'must be one of fast, slow' },
      { field: 'options.hooks.onReqest', message: 'is not a known option' },
      { field: 'options.appID', message: 'is not a known option' },
    ]);
    expect(error.message).toBe(
      'options.appId: is required (and options.count: must be at least 1; options.mode: must be one of fast, slow; ' +
        'options.hooks.onReqest: is not a known option; options.appID: is not a known option)',
    );
  });

  it('names each bad item of a list, and one problem per field', () => {
    const { message } = fieldAndMessage(() => parseWithSchema(schema, { ...complete, names: [1, 2] }, 'options'));
    expect(message).toBe(
      'options.names.0: must be a string, not a number (and options.names.1: must be a string, not a number)',
    );
    expect(fieldAndMessage(() => parseWithSchema(schema, { ...complete, names: 'a' }, 'options')).message).toBe(
      'options.names: must be an array, not a string',
    );
  });

  it('has one issue, its own, when one field is wrong', () => {
    const error = new ValidationError('amount', 'must be a positive integer of fen');
    expect(error.issues).toEqual([{ field: 'amount', message: 'must be a positive integer of fen' }]);
    expect(error.message).toBe('amount: must be a positive integer of fen');
  });

  it('never quotes the value it refuses', () => {
    const secret = '-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    for (const patch of [{ count: secret }, { mode: secret }, { code: secret }, { either: secret }]) {
      expect(failure(patch).message).not.toContain('MIIE');
    }
  });

  it('refuses an async schema with a TypeError naming the rule, not a zod error', () => {
    const asynchronous = classic.string().refine(async () => true);
    const error = (() => {
      try {
        parseWithSchema(asynchronous, 'x', 'options');
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toBe('checkWithSchema and parseWithSchema take synchronous schemas only');
  });

  it('takes classic zod schemas too, with the same messages', () => {
    const mixed = classic.strictObject({ appId: classic.string(), ...transportOptionsShape });
    expect(fieldAndMessage(() => parseWithSchema(mixed, { appId: 1 }, 'options'))).toEqual({
      field: 'options.appId',
      message: 'options.appId: must be a string, not a number',
    });
    expect(fieldAndMessage(() => parseWithSchema(mixed, { appId: 'a', retries: -1 }, 'options')).field).toBe(
      'options.retries',
    );
  });
});
