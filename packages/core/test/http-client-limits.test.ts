import { describe, expect, it, vi } from 'vitest';
import { NetworkError, type RedactedRequest, UnexpectedResponseError } from '../src/index.js';
import { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES, REDACTED, redactText } from '../src/provider-utils/index.js';

/** A reply body of `total` bytes in 64 KiB chunks, counting what was pulled and whether it was cancelled. */
function countingReply(total: number, headers: Record<string, string> = {}) {
  const chunk = new Uint8Array(64 * 1024).fill(0x7b);
  const seen = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled >= total) return controller.close();
      seen.pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  const fetch = vi.fn(async () => new Response(body, { status: 200, headers }));
  return { fetch: fetch as unknown as typeof globalThis.fetch, calls: fetch, seen };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createHttpClient reply size limit', () => {
  it(`stops reading a huge reply at DEFAULT_MAX_RESPONSE_BYTES (${DEFAULT_MAX_RESPONSE_BYTES}) and throws too_large, without retrying`, async () => {
    expect(DEFAULT_MAX_RESPONSE_BYTES).toBe(4 * 1024 * 1024);
    const { fetch, calls, seen } = countingReply(256 * 1024 * 1024);
    const http = createHttpClient({ provider: 'alipay', fetch, sleep: async () => {} });
    const error = await caught(http.send({ method: 'GET', url: 'https://api.example/query?sign=secret' }));
    expect(UnexpectedResponseError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ provider: 'alipay', reason: 'too_large', code: 'unexpected_response' });
    expect(NetworkError.isInstance(error)).toBe(false);
    expect((error as Error).message).not.toContain('secret');
    expect(seen.pulled).toBeLessThanOrEqual(DEFAULT_MAX_RESPONSE_BYTES + 4 * 64 * 1024);
    expect(seen.cancelled).toBe(true);
    expect(calls).toHaveBeenCalledTimes(1);
  });

  it('refuses a reply whose Content-Length is over the limit before reading it', async () => {
    const { fetch, seen } = countingReply(8 * 1024, { 'content-length': String(64 * 1024 * 1024) });
    const error = await caught(
      createHttpClient({ provider: 'wechatpay', fetch }).send({ method: 'POST', url: 'https://x/y' }),
    );
    expect(error).toMatchObject({ reason: 'too_large' });
    expect(seen.pulled).toBeLessThanOrEqual(64 * 1024);
  });

  it('takes a per-client limit and a larger per-request limit (bill downloads)', async () => {
    const small = countingReply(1024 * 1024);
    const client = createHttpClient({ provider: 'alipay', fetch: small.fetch, maxResponseBytes: 100 * 1024 });
    expect(await caught(client.send({ method: 'POST', url: 'https://x/y' }))).toMatchObject({ reason: 'too_large' });
    expect(small.seen.pulled).toBeLessThanOrEqual(100 * 1024 + 2 * 64 * 1024);

    const bill = countingReply(6 * 1024 * 1024);
    const billClient = createHttpClient({ provider: 'alipay', fetch: bill.fetch });
    const response = await billClient.send({ method: 'GET', url: 'https://x/bill', maxResponseBytes: 8 * 1024 * 1024 });
    expect(response.bytes.byteLength).toBe(bill.seen.pulled);
    expect(response.bytes.byteLength).toBeGreaterThan(DEFAULT_MAX_RESPONSE_BYTES);
  });
});

describe('redaction inside form-encoded JSON and nested JSON', () => {
  const bizContent = JSON.stringify({
    out_trade_no: 'T20240501',
    scene: 'bar_code',
    auth_code: '287634438256643940',
    subject: 'Tea & cakes',
    total_amount: '19.99',
  });
  const alipayTradePay = [
    'app_id=2021000000000000',
    'method=alipay.trade.pay',
    'charset=utf-8',
    `biz_content=${encodeURIComponent(bizContent)}`,
    'sign=c2lnbmF0dXJl%2B%3D',
  ].join('&');

  it('redacts auth_code inside the biz_content of an alipay.trade.pay form body', () => {
    const redacted = redactText(alipayTradePay);
    expect(redacted).not.toContain('287634438256643940');
    const fields = new URLSearchParams(redacted);
    expect(fields.get('sign')).toBe(REDACTED);
    expect(fields.get('method')).toBe('alipay.trade.pay');
    expect(JSON.parse(fields.get('biz_content') as string)).toEqual({ ...JSON.parse(bizContent), auth_code: REDACTED });
  });

  it('hands request hooks an alipay.trade.pay body without the payment code', async () => {
    const seen: RedactedRequest[] = [];
    const fetch = vi.fn(async () => new Response('{}')) as unknown as typeof globalThis.fetch;
    const http = createHttpClient({ provider: 'alipay', fetch, hooks: { onRequest: (request) => seen.push(request) } });
    await http.send({ method: 'POST', url: 'https://openapi.alipay.com/gateway.do?sign=abc', body: alipayTradePay });
    expect(seen[0]?.body).not.toContain('287634438256643940');
    expect(seen[0]?.body).toContain('T20240501');
    expect(seen[0]?.url).not.toContain('abc');
  });

  it('redacts sensitive keys at any depth of a WeChat-style JSON body, whatever the value type', () => {
    const body = JSON.stringify({
      mchid: '1900000001',
      payer: { auth_code: '134567890123456789', openid: 'o1' },
      scene_info: { device_id: 'POS-1', extra: '{"authCode":"999888777"}' },
      resource: { ciphertext: 'Y2lwaGVy', nonce: 'n' },
      card: { accNo: 6225880000000000 },
      password: { nested: 'p4ss' },
    });
    const redacted = redactText(body);
    for (const secret of ['134567890123456789', '999888777', 'Y2lwaGVy', '6225880000000000', 'p4ss']) {
      expect(redacted).not.toContain(secret);
    }
    const parsed = JSON.parse(redacted);
    expect(parsed.payer).toEqual({ auth_code: REDACTED, openid: 'o1' });
    expect(JSON.parse(parsed.scene_info.extra)).toEqual({ authCode: REDACTED });
    expect(parsed.card.accNo).toBe(REDACTED);
    expect(parsed.password).toBe(REDACTED);
    expect(parsed.mchid).toBe('1900000001');
  });

  it('never throws on malformed input, and still redacts what it can read', () => {
    const truncated = `biz_content=${encodeURIComponent('{"auth_code":"5550001112223"')}`.slice(0, -3);
    for (const text of [
      truncated,
      'a=%E0%A4%A&sign=x',
      '{"auth_code":"5550001112223"',
      '{"auth_code":',
      '[{"a":',
      'biz_content=%7B%22x%22',
      '%%%&&&==',
      '{"a":"\\u12"}',
    ]) {
      expect(() => redactText(text)).not.toThrow();
      expect(redactText(text)).not.toContain('5550001112223');
    }
    expect(redactText('a=%E0%A4%A&sign=x')).toBe(`a=%E0%A4%A&sign=${REDACTED}`);
  });
});
