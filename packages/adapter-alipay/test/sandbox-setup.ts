import { type AlipayOptions, alipay } from '../src/index.js';
import { createAlipaySandbox } from '../src/sandbox/index.js';
import { fixture } from './helpers.js';

export const APP_ID = '2021000122671080';
export const APP_PRIVATE_KEY = fixture('alipay-sdk-nodejs-all/app-private-key.pem');
export const APP_PUBLIC_KEY = fixture('alipay-sdk-nodejs-all/app-public-key.pem');

/** A sandbox and a provider wired to it in process; `spy` sees every request and may rewrite replies. */
export function sandboxed(
  options: Partial<AlipayOptions> & {
    rewrite?: (text: string, url: string) => string;
  } = {},
) {
  const sandbox = createAlipaySandbox({ appId: APP_ID, appPublicKey: APP_PUBLIC_KEY });
  const requests: { url: string; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = String(input);
    requests.push({ url, body: String(init?.body ?? '') });
    const response = await sandbox.fetch(input, init);
    if (!options.rewrite) return response;
    return new Response(options.rewrite(await response.text(), url), { status: response.status });
  };
  const { rewrite: _rewrite, ...providerOptions } = options;
  const provider = alipay({
    appId: APP_ID,
    privateKey: APP_PRIVATE_KEY,
    alipayPublicKey: sandbox.alipayPublicKey,
    sellerId: sandbox.sellerId,
    endpoint: sandbox.gatewayUrl,
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
  return { sandbox, provider, requests, lastRequest };
}
