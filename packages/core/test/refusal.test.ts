import { describe, expect, it } from 'vitest';
import { NetworkError, ProviderApiError, UnexpectedResponseError } from '../src/index.js';
import { checkRefusal } from '../src/provider-utils/index.js';

const refusal = (normalizedCode: 'invalid_request' | 'system_busy' | 'not_found') =>
  new ProviderApiError({ provider: 'wallet', providerCode: 'CODE', providerMessage: 'refused', normalizedCode });

async function outcome(promise: Promise<unknown>): Promise<unknown> {
  try {
    return { resolved: await promise };
  } catch (error) {
    return error;
  }
}

describe('checkRefusal', () => {
  it('throws anything but a definitive refusal as it is, without asking', async () => {
    let asked = 0;
    const check = { name: 'the query', run: async () => void asked++ };
    const busy = refusal('system_busy');
    const network = new NetworkError('timed out');
    expect(await outcome(checkRefusal(busy, check))).toBe(busy);
    expect(await outcome(checkRefusal(network, check))).toBe(network);
    expect(asked).toBe(0);
  });

  it('returns what the query found: the refusal was another request’s', async () => {
    expect(await outcome(checkRefusal(refusal('invalid_request'), { name: 'q', run: async () => 'paid' }))).toEqual({
      resolved: 'paid',
    });
  });

  it('lets the refusal stand when the query finds nothing, or is itself refused as not found', async () => {
    const refused = refusal('invalid_request');
    expect(await outcome(checkRefusal(refused, { name: 'q', run: async () => undefined }))).toBe(refused);
    const notFound = async () => {
      throw refusal('not_found');
    };
    expect(await outcome(checkRefusal(refused, { name: 'q', run: notFound }))).toBe(refused);
  });

  it('leaves the outcome unknown when the query fails otherwise, with the refusal as cause', async () => {
    const refused = refusal('invalid_request');
    for (const failure of [refusal('invalid_request'), new NetworkError('timed out')]) {
      const error = await outcome(
        checkRefusal(refused, {
          name: 'the order query',
          field: 'response.code',
          run: async () => {
            throw failure;
          },
        }),
      );
      expect(UnexpectedResponseError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ reason: 'mismatch', provider: 'wallet', field: 'response.code', cause: refused });
      expect((error as Error).message).toContain('the order query could not check it');
    }
  });
});
