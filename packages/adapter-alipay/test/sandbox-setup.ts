import { type AlipayBaseOptions, alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { fixture } from './helpers.js';

export const APP_ID = '2021000122671080';
export const APP_PRIVATE_KEY = fixture('alipay-sdk-nodejs-all/app-private-key.pem');
export const APP_PUBLIC_KEY = fixture('alipay-sdk-nodejs-all/app-public-key.pem');

/** A sandbox and a provider wired to it in process; `spy` sees every request and may rewrite replies. */
export function sandboxed(
  options: Partial<AlipayBaseOptions> & {
    alipayPublicKey?: string;
    rewrite?: (text: string, url: string) => string;
  } = {},
) {
  const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
  const requests: { url: string; body: string }[] = [];
  /** Every reply the sandbox signed, by gateway method, oldest first. */
  const replies: { method: string; text: string }[] = [];
  let served: { text: string; method: string | undefined; forward: boolean } | undefined;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = String(input);
    requests.push({ url, body: String(init?.body ?? '') });
    const method = new URL(url).searchParams.get('method') ?? '';
    if (served !== undefined && !served.forward && (served.method === undefined || served.method === method)) {
      // The request never reaches Alipay: only the substitute answer comes back.
      const answer = served.text;
      served = undefined;
      return new Response(answer, { status: 200 });
    }
    const response = await sandbox.fetch(input, init);
    const text = await response.text();
    replies.push({ method, text });
    if (served !== undefined && (served.method === undefined || served.method === method)) {
      const answer = served.text;
      served = undefined;
      return new Response(answer, { status: 200 });
    }
    return new Response(options.rewrite ? options.rewrite(text, url) : text, { status: response.status });
  };
  /**
   * Answers the next request (to `method`, when given) with `text`, such as a genuine reply to
   * another request, instead of the sandbox's own reply.
   */
  const serveNext = (text: string, method?: string, options: { forward?: boolean } = {}) => {
    served = { text, method, forward: options.forward ?? true };
  };
  /** The latest genuine reply to `method`. */
  const lastReply = (method: string) => {
    const reply = replies.findLast((candidate) => candidate.method === method);
    if (!reply) throw new Error(`no reply to ${method} yet`);
    return reply.text;
  };
  const { rewrite: _rewrite, ...providerOptions } = options;
  const provider = alipay({
    appId: APP_ID,
    privateKey: APP_PRIVATE_KEY,
    alipayPublicKey: sandbox.alipayPublicKey,
    sellerId: sandbox.sellerId,
    endpoint: sandbox.baseUrl,
    fetch,
    ...providerOptions,
  });
  /** The decoded parameters of the last request (system and biz_content). */
  const lastRequest = () => {
    const last = requests.at(-1);
    if (!last) throw new Error('no request was sent');
    const params = Object.fromEntries(new URLSearchParams(`${new URL(last.url).search.slice(1)}&${last.body}`));
    return { params, biz: JSON.parse(params.biz_content ?? '{}') as Record<string, unknown> };
  };
  return { sandbox, provider, requests, lastRequest, serveNext, lastReply };
}
