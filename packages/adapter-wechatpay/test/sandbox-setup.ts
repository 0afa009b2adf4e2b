import {
  type WechatpayAppIds,
  type WechatpayCommonOptions,
  type WechatpayOptions,
  type WechatpayPublicKeyMode,
  wechatpay,
} from '../src/index.js';
import { createWechatpaySandbox, type WechatpaySandboxOptions } from '../src/sandbox/index.js';
import { fixture } from './helpers.js';

export const MERCHANT = {
  mchId: '1234567891',
  appId: 'wxd678efh567hg6787',
  privateKey: fixture('wechatpay-java/merchant_private_key.pem'),
  merchantSerialNo: '5F1C72E2A8931B72A2E13AF8DEE92471EB397115',
  apiV3Key: 'a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb',
};

/** A sandbox and a provider wired to it in process; `requests` records what was sent. */
export function sandboxed<const Id extends string = 'wechatpay'>(
  options: {
    mode?: WechatpaySandboxOptions['mode'];
    /** Options over the defaults (key mode, app ids, ...). */
    provider?: Partial<WechatpayCommonOptions<Id>> &
      Partial<WechatpayPublicKeyMode> & { appIds?: WechatpayAppIds | readonly string[]; mchId?: string };
    /** Further app ids the sandbox's merchant has. */
    appIds?: readonly string[];
    now?: () => Date;
    /** Replaces the sandbox's reply to `request` (which the sandbox has handled). */
    rewrite?: (response: Response, request: Request) => Promise<Response>;
  } = {},
) {
  const sandbox = createWechatpaySandbox({
    mchId: MERCHANT.mchId,
    appId: MERCHANT.appId,
    apiV3Key: MERCHANT.apiV3Key,
    merchantSerialNo: MERCHANT.merchantSerialNo,
    merchantPublicKey: fixture('wechatpay-java/merchant_certificate.pem'),
    mode: options.mode,
    now: options.now,
    appIds: options.appIds,
  });
  const requests: { method: string; url: string; body: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({
      method: request.method,
      url: request.url,
      body: await request.clone().text(),
      headers: request.headers,
    });
    const response = await sandbox.fetch(request);
    return options.rewrite ? options.rewrite(response, request) : response;
  };
  const keys =
    options.mode === 'certificate'
      ? { platformCertificates: 'auto' as const }
      : { wechatpayPublicKey: sandbox.wechatpayPublicKey, wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId };
  const merchant = options.provider?.appIds ? { ...MERCHANT, appId: undefined } : MERCHANT;
  const provider = wechatpay({
    ...merchant,
    ...keys,
    endpoint: sandbox.baseUrl,
    fetch,
    now: options.now,
    ...options.provider,
  } as WechatpayOptions<Id>);
  return { sandbox, provider, requests };
}

/** The service provider (服务商) of the partner-mode tests: the same keys as MERCHANT. */
export const SERVICE_PROVIDER = { spMchId: MERCHANT.mchId, spAppId: MERCHANT.appId };

/** Two sub-merchants bound to the service provider: A with its own mini program, B without one. */
export const SUB_A = {
  merchant: 'shop-a',
  provider: 'wechatpay',
  accountId: '1900000109',
  enabled: true,
  fields: { subAppId: 'wx8888888888888888' },
} as const;
export const SUB_B = {
  merchant: 'shop-b',
  provider: 'wechatpay',
  accountId: '1900000110',
  enabled: true,
  fields: {},
} as const;

/** A partner-mode provider on a sandbox whose service provider has SUB_A and SUB_B bound. */
export function partnerSandboxed(
  options: {
    mode?: WechatpaySandboxOptions['mode'];
    hooks?: WechatpayCommonOptions['hooks'];
    now?: () => Date;
    /** Replaces the sandbox's reply to `request` (which the sandbox has handled). */
    rewrite?: (response: Response, request: Request) => Promise<Response>;
  } = {},
) {
  const sandbox = createWechatpaySandbox({
    mchId: MERCHANT.mchId,
    appId: MERCHANT.appId,
    apiV3Key: MERCHANT.apiV3Key,
    merchantSerialNo: MERCHANT.merchantSerialNo,
    merchantPublicKey: fixture('wechatpay-java/merchant_certificate.pem'),
    mode: options.mode,
    now: options.now,
  });
  sandbox.addSubMerchant(SUB_A.accountId, { subAppId: SUB_A.fields.subAppId });
  sandbox.addSubMerchant(SUB_B.accountId);
  const requests: { method: string; url: string; body: string; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    requests.push({
      method: request.method,
      url: request.url,
      body: await request.clone().text(),
      headers: request.headers,
    });
    const response = await sandbox.fetch(request);
    return options.rewrite ? options.rewrite(response, request) : response;
  };
  const keys =
    options.mode === 'certificate'
      ? { platformCertificates: 'auto' as const }
      : { wechatpayPublicKey: sandbox.wechatpayPublicKey, wechatpayPublicKeyId: sandbox.wechatpayPublicKeyId };
  const provider = wechatpay({
    mode: 'partner',
    ...SERVICE_PROVIDER,
    privateKey: MERCHANT.privateKey,
    merchantSerialNo: MERCHANT.merchantSerialNo,
    apiV3Key: MERCHANT.apiV3Key,
    ...keys,
    endpoint: sandbox.baseUrl,
    fetch,
    now: options.now,
    hooks: options.hooks,
  });
  return { sandbox, provider, requests };
}
